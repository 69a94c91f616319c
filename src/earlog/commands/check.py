"""`earlog check FILE ["PROPERTY"]`: a property over every scenario of a space, or
every `check` of a file (queries/properties.earlog); a counterexample is printed
as a ready-to-run .earlog snippet with the engine's explanation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format


@app.command("check")
def check_cmd(
    file: Annotated[Path, typer.Argument(help=".earlog file: its spaces, and its `check`s if no PROPERTY.")],
    prop: Annotated[str | None, typer.Argument(help="A property, e.g. 'tier3_entity implies not exception "
                                                    "LPP available'.")] = None,
    space: Annotated[str | None, typer.Option("--space", help="The space (with PROPERTY).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Check properties over spaces of scenarios: `holds` with the space's size and time, or a counterexample.

    Example: earlog check queries/properties.earlog
             earlog check queries/spaces.earlog 'tier3_entity implies not exception LPP available' --space full

    Exit code 0 when every property holds, 1 when one fails, 2 for bad input.
    """
    from earlog.engine import load_policy
    from earlog.space.answers import check_text
    from earlog.space.search import check

    check_format(format, FORMATS_TEXT_JSON)
    results = []
    if prop is not None:
        from earlog.commands.find import condition, space_named

        sp = space_named(file, space)
        c = check(sp, load_policy(), condition(prop, sp.name))
        results.append((prop, c.holds, check_text(c), c.to_json()))
    else:
        from earlog.dsl.parser import parse_file
        from earlog.dsl.session import plan
        from earlog.space.answers import answer_search

        steps = [s for s in plan(parse_file(file)) if s.question.kind == "check"]
        for s in steps:
            text, data, holds = answer_search(s)
            label = f"{s.file}:{s.question.span.line}: {s.question.text}"
            if s.todo:  # a known gap: shown, not counted as a failure
                label += f" [todo case: {s.case}]"
                data = {**data, "todo": s.case}
                holds = True if holds else None
            results.append((label, holds, text, data))
    failed = sum(1 for r in results if r[1] is False)
    todo = sum(1 for r in results if r[1] is None)
    if format == "json":
        typer.echo(json.dumps([r[3] for r in results], indent=2))
    else:
        for label, _holds, text, _data in results:
            typer.echo(f"{label}\n  {text.replace(chr(10), chr(10) + '  ')}")
        typer.echo(f"{len(results) - failed - todo} hold, {failed} fail"
                   + (f", {todo} known gaps fail (todo)" if todo else ""))
    if failed or not results:
        raise typer.Exit(1)
