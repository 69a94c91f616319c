"""The `earlog` command line.  Errors for people: one line, exit code 2, no traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from earlog import __version__
from earlog.errors import EarlogError

app = typer.Typer(
    name="earlog",
    help="An executable model of the US export controls on advanced AI chips and model weights.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"earlog {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """earlog answers export-control questions with the rules that decided them."""


@app.command("eval")
def eval_cmd(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario JSON file(s).")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Evaluate scenario JSON files and print one verdict per transaction.

    Example: earlog eval queries/scenarios/brazil_cloud.json --format json
    """
    from earlog.api import evaluate
    from earlog.render.verdict_text import render_verdicts
    from earlog.scenario.json_input import load_json_file

    if format not in ("text", "json"):
        raise EarlogError(f"--format: expected text or json, got {format!r}")
    out = []
    for path in scenarios:
        sc = load_json_file(path)
        verdicts = evaluate(sc)
        if format == "json":
            out.append([v.to_json() for v in verdicts])
        else:
            typer.echo(f"== {path}")
            typer.echo(render_verdicts(verdicts, sc))
            typer.echo("")
    if format == "json":
        typer.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2))


def main() -> None:
    try:
        app()
    except EarlogError as e:
        typer.echo(f"earlog: error: {e}", err=True)
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
