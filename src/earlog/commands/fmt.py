"""`earlog fmt`: rewrite .earlog files in their canonical layout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import app


@app.command("fmt")
def fmt_cmd(
    files: Annotated[list[Path], typer.Argument(help=".earlog files or folders.")],
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 if a file is not formatted.")] = False,
) -> None:
    """Rewrite .earlog files in canonical layout (idempotent; comments kept).

    Example: earlog fmt queries/tour.earlog      (or: earlog fmt --check queries/)
    """
    from earlog.dsl.formatter import format_document
    from earlog.dsl.parser import parse_file
    from earlog.dsl.suite import find_files

    paths = find_files(files)
    docs = [(p, parse_file(p)) for p in paths]  # all parsed before any is written
    unformatted = []
    for p, doc in docs:
        new = format_document(doc)
        if new != doc.text:
            unformatted.append(p)
            if not check:
                p.write_text(new, encoding="utf-8")
    verb = "would reformat" if check else "reformatted"
    for p in unformatted:
        typer.echo(f"{verb} {p}")
    if check and unformatted:
        raise typer.Exit(1)
