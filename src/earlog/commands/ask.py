"""`earlog ask`: a scenario's verdicts, and with --all-interpretations which verdict
fields change under which reading of the sources.

Each alternative of each named interpretation is tried one at a time, every other
question keeping its default (or the scenario's own assumption), and the verdicts
are compared field by field with the baseline.  Nothing here knows the law: the
questions and alternatives come from the policy (interpretations.lp)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format
from earlog.commands.interpretations import interpretation_catalogue
from earlog.errors import InputError
from earlog.scenario.model import Scenario

# verdict fields that describe how an answer was reached rather than the answer
_NOT_COMPARED = frozenset({"explanation", "transaction"})


def _fields(sc: Scenario, tx: str | None) -> dict[str, dict[str, Any]]:
    from earlog.api import evaluate

    verdicts = {v.transaction: v.to_json() for v in evaluate(sc)}
    if tx is not None:
        if tx not in verdicts:
            raise InputError(f"--tx {tx}", f"no transaction {tx!r} in the scenario; "
                                           f"it has: {', '.join(verdicts) or 'none'}")
        verdicts = {tx: verdicts[tx]}
    return {t: {k: v for k, v in fields.items() if k not in _NOT_COMPARED} for t, fields in verdicts.items()}


def interpretation_dependence(sc: Scenario, tx: str | None = None) -> dict[str, Any]:
    """{"baseline": {tx: fields}, "assumed": {question: alternative}, "changes": [...]}.

    Each change is {transaction, question, alternative, field, baseline, value}: one
    verdict field that takes another value when only that question takes that
    alternative.  Fields are compared as `what if` compares them (earlog.dsl.whatif:
    flattened to paths such as `exceptions.LPP.available`), so a nested field is
    reported by its own path with its own old and new value, and a field whose value
    is the same under a reading is never reported as depending on it."""
    from earlog.dsl.whatif import diff_verdicts

    baseline = _fields(sc, tx)
    cat = interpretation_catalogue()
    assumed = {q["question"]: sc.assume.get(q["question"], q["default"]) for q in cat}
    changes: list[dict[str, Any]] = []
    for q in cat:
        for alt in q["alternatives"]:
            a = alt["alternative"]
            if a == assumed[q["question"]]:
                continue
            variant = copy.deepcopy(sc)
            variant.assume[q["question"]] = a
            for d in diff_verdicts(baseline, _fields(variant, tx)):
                for f in d["fields"]:
                    changes.append({"transaction": d["transaction"], "question": q["question"], "alternative": a,
                                    "field": f["field"], "baseline": f["before"], "value": f["after"]})
    return {"baseline": baseline, "assumed": assumed, "changes": changes}


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 100 else s[:97] + "..."


def render_dependence(report: dict[str, Any]) -> str:
    """Per transaction, per reading (`question = alternative`), each field that changes:
    its path, from, to, in full (as `what if` prints them)."""
    from earlog.dsl.whatif import show_value

    lines: list[str] = []
    for t in report["baseline"]:
        mine = [c for c in report["changes"] if c["transaction"] == t]
        lines.append(f"{t}: outcome {report['baseline'][t].get('outcome')}")
        if not mine:
            lines.append("  no verdict field depends on any interpretation")
            continue
        readings: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for c in mine:
            readings.setdefault((c["question"], c["alternative"]), []).append(c)
        for (q, a), cs in readings.items():
            lines.append(f"  under {q} = {a} (instead of {report['assumed'][q]}):")
            width = max(len(c["field"]) for c in cs)
            lines.extend(f"    {c['field']:<{width}}  {show_value(c['baseline'])} -> {show_value(c['value'])}"
                         for c in cs)
    return "\n".join(lines)


@app.command("ask")
def ask_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file: .json, .earlog, or - for stdin.")],
    tx: Annotated[str | None, typer.Option("--tx", help="Only this transaction.")] = None,
    all_interpretations: Annotated[bool, typer.Option(
        "--all-interpretations", help="Show which verdict fields depend on which interpretation.")] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Ask for a scenario's verdicts; with --all-interpretations, which fields depend on which reading.

    Example: earlog ask queries/scenarios/weights_frontier_model.json --all-interpretations
    """
    from earlog.scenario.load import load_scenario

    check_format(format, FORMATS_TEXT_JSON)
    sc = load_scenario(scenario)
    from earlog.scenario.validate import require_transactions

    require_transactions(sc)
    if not all_interpretations:
        fields = _fields(sc, tx)
        if format == "json":
            typer.echo(json.dumps(fields, indent=2, ensure_ascii=False))
            return
        for t, f in fields.items():
            typer.echo(f"{t}:")
            for name in ("subject_to_ear", "license_required", "review_policy", "authorization", "outcome"):
                typer.echo(f"  {name}: {_short(f.get(name))}")
        return
    report = interpretation_dependence(sc, tx)
    if format == "json":
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(render_dependence(report))
