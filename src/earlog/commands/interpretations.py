"""`earlog interpretations`: every named ambiguity of the policy, its alternatives
with their sources, and the default, so a reader sees where the model chose."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format


def interpretation_catalogue(policy_dir: str | None = None) -> list[dict[str, Any]]:
    """The questions in policy order, each with its alternatives (name, source) and default.

    Read from the policy's own facts (interpretations.lp), never from Python."""
    from earlog.engine import load_policy

    policy = load_policy(policy_dir)
    data = policy.data
    defaults = {s.arguments[0].name: s.arguments[1].name for s in data.get("interpretation_default", ())}
    alternatives: dict[str, list[dict[str, str]]] = {}
    for s in data.get("interpretation_alternative", ()):
        alternatives.setdefault(s.arguments[0].name, []).append(
            {"alternative": s.arguments[1].name, "source": s.arguments[2].string})
    out = []
    for s in data.get("interpretation_question", ()):
        q = s.arguments[0].name
        out.append({"question": q, "text": s.arguments[1].string, "default": defaults.get(q),
                    "alternatives": alternatives.get(q, [])})
    return out


@app.command("interpretations")
def interpretations_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """List every named interpretation: the question, its alternatives with sources, and the default.

    Switch one in a scenario with "assume": {"QUESTION": "ALTERNATIVE"}.
    Example: earlog interpretations --format json
    """
    check_format(format, FORMATS_TEXT_JSON)
    cat = interpretation_catalogue()
    if format == "json":
        typer.echo(json.dumps(cat, indent=2, ensure_ascii=False))
        return
    for q in cat:
        typer.echo(f"{q['question']}: {q['text']}")
        for a in q["alternatives"]:
            mark = "*" if a["alternative"] == q["default"] else " "
            typer.echo(f"  {mark} {a['alternative']}: {a['source']}")
        typer.echo("")
    typer.echo("* the default; a scenario switches one with \"assume\": {QUESTION: ALTERNATIVE}")
