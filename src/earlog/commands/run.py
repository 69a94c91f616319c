"""`earlog run`: answer every question in .earlog files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format


@app.command("run")
def run_cmd(
    files: Annotated[list[Path], typer.Argument(help=".earlog file(s).")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Answer every question (ask, why, why not, what if, expect) in .earlog files, in order.

    Example: earlog run queries/tour.earlog

    Every file is parsed and checked before anything is evaluated; bad input exits 2,
    a failed `expect` exits 1.
    """
    from rich.console import Console

    from earlog.dsl.parser import parse_file
    from earlog.dsl.questions import answer
    from earlog.dsl.session import plan

    check_format(format, FORMATS_TEXT_JSON)
    planned = [plan(parse_file(f)) for f in files]
    console = Console(highlight=False, soft_wrap=True)
    answers = []
    case = None
    for steps in planned:
        for step in steps:
            a = answer(step)
            answers.append(a)
            if format == "json":
                continue
            if step.case != case and step.case is not None:
                console.print(f"\n== case: {step.case}", style="bold magenta", markup=False)
            case = step.case
            style = "bold cyan" if a.passed is not False else "bold red"
            if step.question.kind == "expect":
                style = "green" if a.passed else ("yellow" if a.passed is None else "bold red")  # None: todo
                console.print(f"{a.where}: {a.text}", style=style, markup=False)
                continue
            console.print(f"\n{a.where}: {step.question.text}", style=style, markup=False)
            console.print(a.text, markup=False)
    failed = sum(1 for a in answers if a.passed is False)
    if format == "json":
        typer.echo(json.dumps([a.to_json() for a in answers], indent=2))
    elif any(a.passed is not None for a in answers):
        passed = sum(1 for a in answers if a.passed)
        console.print(f"\n{passed} passed, {failed} failed", style="bold red" if failed else "bold green",
                      markup=False)
    if failed:
        raise typer.Exit(1)
