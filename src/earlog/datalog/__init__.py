"""The second engine: the same policy/ evaluated by pyDatalog (see translate.py, engine.py).

Its names are imported when first asked for: importing pyDatalog costs a cold command
that only checks `--engine clingo` more than the rest of its start-up."""

from typing import Any

__all__ = ["TranslationError", "solve"]


def __getattr__(name: str) -> Any:
    if name == "solve":
        from earlog.datalog.engine import solve

        return solve
    if name == "TranslationError":
        from earlog.datalog.terms import TranslationError

        return TranslationError
    raise AttributeError(name)
