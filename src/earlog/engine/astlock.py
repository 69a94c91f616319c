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

Grounding and solving do not touch the ASTs (the builder has already translated them), so
they run outside the lock and threads still ground and solve in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import clingo
from clingo import ast

SHARED_ASTS = threading.RLock()


@contextmanager
def program_builder(ctl: clingo.Control) -> Iterator[ast.ProgramBuilder]:
    """`ast.ProgramBuilder(ctl)` with the shared-AST lock held for the whole block."""
    with SHARED_ASTS, ast.ProgramBuilder(ctl) as builder:
        yield builder
