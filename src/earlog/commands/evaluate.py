"""`earlog eval`: a scenario (JSON, .earlog or stdin) in, verdicts out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format


@app.command("eval")
def eval_cmd(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario file(s): .json, .earlog, or - for stdin.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Evaluate scenarios (JSON or .earlog files, - for stdin) and print one verdict per transaction.

    Example: earlog eval queries/scenarios/brazil_cloud.json --format json
    """
    from earlog.api import evaluate, vocabulary_for
    from earlog.render.verdict_text import render_verdicts
    from earlog.scenario.load import load_scenario
    from earlog.scenario.validate import require_transactions, validate

    check_format(format, FORMATS_TEXT_JSON)
    # every file is read and checked before any is evaluated: nothing is evaluated partially
    loaded = [(path, load_scenario(path)) for path in scenarios]
    vocab = vocabulary_for()
    for _path, sc in loaded:
        validate(sc, vocab)
        require_transactions(sc)
    out = []
    for path, sc in loaded:
        verdicts = evaluate(sc)
        if format == "json":
            out.append([v.to_json() for v in verdicts])
        else:
            typer.echo(f"== {path}")
            typer.echo(render_verdicts(verdicts, sc))
            typer.echo("")
    if format == "json":
        typer.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2))
