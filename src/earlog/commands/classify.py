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
        out.append({"transaction": t.id, "item": t.item, **c, "trail": trail(String(t.id), String(t.item))})
    for it in sc.items:
        if it.id not in shipped:
            c = classify(ans, fired, String(""), String(it.id))
            out.append({"item": it.id, **c, "trail": trail(String(it.id))})
    return out


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
        for step in r["trail"]:
            typer.echo(f"  - {step['rule']}: {step['text']}  ({step['cite']})")
