"""The `earlog` command line.  Errors for people: one line, exit code 2, no traceback."""

from __future__ import annotations

import sys

import typer

from earlog.commands import (
    ask,  # noqa: F401  (registers `ask`)
    classify,  # noqa: F401  (registers `classify`)
    evaluate,  # noqa: F401  (registers `eval`)
    fmt,  # noqa: F401  (registers `fmt`)
    interpretations,  # noqa: F401  (registers `interpretations`)
    repl,  # noqa: F401  (registers `repl`)
    rulebook,  # noqa: F401  (registers `rulebook`)
    rules,  # noqa: F401  (registers `rules` and `show rule`)
    run,  # noqa: F401  (registers `run`)
    screen,  # noqa: F401  (registers `screen`)
    serve,  # noqa: F401  (registers `serve`)
    show,  # noqa: F401  (registers `show params|tiers|country|interpretation`)
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
