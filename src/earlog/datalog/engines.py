"""Choosing the engine: `clingo` (the reference) or `pydatalog` (the independent one).

Both take a scenario and a policy and give an `engine.Answer`, so everything
downstream (verdicts, explanations, expectations) is one code path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from earlog.errors import EarlogError

ENGINES = ("clingo", "pydatalog")
CHOICES = (*ENGINES, "both")  # `earlog test --engine both` compares the two


def check_engine(name: str, allowed: tuple[str, ...] = ENGINES) -> str:
    if name not in allowed:
        raise EarlogError(f"--engine: expected {' or '.join(allowed)}, got {name!r}")
    return name


def solver(name: str) -> Callable[..., Any]:
    """The `solve(scenario, policy, traced=..., shown=..., explain=...)` of an engine."""
    check_engine(name)
    if name == "pydatalog":
        from earlog.datalog.engine import solve
    else:
        from earlog.engine import solve
    return solve
