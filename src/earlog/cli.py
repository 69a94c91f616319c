"""The `earlog` command line.  Errors for people: one line, exit code 2, no traceback."""

from __future__ import annotations

import sys

import typer

from earlog.commands import (
    ask,  # noqa: F401  (registers `ask`)
    check,  # noqa: F401  (registers `check`)
    classify,  # noqa: F401  (registers `classify`)
    diff,  # noqa: F401  (registers `diff`)
    evaluate,  # noqa: F401  (registers `eval`)
    export,  # noqa: F401  (registers `export`)
    find,  # noqa: F401  (registers `find`)
    fmt,  # noqa: F401  (registers `fmt`)
    interpretations,  # noqa: F401  (registers `interpretations`)
    repl,  # noqa: F401  (registers `repl`)
    rules,  # noqa: F401  (registers `rules` and `show rule`)
    run,  # noqa: F401  (registers `run`)
    screen,  # noqa: F401  (registers `screen`)
    serve,  # noqa: F401  (registers `serve`)
    test,  # noqa: F401  (registers `test`)
    veu_limits,  # noqa: F401  (registers `veu-limits`)
    why,  # noqa: F401  (registers `why`)
)
from earlog.commands.app import app
from earlog.errors import EarlogError

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except EarlogError as e:
        typer.echo(f"earlog: error: {error_text(e)}", err=True)
        sys.exit(e.exit_code)


def error_text(e: EarlogError) -> str:
    """The error as printed: its first line with every control character escaped, so a
    name or JSON key holding a newline cannot split it or forge a second line; a DSL
    error keeps its source excerpt (the line and the caret) below."""
    from earlog.dsl.errors import DslError
    from earlog.errors import InputError
    from earlog.scenario.limits import escape

    if isinstance(e, DslError):
        head = f"{e.where}: {e.message}"
        excerpt = str(e)[len(head):]
        return escape(head) + "\n".join(escape(line) for line in excerpt.split("\n"))
    if isinstance(e, InputError):
        return escape(f"{e.where}: {e.message}" if e.where else e.message)
    return escape(str(e))


if __name__ == "__main__":
    main()
