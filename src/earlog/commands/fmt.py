"""`earlog fmt`: rewrite .earlog files in their canonical layout."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import app


@app.command("fmt")
def fmt_cmd(
    files: Annotated[list[Path], typer.Argument(help=".earlog files or folders, or - to format stdin to stdout.")],
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 if a file is not formatted.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Change nothing; print what would change as a unified diff.")
                    ] = False,
) -> None:
    """Rewrite .earlog files in canonical layout (idempotent; comments kept where they were).

    Example: earlog fmt queries/tour.earlog      earlog fmt --check --diff queries/      earlog fmt - < deal.earlog

    With `-` the text is read from stdin and the formatted text written to stdout.
    Exit code 1 with --check when a file is not formatted; 2 for a file that does not parse.
    """
    from earlog.dsl.formatter import format_document
    from earlog.dsl.parser import parse_file
    from earlog.dsl.suite import find_files

    stdin = [p for p in files if str(p) == "-"]
    paths = find_files([p for p in files if str(p) != "-"])
    docs = [(p, parse_file(p)) for p in [*stdin, *paths]]  # all parsed before any is written
    unformatted = []
    for p, doc in docs:
        new = format_document(doc)
        changed = new != doc.text
        name = "<stdin>" if str(p) == "-" else str(p)
        if diff and changed:
            old_lines, new_lines = doc.text.splitlines(keepends=True), new.splitlines(keepends=True)
            sys.stdout.writelines(difflib.unified_diff(old_lines, new_lines, f"{name} (as written)",
                                                       f"{name} (formatted)"))
        if str(p) == "-":
            if not (check or diff):
                sys.stdout.write(new)
        elif changed and not (check or diff):
            p.write_text(new, encoding="utf-8")
        if changed:
            unformatted.append(name)
    if str(files[0]) != "-" or len(files) > 1:
        verb = "would reformat" if check or diff else "reformatted"
        for name in unformatted:
            typer.echo(f"{verb} {name}", err=diff)
    if check and unformatted:
        raise typer.Exit(1)
