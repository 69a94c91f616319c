"""Provenance twins: the solver records which rule instance derived each atom.

For every annotated rule `H :- B1, ..., Bn.` the engine adds, when explanations
are asked for, a twin with the same body

    _earlog_why("rule.id", H, (E1, ..., En), (("V1", V1), ...)) :- B1, ..., Bn.

whose head names the rule, the derived atom, one ground term per body element
and the variable bindings.  A positive atom is recorded as itself, `not A` as
`_earlog_neg(A)`, a comparison as `_earlog_cmp(Operands, Calls)` with every
operand and every @-function call in it evaluated by the grounder, so a why-tree
can show "158,320 <= 26,900,000" without re-computing anything in Python.  The
twin's head is never used in a body, so it adds no dependency (and no negative
cycle) to the `cumulative` part.  Pools are unpooled first, so each twin records
the alternative that actually fired.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from clingo import Function, String, Symbol, SymbolType, ast

WHY = "_earlog_why"
NEG = "_earlog_neg"
NEGNEG = "_earlog_negneg"
CMP = "_earlog_cmp"
OTHER = "_earlog_other"  # an aggregate or conditional literal: recorded as holding, not expanded
ANY = "_earlog_any"  # stands for an anonymous variable inside a recorded `not` literal
_ANON = "_EarlogAnon"


class _Vars(ast.Transformer):
    """Collects variable names in order of first occurrence; renames `_` on request."""

    def __init__(self, rename_anonymous: str | None = None) -> None:
        self.names: list[str] = []
        self.rename = rename_anonymous
        self.count = 0  # one visitor per statement, so renamed variables never collide

    def visit_Variable(self, node: ast.AST) -> ast.AST:  # noqa: N802 (clingo's visitor protocol)
        if node.name == "_":
            if self.rename == "variable":
                self.count += 1
                return ast.Variable(node.location, f"{_ANON}{self.count}")
            if self.rename == "constant":
                return ast.SymbolicTerm(node.location, Function(ANY))
            return node
        if node.name not in self.names:
            self.names.append(node.name)
        return node


def variables(node: ast.AST) -> list[str]:
    """Named variables of a term, literal or statement, in order of first occurrence."""
    v = _Vars()
    v(node)
    return v.names


def external_calls(term: ast.AST) -> list[ast.AST]:
    """The @-function calls inside a term, outermost first (pre-order)."""
    out: list[ast.AST] = []

    def walk(t: ast.AST) -> None:
        if t.ast_type == ast.ASTType.Function and t.external:
            out.append(t)
        for key in t.child_keys:
            child = getattr(t, key)
            if isinstance(child, ast.AST):
                walk(child)
            elif isinstance(child, (list, ast.ASTSequence)):
                for c in child:
                    if isinstance(c, ast.AST):
                        walk(c)

    walk(term)
    return out


def _tuple(loc: ast.Location, terms: list[ast.AST]) -> ast.AST:
    return ast.Function(loc, "", terms, 0)


def comparison_operands(atom: ast.AST) -> list[ast.AST]:
    return [atom.term, *(g.term for g in atom.guards)]


def _record(lit: ast.AST) -> ast.AST:
    """The term a twin records for one body element."""
    loc = lit.location
    if lit.ast_type != ast.ASTType.Literal:
        return ast.SymbolicTerm(loc, Function(OTHER))
    atom = lit.atom
    if atom.ast_type == ast.ASTType.SymbolicAtom:
        if lit.sign == ast.Sign.NoSign:
            return atom.symbol
        wrapper = NEG if lit.sign == ast.Sign.Negation else NEGNEG
        v = _Vars("constant")
        return ast.Function(loc, wrapper, [v(atom.symbol)], 0)
    if atom.ast_type == ast.ASTType.Comparison:
        operands = comparison_operands(atom)
        calls = [c for t in operands for c in external_calls(t)]
        return ast.Function(loc, CMP, [_tuple(loc, operands), _tuple(loc, calls)], 0)
    if atom.ast_type == ast.ASTType.BooleanConstant:
        return ast.SymbolicTerm(loc, Function(OTHER))
    return ast.SymbolicTerm(loc, Function(OTHER))


def variants(stmt: ast.AST) -> list[ast.AST]:
    """The rule without pools, with anonymous variables of positive literals named
    (so the twin can record them); one statement per pool alternative."""
    out = []
    for s in stmt.unpool():
        body = []
        namer = _Vars("variable")
        for lit in s.body:
            if (lit.ast_type == ast.ASTType.Literal and lit.sign == ast.Sign.NoSign
                    and lit.atom.ast_type == ast.ASTType.SymbolicAtom):
                lit = lit.update(atom=namer(lit.atom))
            body.append(lit)
        out.append(s.update(body=body))
    return out


def why_twins(stmt: ast.AST, rule_id: str) -> list[ast.AST]:
    """The provenance twins of one annotated rule (its head must be a plain atom)."""
    twins = []
    for s in variants(stmt):
        loc = s.location
        recorded = [_record(lit) for lit in s.body]
        names = [n for n in variables(ast.Function(loc, "", [_record_vars_only(lit) for lit in s.body], 0))
                 if not n.startswith(_ANON)]
        binds = [_tuple(loc, [ast.SymbolicTerm(loc, String(n)), ast.Variable(loc, n)]) for n in names]
        head_term = ast.Function(loc, WHY, [
            ast.SymbolicTerm(loc, String(rule_id)),
            s.head.atom.symbol,
            _tuple(loc, recorded),
            _tuple(loc, binds),
        ], 0)
        head = ast.Literal(loc, ast.Sign.NoSign, ast.SymbolicAtom(head_term))
        twins.append(ast.Rule(loc, head, s.body))
    return twins


def _record_vars_only(lit: ast.AST) -> ast.AST:
    """A term holding the variables a binding may name: those of positive literals
    and comparisons (a variable only under `not` is never bound)."""
    loc = lit.location
    if lit.ast_type != ast.ASTType.Literal:
        return ast.SymbolicTerm(loc, Function(OTHER))
    if lit.atom.ast_type == ast.ASTType.SymbolicAtom:
        return lit.atom.symbol if lit.sign == ast.Sign.NoSign else ast.SymbolicTerm(loc, Function(OTHER))
    if lit.atom.ast_type == ast.ASTType.Comparison:
        return _tuple(loc, comparison_operands(lit.atom))
    return ast.SymbolicTerm(loc, Function(OTHER))


@dataclass(frozen=True)
class Derivation:
    """One rule instance the solver found true: rule, derived atom, body, bindings."""

    rule_id: str
    head: Symbol
    body: tuple[Symbol, ...]
    bindings: tuple[tuple[str, Symbol], ...]

    positive: tuple[Symbol, ...] = ()  # the body's positive atoms, read once

    @staticmethod
    def from_symbol(s: Symbol) -> Derivation:
        rid, head, body, binds = s.arguments
        elems = tuple(body.arguments)
        return Derivation(rid.string, head, elems,
                          tuple((b.arguments[0].string, b.arguments[1]) for b in binds.arguments),
                          tuple(b for b in elems if is_atom_record(b)))

    def positive_atoms(self) -> tuple[Symbol, ...]:
        return self.positive


def is_atom_record(s: Symbol) -> bool:
    return s.type == SymbolType.Function and s.name not in (NEG, NEGNEG, CMP, OTHER) and s.name != ""


class Provenance:
    """Every derivation of every derived atom, from the `_earlog_why` atoms.

    Atoms are indexed by head and decoded only when a tree visits them (reading
    clingo symbols from Python is what costs).  An atom may be derived by several
    rule instances; one that rests on an atom whose tree is being built (a
    positive loop, e.g. through chains of owners) is left out while another
    remains, so a tree is always a well-founded derivation.
    """

    def __init__(self, why_atoms: list[Symbol]) -> None:
        self._raw: dict[Symbol, list[Symbol]] = defaultdict(list)
        for s in why_atoms:
            self._raw[s.arguments[1]].append(s)
        self._decoded: dict[Symbol, list[Derivation]] = {}

    def derived(self, atom: Symbol) -> bool:
        return atom in self._raw

    def derivations(self, atom: Symbol) -> list[Derivation]:
        hit = self._decoded.get(atom)
        if hit is None:
            hit = self._decoded[atom] = [Derivation.from_symbol(s) for s in self._raw.get(atom, ())]
        return hit

    def grounded(self, atom: Symbol, in_progress: set[Symbol] = frozenset()) -> list[Derivation]:
        """The derivations of `atom` that do not rest on an atom being explained above it."""
        ds = self.derivations(atom)
        if not in_progress or len(ds) < 2:
            return ds
        free = [d for d in ds if not any(a in in_progress for a in d.positive_atoms())]
        return free or ds[:1]
