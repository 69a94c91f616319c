"""Ground a batch of decision keys in a Control of its own, without parsing the program again.

A miss of the keyed engine (keyed.solve_batch) used to hand the live program to clingo as
text, so every miss parsed the ~300 live statements again, and entered the static closure
(~550 atoms) one backend call at a time: together about a quarter of the CPU time of
grounding a miss (bench/bench_miss.py).  Now:

- the live program of a set of inputs is the same text for every batch with those inputs,
  so it is parsed once per process into clingo ASTs, and each miss adds the ASTs through a
  ProgramBuilder, which does not parse;
- the static closure of an overlay and set of countries enters as one fact statement whose
  head is a pool of its atoms, built once from the symbols (no text: scenario values never
  become ASP source).

The Control, its facts and its grounding are otherwise what they were: one Control per
batch, the base part grounded before the late facts (the totals a fold gives) and the
cumulative part after them.  The same statements and the same facts reach clingo, so the
answers are the same (tests/test_grounding.py compares both ways on a book).

EARLOG_GROUNDING=text grounds as before (program text, backend facts), to measure against.

`LIVE` counts the Controls not closed yet (and the most at once): the keyed engine bounds
how many it keeps (keyed.LIVE_MAX), and its tests read the count.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import clingo
from clingo import Symbol, ast

from earlog.engine.astlock import program_builder


@functools.lru_cache(maxsize=512)
def statements(text: str, part: str) -> tuple[ast.AST, ...]:
    """The statements of one program part, parsed once per process."""
    out: list[ast.AST] = []
    ast.parse_string(f"#program {part}.\n{text}", out.append)
    return tuple(out)


_HERE = ast.Location(ast.Position("<static closure>", 1, 1), ast.Position("<static closure>", 1, 1))
_POOLED: dict[int, tuple[tuple[Symbol, ...], ast.AST]] = {}  # by id of the (lru-cached) closure
_POOLED_LOCK = threading.Lock()


_TERMS: dict[Symbol, ast.AST] = {}  # the term of a static atom: the closures of a batch's countries share most


def _term(s: Symbol) -> ast.AST:
    t = _TERMS.get(s)
    if t is None:
        if len(_TERMS) >= 50_000:
            _TERMS.clear()
        t = _TERMS[s] = ast.SymbolicTerm(_HERE, s)
    return t


def pooled_facts(atoms: tuple[Symbol, ...]) -> ast.AST:
    """`a1; a2; ... .` as one statement of the base part, built from the symbols, once per tuple.
    Call it with astlock.SHARED_ASTS held: the terms are shared by every closure's pool."""
    found = _POOLED.get(id(atoms))
    if found is not None and found[0] is atoms:
        return found[1]
    head = ast.Pool(_HERE, [_term(s) for s in atoms])
    rule = ast.Rule(_HERE, ast.Literal(_HERE, ast.Sign.NoSign, ast.SymbolicAtom(head)), [])
    with _POOLED_LOCK:  # the web server evaluates in threads
        _POOLED[id(atoms)] = (atoms, rule)  # the tuple is kept, so its id is not reused
        while len(_POOLED) > 256:
            _POOLED.pop(next(iter(_POOLED)))
    return rule


def as_text() -> bool:
    """EARLOG_GROUNDING=text: every Control as before grounding.py (to measure against)."""
    return os.environ.get("EARLOG_GROUNDING", "") == "text"


LIVE = {"now": 0, "peak": 0}  # Controls of Grounded not closed, and the most at one time
_LIVE_LOCK = threading.Lock()


class Grounded:
    """A batch grounded in a Control of its own: what keyed.solve_batch and its solver read."""

    def __init__(self, parts: list[tuple[str, str]], static: tuple[Symbol, ...], facts: list[Symbol],
                 late: list[Symbol], context: Any) -> None:
        ctl = self.ctl = clingo.Control(["--warn=none", "--models=2"])
        with _LIVE_LOCK:
            LIVE["now"] += 1
            LIVE["peak"] = max(LIVE["peak"], LIVE["now"])
        self._open = True
        if as_text():
            for part, text in parts:
                ctl.add(part, [], text)
            with ctl.backend() as b:
                for sym in static:
                    b.add_rule([b.add_atom(sym)])
        else:
            with program_builder(ctl) as builder:  # shared ASTs: one thread at a time (astlock.py)
                for part, text in parts:
                    for stmt in statements(text, part):
                        builder.add(stmt)
                if static:  # `#program base.` is the last part's name only if it came last
                    for stmt in statements("", "base"):
                        builder.add(stmt)
                    builder.add(pooled_facts(static))
        with ctl.backend() as b:
            for sym in facts:
                b.add_rule([b.add_atom(sym)])
        # as engine.solve does: the base part first, then the chains' totals and the cumulative part
        ctl.ground([("base", [])], context=context)
        if late:
            with ctl.backend() as b:
                for sym in late:
                    b.add_rule([b.add_atom(sym)])
        ctl.ground([("cumulative", [])], context=context)

    def close(self) -> None:
        """Drop the Control (the keyed engine's memory is its Controls): nothing else refers to it."""
        if self._open:
            self._open = False
            self.ctl = None  # type: ignore[assignment]
            with _LIVE_LOCK:
                LIVE["now"] -= 1

    def __del__(self) -> None:
        if getattr(self, "_open", False):
            self.close()

    def atoms(self, name: str, arity: int) -> list[tuple[Symbol, bool]]:
        """(atom, decided by grounding) for the ground atoms of a predicate."""
        return [(a.symbol, a.is_fact) for a in self.ctl.symbolic_atoms.by_signature(name, arity)]

    def assign_external(self, atom: Symbol, value: bool) -> None:
        self.ctl.assign_external(atom, value)

    def solve(self) -> list[list[Symbol]]:
        """The shown atoms of every answer set (keyed.py asks for two, to check there is one)."""
        models: list[list[Symbol]] = []
        self.ctl.solve(on_model=lambda m: models.append(m.symbols(shown=True)))
        return models
