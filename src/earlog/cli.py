"""The `earlog` command line.  Errors for people: one line, exit code 2, no traceback."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from earlog.errors import EarlogError

__all__ = ["app", "main"]  # noqa: F822  (app: module __getattr__)

# The module that registers each top-level command, in the order `earlog --help` lists them.
# A command imports only its own module: importing all of them (the web workbench, the REPL,
# the rulebook) costs a cold command more than evaluating a deal.
COMMANDS = {
    "ask": "ask", "check": "check", "classify": "classify", "diff": "diff", "eval": "evaluate",
    "export": "export", "find": "find", "fmt": "fmt", "interpretations": "interpretations", "repl": "repl",
    "rules": "rules", "show": "rules", "rulebook": "rules", "run": "run", "screen": "screen", "serve": "serve",
    "test": "test", "veu-limits": "veu_limits", "why": "why",
}


def _register(modules: Any) -> Any:
    for name in modules:
        importlib.import_module(f"earlog.commands.{name}")
    from earlog.commands.app import app

    return app


def registered_app(argv: list[str] | None = None) -> Any:
    """The Typer app with the command argv names registered, or every command (help, a
    misspelt command, no argv: all of them, in the order of COMMANDS)."""
    command = argv[0] if argv else None
    if command in COMMANDS:
        return _register([COMMANDS[command]])
    return _register(dict.fromkeys(COMMANDS.values()))


def __getattr__(name: str) -> Any:
    """`earlog.cli.app`: the app with every command registered (tests invoke it with CliRunner)."""
    if name == "app":
        return registered_app()
    raise AttributeError(name)


def main() -> None:
    try:
        from earlog.commands.plainargs import run_plain

        app = registered_app(sys.argv[1:])
        if not run_plain(app, sys.argv[1:]):
            app()
    except EarlogError as e:
        import typer

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
