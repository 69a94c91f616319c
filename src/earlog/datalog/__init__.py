"""The second engine: the same policy/ evaluated by pyDatalog (see translate.py, engine.py)."""

from earlog.datalog.engine import solve
from earlog.datalog.terms import TranslationError

__all__ = ["TranslationError", "solve"]
