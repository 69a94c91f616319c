"""`earlog rulebook`: policy/ rendered as an annotated statute (HTML or Markdown)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import app, check_format


def default_suites() -> list[str]:
    """The regression suites beside the policy (a source checkout's queries/), if any."""
    from earlog.engine import load_policy

    root = Path(load_policy().root).resolve()
    for cand in (Path("queries"), root.parent / "queries"):
        if cand.is_dir():
            return [str(cand)]
    return []


@app.command("rulebook")
def rulebook_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="html or markdown")] = "html",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE instead of stdout.")] = None,
    suites: Annotated[list[str] | None, typer.Option(
        "--suites", help="Regression suites whose cases are linked to the rules they pin "
                         "(default: queries/ when there is one).")] = None,
    no_cases: Annotated[bool, typer.Option("--no-cases", help="Do not run the suites; no case links.")] = False,
) -> None:
    """Render the policy as a document a lawyer reads like an annotated statute.

    In the order of the regulation, each rule with its citation (sources named), its
    plain-English text, the seed sentence it encodes, the interpretations that switch
    it, the regression cases that pin it (linked) and its ASP source (folded).  Finding
    the cases runs every suite with rule tracing once; the result is cached per policy
    and suites.

    Example: earlog rulebook --format html -o rulebook.html
    """
    from earlog.engine import load_policy
    from earlog.explain.rulebook import build_rulebook, case_index
    from earlog.render.rulebook import render_rulebook_html, render_rulebook_markdown

    check_format(format, ("html", "markdown"))
    policy = load_policy()
    paths = [] if no_cases else (suites if suites else default_suites())
    cases, notes = case_index(policy, paths) if paths else ({}, [])
    for n in notes:
        print(f"earlog rulebook: {n}", file=sys.stderr)
    book = build_rulebook(policy, cases, paths)
    base = str(output.resolve().parent) if output is not None else None
    text = render_rulebook_html(book, base) if format == "html" else render_rulebook_markdown(book, base)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
