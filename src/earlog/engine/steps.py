"""The second and third Control of a miss: the base part is not grounded again.

A miss of the keyed engine solves one key up to three times (screening.py): alone, to
learn its chains; with `chain_first` (its value-keyed chains); with the totals before
it (the verdict's totals).  The three calls give the same facts and differ only in the
late facts, the totals a fold gives, which enter after the base part is grounded and
before the cumulative part (as engine.solve does).  Grounding the base part (~70% of
the live statements) is the same work each time, and gringo's cost is mostly per
statement, not per atom (bench/bench_miss.py).  So a batch of one key grounds its base
part once in a Control kept for the thread, and each call is a step of that Control:
the cumulative part is added as a program part with one parameter, every atom of a
predicate it defines (and of the late predicates) given the step number as first
argument, so that each step's late facts and conclusions are its own, while the base
atoms (the same in every call) are shared.

Why it is exact: the base atoms are grounded from the same facts and static closure as
a Control of the call alone would be; the cumulative rules are the same rules, grounded
for the step's number, reading the base atoms and the step's own late facts and
conclusions; the fit externals are the step's own.  A predicate both parts define (the
policy's `met/3`, `review_policy/2`, the trace twins) is read by the step through a copy
of its base atoms under the step's number (`p(S, X..) :- p(X..).`), and only the step's
atoms of it are read back, so a step sees exactly the atoms a Control of its own would.
A model's atoms of other steps are dropped when it is read.  Only a batch of the same
facts, overlay, countries and program reuses a Control (kept per thread: a Control is
not shared between threads).  A program this cannot split (a stepped predicate among the
facts or the static closure, a statement other than a rule or an external in the
cumulative part, the step parameter's name in the program) is grounded as before
(grounding.Grounded): `ground_step` returns None.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any

import clingo
from clingo import Function, Number, Symbol, ast

from earlog.engine.grounding import pooled_facts, statements

PARAM = "earlogstep"
PART = "earlog_step"
KEEP = 4  # Controls kept per thread
MAX_STEPS = 8  # steps per Control: a key is solved at most three times by the fold


class _Refused(Exception):
    pass


def _signature(t: Any) -> tuple[str, int]:
    if t.ast_type == ast.ASTType.UnaryOperation:
        t = t.argument
    if t.ast_type == ast.ASTType.Function and not t.external:
        return str(t.name), len(t.arguments)
    if t.ast_type == ast.ASTType.SymbolicTerm and t.symbol.type == clingo.SymbolType.Function:
        return str(t.symbol.name), len(t.symbol.arguments)
    raise _Refused(f"an atom the split does not know: {t}")


def _name(t: Any) -> str:
    return _signature(t)[0]


class _Heads(ast.Transformer):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.signatures: set[tuple[str, int]] = set()

    def visit_SymbolicAtom(self, node: Any) -> Any:  # noqa: N802 - clingo's visitor naming
        if node.symbol.ast_type == ast.ASTType.UnaryOperation:
            raise _Refused(f"a classically negated head: {node}")  # the copies would miss it
        sig = _signature(node.symbol)
        self.names.add(sig[0])
        self.signatures.add(sig)
        return node


def _heads(stmts: tuple[ast.AST, ...]) -> set[str]:
    """The predicates a part's statements define (heads of rules, external atoms)."""
    return _head_signatures(stmts)[0]


def _head_signatures(stmts: tuple[ast.AST, ...]) -> tuple[set[str], set[tuple[str, int]]]:
    v = _Heads()
    for s in stmts:
        if s.ast_type == ast.ASTType.Rule:
            v.visit(s.head)
        elif s.ast_type == ast.ASTType.External:
            v.visit(s.atom)
        elif s.ast_type != ast.ASTType.Program:
            raise _Refused(f"a statement the split does not know: {s}")
    return v.names, v.signatures


class _Stepped(ast.Transformer):
    """Give every atom of a stepped predicate the step parameter as its first argument."""

    def __init__(self, stepped: frozenset[str]) -> None:
        self.stepped = stepped

    def visit_SymbolicAtom(self, node: Any) -> Any:  # noqa: N802 - clingo's visitor naming
        t = node.symbol
        neg = t.ast_type == ast.ASTType.UnaryOperation
        f = t.argument if neg else t
        if _name(f) not in self.stepped:
            return node
        if f.ast_type == ast.ASTType.SymbolicTerm:  # an atom without arguments
            f = ast.Function(f.location, f.symbol.name, [], 0)
        f = f.update(arguments=[ast.Function(f.location, PARAM, [], 0), *f.arguments])
        return node.update(symbol=t.update(argument=f) if neg else f)


@functools.lru_cache(maxsize=64)
def _split_or_none(base_text: str, cumulative: tuple[str, ...], show_text: str, late_names: frozenset[str]
                   ) -> tuple[frozenset[str], tuple[ast.AST, ...], tuple[ast.AST, ...]] | None:
    """What _split gives, or None (kept, so a program that cannot be split is parsed once)."""
    try:
        return _split(base_text, cumulative, show_text, late_names)
    except _Refused:
        return None


def _split(base_text: str, cumulative: tuple[str, ...], show_text: str,
           late_names: frozenset[str]) -> tuple[frozenset[str], tuple[ast.AST, ...], tuple[ast.AST, ...]]:
    """(stepped predicates, the show statements, the cumulative part as a part with the step parameter)."""
    if PARAM in base_text or any(PARAM in t for t in cumulative):
        raise _Refused(f"the program names {PARAM}")
    base = statements(base_text, "base")
    parts = [statements(t, "cumulative") for t in cumulative]
    cum_heads = set().union(*(_heads(p) for p in parts))
    stepped = frozenset(cum_heads | late_names)
    # a predicate both parts define: the step reads its base atoms through a copy of its own
    _names, base_sigs = _head_signatures(base)
    bridges = []
    for name, arity in sorted(base_sigs):
        if name in stepped:
            xs = [f"X{i}" for i in range(arity)]
            args = f"({','.join(xs)})" if xs else ""
            bridges.append(f"{name}({','.join([PARAM, *xs])}) :- {name}{args}.")
    shows = []
    for s in statements(show_text, "base"):
        if s.ast_type == ast.ASTType.ShowSignature and s.name in stepped:
            s = s.update(arity=s.arity + 1)
        shows.append(s)
    tr = _Stepped(stepped)
    header: list[ast.AST] = []
    ast.parse_string(f"#program {PART}({PARAM}).", header.append)
    body = [tr.visit(s) for p in parts for s in p if s.ast_type != ast.ASTType.Program]
    ast.parse_string("\n".join(bridges), lambda s: body.append(s) if s.ast_type != ast.ASTType.Program else None)
    return stepped, tuple(shows), (*header, *body)


class _Base:
    """A Control whose base part is grounded; each call of the batch is a step."""

    def __init__(self, base_text: str, stepped_part: tuple[ast.AST, ...], shows: tuple[ast.AST, ...],
                 static: tuple[Symbol, ...], facts: list[Symbol], context: Any) -> None:
        self.ctl = clingo.Control(["--warn=none", "--models=2"])
        with ast.ProgramBuilder(self.ctl) as builder:
            for stmt in statements(base_text, "base"):
                builder.add(stmt)
            for stmt in shows:
                builder.add(stmt)
            if static:
                builder.add(pooled_facts(static))
            for stmt in stepped_part:
                builder.add(stmt)
        with self.ctl.backend() as b:
            for sym in facts:
                b.add_rule([b.add_atom(sym)])
        self.ctl.ground([("base", [])], context=context)
        self.steps = 0


class Step:
    """One call grounded as a step: what keyed.solve_batch and its solver read (as grounding.Grounded)."""

    def __init__(self, base: _Base, stepped: frozenset[str], late: list[Symbol], context: Any) -> None:
        base.steps += 1
        self.base, self.stepped, self.k = base, stepped, Number(base.steps)
        ctl = base.ctl
        if late:
            with ctl.backend() as b:
                for sym in late:
                    b.add_rule([b.add_atom(self._keyed(sym))])
        ctl.ground([(PART, [self.k])], context=context)

    def _keyed(self, s: Symbol) -> Symbol:
        return Function(s.name, [self.k, *s.arguments], s.positive)

    def atoms(self, name: str, arity: int) -> list[tuple[Symbol, bool]]:
        """(atom, decided by grounding) for the ground atoms of a predicate in this step (of a stepped
        predicate the base part also defines, the step's copies: its base atoms are among them)."""
        if name not in self.stepped:
            return [(a.symbol, a.is_fact) for a in self.base.ctl.symbolic_atoms.by_signature(name, arity)]
        out = []
        for a in self.base.ctl.symbolic_atoms.by_signature(name, arity + 1):
            s = a.symbol
            if s.arguments[0] == self.k:
                out.append((Function(name, s.arguments[1:], s.positive), a.is_fact))
        return out

    def assign_external(self, atom: Symbol, value: bool) -> None:
        if atom.name not in self.stepped:
            raise _Refused(f"an external of the base part: {atom}")  # pragma: no cover - the fit atoms are stepped
        self.base.ctl.assign_external(self._keyed(atom), value)

    def solve(self) -> list[list[Symbol]]:
        """The shown atoms of every answer set: the step's own (with the copies of the base atoms of the
        predicates both parts define) and the base part's of the other predicates."""
        models: list[list[Symbol]] = []
        stepped, k = self.stepped, self.k

        def read(m: clingo.Model) -> None:
            out = []
            for s in m.symbols(shown=True):
                if s.name in stepped:
                    args = s.arguments
                    if args[0] == k:
                        out.append(Function(s.name, args[1:], s.positive))
                else:
                    out.append(s)
            models.append(out)

        self.base.ctl.solve(on_model=read)
        return models


_LOCAL = threading.local()  # a Control is used by one thread only


def ground_step(key: tuple[Any, ...], base_text: str, cumulative: tuple[str, ...], show_text: str,
                late_names: frozenset[str], static: tuple[Symbol, ...], static_names: frozenset[str],
                facts: list[Symbol], late: list[Symbol], context: Any) -> Step | None:
    """The call as a step of the thread's Control for `key` (a batch's facts, overlay, countries and
    program), grounding the base part first when there is none; None when the program cannot be split."""
    split = _split_or_none(base_text, cumulative, show_text, late_names)
    if split is None:
        return None
    stepped, shows, stepped_part = split
    if stepped & static_names or any(s.name in stepped for s in facts):
        return None
    kept: OrderedDict[tuple[Any, ...], _Base] | None = getattr(_LOCAL, "kept", None)
    if kept is None:
        kept = _LOCAL.kept = OrderedDict()
    base = kept.get(key)
    if base is None or base.steps >= MAX_STEPS:
        base = kept[key] = _Base(base_text, stepped_part, shows, static, facts, context)
        while len(kept) > KEEP:
            kept.popitem(last=False)
    else:
        kept.move_to_end(key)
    return Step(base, stepped, late, context)


def clear() -> None:
    """Forget this thread's Controls."""
    _LOCAL.kept = OrderedDict()
