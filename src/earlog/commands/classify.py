"""`earlog classify`: the ECCN of each chip, from its declared ECCN, its specifications
or the Note 1 presumption, with the rules that decided it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from clingo import String

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format
from earlog.errors import InputError

_SPEC_KEYS = {"mac_tops": float, "bit_length": int, "die_area_mm2": float, "performance_density": float,
              "tpp": int, "eccn": str}


def specs_item(spec: str) -> dict[str, Any]:
    """`mac_tops=989.5,bit_length=8,die_area_mm2=814` -> an item of a one-chip scenario."""
    item: dict[str, Any] = {"id": "chip"}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in _SPEC_KEYS:
            raise InputError("--specs", f"expected key=value pairs with keys {', '.join(sorted(_SPEC_KEYS))}; "
                                        f"got {part!r}")
        try:
            item[key] = _SPEC_KEYS[key](value.strip())
        except ValueError:
            raise InputError(f"--specs {key}", f"expected a number, got {value.strip()!r}") from None
    return item


def classify_report(scenario: dict[str, Any] | Path | str) -> list[dict[str, Any]]:
    """Per transaction (with its presumption) and per item without one: the classification
    field of the verdict plus the trail of rules that fired for the item or transaction."""
    from earlog.engine import load_policy, solve, vocabulary
    from earlog.scenario.json_input import scenario_from_dict
    from earlog.scenario.load import load_scenario
    from earlog.scenario.validate import validate
    from earlog.verdict import classify

    sc = scenario_from_dict(scenario) if isinstance(scenario, dict) else load_scenario(scenario)
    policy = load_policy()
    validate(sc, vocabulary(policy))
    ans = solve(sc, policy, traced=None)
    fired = ans.fired()
    order = {rid: i for i, rid in enumerate(policy.rules)}
    trail_families = ("classify", "classification", "items", "dd", "tx")

    def trail(*keys: Any) -> list[dict[str, str]]:
        ids: set[str] = set()
        for atom, rids in fired.items():
            if atom.arguments and atom.arguments[0] in keys:
                ids.update(r for r in rids if r.split(".")[0] in trail_families)
        return [{"rule": r, "cite": policy.rules[r].cite, "text": policy.rules[r].text}
                for r in sorted(ids, key=lambda r: order[r])]

    out = []
    shipped = set()
    for t in sc.transactions:
        shipped.add(t.item)
        c = classify(ans, fired, String(t.id), String(t.item))
        out.append({"transaction": t.id, "item": t.item, **c, **figures(ans, policy, String(t.item)),
                    "trail": trail(String(t.id), String(t.item))})
    for it in sc.items:
        if it.id not in shipped:
            c = classify(ans, fired, String(""), String(it.id))
            out.append({"item": it.id, **c, **figures(ans, policy, String(it.id)), "trail": trail(String(it.id))})
    return out


def figures(ans: Any, policy: Any, item: Any) -> dict[str, Any]:
    """The numbers the classification rules compared: the chip's TPP, its die area or
    declared performance density, and each threshold parameter with the result
    (`at_least` or `below`).  All read from the answer set and the policy's own
    threshold lists (classification.lp: tpp_threshold_param/1, pd_threshold_param/1)."""
    from earlog.engine.arith import to_int

    def about(pred: str) -> list[Any]:
        return [a for a in ans.get(pred) if a.arguments and a.arguments[0] == item]

    tpp = next((to_int(a.arguments[1]) for a in about("tpp_of")), None)
    area = next((to_int(a.arguments[1]) for a in about("item_die_area_milli")), None)
    pd = next((to_int(a.arguments[1]) for a in about("item_pd_milli")), None)
    params = {a.arguments[0].name: a.arguments[1] for a in ans.get("param") if len(a.arguments) == 2}
    out: dict[str, Any] = {"tpp": tpp, "die_area_mm2": _milli(area), "performance_density": _milli(pd)}
    if pd is None and area and tpp is not None:
        # shown, not decided on: the rules compare TPP x 100 with threshold x area (classification.lp)
        from fractions import Fraction

        tpp_milli = next((to_int(a.arguments[1]) for a in about("tpp_milli")), tpp * 1000)
        exact = Fraction(tpp_milli, area)
        limits = [Fraction(to_int(params[f.arguments[0].name]), 100) for f in policy.data.get("pd_threshold_param", ())
                  if f.arguments[0].name in params]
        digits = 2
        while digits < 6 and any(round(exact, digits) == x != exact for x in limits):
            digits += 1  # 5.9199 is not shown as 5.92 beside a threshold of 5.92
        out["performance_density"] = f"{float(exact):.{digits}f}"
        out["performance_density_from"] = "TPP / applicable die area"
    rows = []
    for kind, names, measure in (("tpp", "tpp_threshold_param", "TPP"),
                                 ("pd", "pd_threshold_param", "performance density")):
        at_least = {str(a.arguments[1]) for a in about(f"{kind}_at_least")}
        below = {str(a.arguments[1]) for a in about(f"{kind}_below")}
        for fact in policy.data.get(names, ()):
            name = fact.arguments[0].name
            x = params.get(name)
            if x is None:
                continue
            result = "at_least" if str(x) in at_least else "below" if str(x) in below else "unknown"
            rows.append({"measure": measure, "parameter": name, "threshold": _scaled(name, to_int(x)),
                         "result": result})
    out["thresholds"] = rows
    return out


def _milli(v: int | None) -> str | None:
    """A value the scenario gave in thousandths, as a decimal."""
    if v is None:
        return None
    whole, frac = divmod(v, 1000)
    return f"{whole:,}" + (f".{frac:03d}".rstrip("0") if frac else "")


def _scaled(name: str, x: int) -> str:
    """A threshold in the unit its name gives (`_x100`: hundredths, params.lp convention)."""
    if name.endswith("_x100"):
        return f"{x / 100:.2f}"
    return f"{x:,}"


@app.command("classify")
def classify_cmd(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario file: .json, .earlog, or - for stdin.")] = None,
    specs: Annotated[str | None, typer.Option(
        "--specs", help="e.g. mac_tops=989.5,bit_length=8,die_area_mm2=814")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Print each chip's ECCN and the rules that decided it.

    Example: earlog classify --specs mac_tops=989.5,bit_length=8,die_area_mm2=814
    """
    from earlog.explain.citations import cite_words

    check_format(format, FORMATS_TEXT_JSON)
    if (scenario is None) == (specs is None):
        raise InputError("", "give a scenario file or --specs, not both and not neither")
    report = classify_report({"items": [specs_item(specs)]} if specs is not None else scenario)
    if format == "json":
        typer.echo(json.dumps(report, indent=2))
        return
    for r in report:
        head = f"transaction {r['transaction']} ({r['item']})" if "transaction" in r else f"item {r['item']}"
        eccn = r["eccn"] or ("not 3A090.a or .b" if r["rule"] else "undetermined")
        typer.echo(f"{head}: {eccn}  [by {r['by']}; presumption {r['presumption']}; rule {r['rule']}]")
        for w in r.get("warnings", []):
            typer.echo(f"  warning ({w['rule']}): {json.dumps({k: v for k, v in w.items() if k != 'rule'})}")
        for o in r.get("obligations", []):
            typer.echo(f"  obligation ({o['rule']}): {o['party']}")
        parts = []
        if r.get("tpp") is not None:
            parts.append(f"TPP {r['tpp']:,}")
        if r.get("performance_density") is not None:
            how = f" ({r['performance_density_from']}, die area {r['die_area_mm2']} mm2)" \
                if r.get("performance_density_from") else ""
            parts.append(f"performance density {r['performance_density']}{how}")
        if parts:
            typer.echo("  computed: " + "; ".join(parts))
        value = {"TPP": f"{r['tpp']:,}" if r.get("tpp") is not None else "?",
                 "performance density": r.get("performance_density") or "?"}
        for th in r.get("thresholds", []):
            if th["result"] == "unknown":
                continue  # the measure is not known for this chip (no die area, no density)
            rel = {"at_least": ">=", "below": "<"}[th["result"]]
            typer.echo(f"  {th['measure']} {value[th['measure']]} {rel} {th['threshold']}  ({th['parameter']})")
        for step in r["trail"]:
            typer.echo(f"  - {step['rule']}: {step['text']}  ({cite_words(step['cite'])})")
