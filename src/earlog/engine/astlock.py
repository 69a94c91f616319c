"""One lock for every use of clingo ASTs that several threads share.

The policy's statements are parsed once per process and the same AST nodes are added to
every Control (engine/grounding.py, engine/solve.py, the space and explanation engines).
clingo counts an AST node's references with a plain integer (`AST::incRef` is
`++refCount_` in libclingo, not an atomic), and its Python binding releases the GIL during
every call into the library.  Two threads adding the same statements at once (the web
workbench evaluates in a thread pool) can therefore both change a shared node's count,
lose an increment, and free a node still in use: clingo then reports an invalid AST
(`invalid ast: term expected`, seen once in an 8-thread stress of `earlog.evaluate`) or
worse.  Holding this lock while a ProgramBuilder adds shared statements, and while new
nodes are built around shared ones, keeps every count change on one thread at a time.

Reading a node counts too: every attribute of a clingo AST that is itself a node comes back
as a new Python wrapper that acquires the node (and releases it when the wrapper dies), so
the analyses that walk the policy's statements (the running-total contract, the date and
quantity keys, the live program, the provenance twins, the space and Datalog translations)
run with the lock held as well (`reads_shared_asts`).  Each is cached, so the lock is taken
once per analysis and process, not per evaluation.

Grounding and solving do not touch the ASTs (the builder has already translated them), so
they run outside the lock and threads still ground and solve in parallel.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import clingo
from clingo import ast

SHARED_ASTS = threading.RLock()
P = ParamSpec("P")
R = TypeVar("R")


def reads_shared_asts(f: Callable[P, R]) -> Callable[P, R]:
    """f walks the policy's shared AST nodes: run it with the shared-AST lock held.  Put it under
    a cache decorator, so that a cache hit does not take the lock."""

    @functools.wraps(f)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with SHARED_ASTS:
            return f(*args, **kwargs)

    return locked


@contextmanager
def program_builder(ctl: clingo.Control) -> Iterator[ast.ProgramBuilder]:
    """`ast.ProgramBuilder(ctl)` with the shared-AST lock held for the whole block."""
    with SHARED_ASTS, ast.ProgramBuilder(ctl) as builder:
        yield builder
