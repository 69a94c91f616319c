"""`earlog diff`: where two readings of the policy give different verdicts, over a
space (or the transactions of a scenario file), with the rules that differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format
from earlog.errors import InputError


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    out = []
    for v in values or []:
        if "=" not in v:
            raise InputError(option, f"expected NAME=VALUE, got {v!r}")
        k, _, x = v.partition("=")
        out.append((k.strip(), x.strip()))
    return out


def overlay(policy: Any, interpretations: list[str] | None, tiers: list[str] | None,
            parameters: list[str] | None) -> tuple[str, dict[str, Any]]:
    """The variant's label and overlay (assume, countries, parameters) from the options."""
    from earlog.engine import vocabulary

    vocab = vocabulary(policy)
    out: dict[str, Any] = {}
    words = []
    for item in interpretations or []:
        q, _, a = item.partition("=")
        q, a = q.strip(), a.strip()
        alts = vocab.interpretations.get(q)
        if alts is None:
            import difflib

            close = difflib.get_close_matches(q, list(vocab.interpretations), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError("--interpretation", f"no interpretation named {q!r}{hint}; "
                             f"known: {', '.join(vocab.interpretations)}")
        if not a:
            defaults = {s.arguments[0].name: s.arguments[1].name for s in policy.data.get("interpretation_default", ())}
            others = [x for x in alts if x != defaults.get(q)]
            if len(others) != 1:
                raise InputError("--interpretation", f"{q} has {len(alts)} readings: name one, "
                                 f"e.g. {q}={others[0]} ({', '.join(alts)})")
            a = others[0]
        if a not in alts:
            raise InputError("--interpretation", f"{q} has no reading {a!r}; readings: {', '.join(alts)}")
        out.setdefault("assume", {})[q] = a
        words.append(f"{q} = {a}")
    for code, n in _pairs(tiers, "--tier"):
        if not n.isdigit():
            raise InputError("--tier", f"expected CC=N, got {code}={n}")
        out.setdefault("countries", {})[code.upper()] = {"tier": int(n)}
        words.append(f"tier {code.upper()} = {n}")
    for name, v in _pairs(parameters, "--parameter"):
        try:
            out.setdefault("parameters", {})[name] = int(v.replace(",", "").replace("_", ""))
        except ValueError:
            raise InputError("--parameter", f"expected a whole number for {name}, got {v!r}") from None
        words.append(f"parameter {name} = {v}")
    return ", ".join(words), out


@app.command("diff")
def diff_cmd(
    space: Annotated[str, typer.Option("--space", help="The space (queries/spaces.earlog or --spaces FILE).")
                     ] = "core",
    spaces: Annotated[Path | None, typer.Option("--spaces", help=".earlog file declaring more spaces.")] = None,
    interpretation: Annotated[list[str] | None, typer.Option(
        "--interpretation", help="Q or Q=A: compare the default reading with this one.")] = None,
    tier: Annotated[list[str] | None, typer.Option("--tier", help="CC=N: compare with the country moved.")] = None,
    parameter: Annotated[list[str] | None, typer.Option("--parameter", help="P=N: compare with the parameter "
                                                                            "changed.")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="Compare with another policy folder.")] = None,
    base_policy: Annotated[Path | None, typer.Option("--base-policy", help="The policy folder compared from.")
                           ] = None,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="Compare the transactions of a scenario "
                                                                     "(a ledger) instead of a space.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most N patterns per group.")] = 10,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Every pattern of scenarios whose verdict differs between two readings, from what to what, with counts.

    Example: earlog diff --interpretation cyprus_in_d5 --space core
             earlog diff --tier SG=1 --space owners
    """
    from earlog.engine import load_policy
    from earlog.space.diff import diff

    check_format(format, FORMATS_TEXT_JSON)
    for folder, opt in ((policy, "--policy"), (base_policy, "--base-policy")):
        if folder is not None and not folder.is_dir():
            raise InputError(opt, f"no policy folder {str(folder)!r}")
    pol_a = load_policy(str(base_policy) if base_policy else None)
    pol_b = load_policy(str(policy)) if policy else pol_a
    label, ov = overlay(pol_b, interpretation, tier, parameter)
    if policy:
        label = ", ".join(x for x in (f"policy {policy}", label) if x)
    if not label:
        raise InputError("diff", "name what to compare: --interpretation, --tier, --parameter or --policy")
    label_a = f"policy {base_policy}" if base_policy else "as written"
    if ov.get("assume"):
        defaults = {s.arguments[0].name: s.arguments[1].name for s in pol_a.data.get("interpretation_default", ())}
        label_a = ", ".join([*(f"{q} = {defaults[q]}" for q in ov["assume"] if q in defaults),
                             *([label_a] if base_policy else [])]) + " (default)"
    if scenario is not None:
        out = _ledger_diff(scenario, pol_a, pol_b, ov, label_a, label)
        typer.echo(json.dumps(out, indent=2) if format == "json" else _ledger_text(out))
        return
    from earlog.commands.find import space_named

    sp = space_named(spaces, space)
    r = diff(sp, (label_a, pol_a, {}), (label, pol_b, ov), limit=limit)
    typer.echo(json.dumps(r.to_json(), indent=2) if format == "json" else r.text())


def _ledger_diff(path: Path, pol_a: Any, pol_b: Any, ov: dict[str, Any], la: str, lb: str) -> dict[str, Any]:
    """The transactions of a scenario evaluated under both readings, field by field."""
    import copy

    from earlog.api import evaluate
    from earlog.dsl.whatif import diff_verdicts
    from earlog.space.answers import scenario_data

    data = scenario_data(path)
    changed = copy.deepcopy(data)
    for k, v in ov.items():
        changed.setdefault(k, {}).update(v)
    before = {v.transaction: v.to_json() for v in evaluate(data, policy_dir=pol_a.root)}
    after = {v.transaction: v.to_json() for v in evaluate(changed, policy_dir=pol_b.root)}
    return {"scenario": str(path), "before": la, "after": lb, "changes": diff_verdicts(before, after)}


def _ledger_text(out: dict[str, Any]) -> str:
    from earlog.dsl.whatif import render_diff

    return f"{out['scenario']}: {out['before']} -> {out['after']}\n{render_diff(out['changes'])}"
