"""Every error earlog raises on purpose derives from EarlogError.

The CLI turns an EarlogError into one line on stderr and exit code 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class EarlogError(Exception):
    """Base of all errors earlog reports to the user."""

    exit_code = 2


class InputError(EarlogError):
    """The scenario (JSON, DSL) is malformed or refers to something unknown.

    `where` names the place: file and JSON path, or file:line:column.
    """

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class PolicyError(EarlogError):
    """A policy file is malformed: a missing or repeated annotation, a parse error."""


class EngineBug(EarlogError):
    """The solver did something the policy promises it never does (e.g. two answer sets)."""

    exit_code = 3
