"""`earlog find SPACEFILE "CONDITION"`: the scenarios of a space meeting a condition,
compressed into patterns, with counts (docs/spaces.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format
from earlog.errors import InputError


def space_named(spacefile: Path | None, name: str | None) -> Any:
    """The space to search: --space NAME among the file's spaces and the named
    defaults (queries/spaces.earlog), or the file's only space."""
    from earlog.space.answers import default_spaces, spaces_in

    own = spaces_in(spacefile) if spacefile is not None else {}
    if name is None:
        if len(own) == 1:
            return next(iter(own.values()))
        where = str(spacefile) if spacefile else "--space"
        raise InputError(where, f"name the space with --space ({', '.join({**default_spaces(), **own})})")
    known = {**default_spaces(), **own}
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError("--space", f"no space named {name!r}{hint}; spaces: {', '.join(known)}")
    return known[name]


def condition(text: str, space_name: str) -> Any:
    """A condition written in the query language, every name checked against the policy."""
    from earlog.dsl.parser import parse_text
    from earlog.engine import load_policy
    from earlog.space.dsl import build_cond

    doc_text = f"check in {space_name}: {text}"
    doc = parse_text(doc_text, "<condition>")
    q = doc.statements[0] if doc.statements else None
    if len(doc.statements) != 1 or getattr(q, "search", None) is None:
        raise InputError("<condition>", f"expected one condition, got {text!r}")
    return build_cond(q.search.cond, load_policy(), "<condition>", doc_text)


@app.command("find")
def find_cmd(
    spacefile: Annotated[Path, typer.Argument(help=".earlog file declaring spaces (queries/spaces.earlog).")],
    cond: Annotated[str, typer.Argument(help="The condition, e.g. 'exception LPP available and "
                                             "review_policy = denial'.")],
    space: Annotated[str | None, typer.Option("--space", help="The space's name (default: the file's only one).")
                     ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most N patterns.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """List the scenarios of a space where a condition holds, as patterns with counts.

    Example: earlog find queries/spaces.earlog 'exception LPP available' --space owners
    """
    from earlog.engine import load_policy
    from earlog.space.search import find

    check_format(format, FORMATS_TEXT_JSON)
    if limit is not None and limit < 1:
        raise InputError("--limit", f"expected 1 or more, got {limit}")
    sp = space_named(spacefile, space)
    c = condition(cond, sp.name)
    r = find(sp, load_policy(), c, limit=limit)
    typer.echo(json.dumps(r.to_json(), indent=2) if format == "json" else r.text())
