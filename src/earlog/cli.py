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
    find,  # noqa: F401  (registers `find`)
    fmt,  # noqa: F401  (registers `fmt`)
    interpretations,  # noqa: F401  (registers `interpretations`)
    repl,  # noqa: F401  (registers `repl`)
    rules,  # noqa: F401  (registers `rules` and `show rule`)
    run,  # noqa: F401  (registers `run`)
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
        typer.echo(f"earlog: error: {e}", err=True)
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
