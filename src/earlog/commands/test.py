"""`earlog test`: run the `expect`s of .earlog suites as a regression test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format


@app.command("test")
def test_cmd(
    paths: Annotated[list[Path], typer.Argument(help=".earlog files or folders (searched recursively).")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Run every `expect` in the .earlog files under PATH; one line per failure, then `N passed, M failed`.

    Example: earlog test queries/

    Exit code 0 when all pass, 1 when any fails (a file with no `expect` fails), 2 for bad input.
    """
    from rich.console import Console

    from earlog.dsl.suite import expectations, find_files, no_expectations, run_step

    check_format(format, FORMATS_TEXT_JSON)
    files = find_files(paths)
    planned = [(f, expectations(f)) for f in files]  # every file checked before any is run
    results = []
    for f, steps in planned:
        if not steps:
            results.append(no_expectations(f))
        results.extend(run_step(s) for s in steps)
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    if format == "json":
        typer.echo(json.dumps({"passed": passed, "failed": failed,
                               "results": [r.__dict__ for r in results]}, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        for r in results:
            if not r.passed:
                console.print(r.failure_line(), style="red", markup=False)
        console.print(f"{passed} passed, {failed} failed", style="bold red" if failed else "bold green",
                      markup=False)
    if failed or not results:
        raise typer.Exit(1)
