"""Why-not, evaluated by clingo: a rule's conditions checked one by one against
the answer set.

For a rule that could have concluded X (its head unifies with X), the prober
grounds, over the answer set's atoms as facts, one small probe per condition:

    _earlog_probe(N, Bindings, Record) :- HeadEqualities, C1, ..., Ck.

The first k whose probe has no instance is the first condition that failed.  The
probe without Ck also records Ck's arguments (or a comparison's operands and
@-function values) under the bindings that reached it, so a failed condition is
shown with the values it was tested on.  Comparisons, @-functions, arithmetic and
`not` are clingo's own; nothing is re-implemented in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import clingo
from clingo import Function, Number, String, Symbol, ast

from earlog.engine.arith import Arithmetic
from earlog.engine.astlock import program_builder
from earlog.explain.provenance import comparison_operands, external_calls, variables

PROBE = "_earlog_probe"
FREE = "_earlog_free"  # an argument not bound when the condition was tested
_LOC = ast.Location(ast.Position("<earlog-probe>", 1, 1), ast.Position("<earlog-probe>", 1, 1))


def literal_kind(lit: ast.AST) -> str:
    """'atom', 'not', 'notnot', 'comparison' or 'other'."""
    if lit.ast_type != ast.ASTType.Literal:
        return "other"
    if lit.atom.ast_type == ast.ASTType.SymbolicAtom:
        return {ast.Sign.NoSign: "atom", ast.Sign.Negation: "not"}.get(lit.sign, "notnot")
    if lit.atom.ast_type == ast.ASTType.Comparison:
        return "comparison"
    return "other"


def binds(lit: ast.AST) -> set[str]:
    """Variables a condition binds by itself (a positive atom binds all of its own)."""
    if literal_kind(lit) == "atom":
        return set(variables(lit.atom))
    return set()


def needs(lit: ast.AST) -> set[str]:
    """Variables that must be bound before a condition can be tested."""
    kind = literal_kind(lit)
    if kind == "atom":
        return set()
    if kind == "comparison":
        return set(variables(lit.atom))
    return set(variables(lit))


def assigns(lit: ast.AST, bound: set[str]) -> set[str]:
    """`X = term` with term's variables bound binds X."""
    if literal_kind(lit) != "comparison" or len(lit.atom.guards) != 1:
        return set()
    g = lit.atom.guards[0]
    if g.comparison != ast.ComparisonOperator.Equal:
        return set()
    left, right = lit.atom.term, g.term
    out = set()
    for a, b in ((left, right), (right, left)):
        if a.ast_type == ast.ASTType.Variable and set(variables(b)) <= bound:
            out.add(a.name)
    return out


def _tuple(terms: list[ast.AST]) -> ast.AST:
    return ast.Function(_LOC, "", terms, 0)


def _sym(s: Symbol) -> ast.AST:
    return ast.SymbolicTerm(_LOC, s)


@dataclass
class Instance:
    """One way a prefix of conditions held: the bindings and the tested condition's record."""

    bindings: dict[str, Symbol]
    record: Symbol | None = None


@dataclass
class Step:
    """A condition tested under the instances that reached it."""

    index: int
    status: str  # "ok" | "failed" | "not_evaluated"
    reached: list[Instance] = field(default_factory=list)  # instances before the condition, with its record
    passed: list[Instance] = field(default_factory=list)  # instances after it


class Prober:
    """The answer set loaded once as facts; probes ground incrementally on top."""

    def __init__(self, atoms: list[Symbol]) -> None:
        self.ctl = clingo.Control(["--warn=none"])
        with self.ctl.backend() as b:
            for s in atoms:
                b.add_rule([b.add_atom(s)])
        self.ctx = Arithmetic()
        self.count = 0

    def _ground(self, rules: list[tuple[int, list[str], ast.AST | None, list[ast.AST]]]) -> dict[int, list[Instance]]:
        """Ground probes (id, bound variables, recorded term, body); their instances by id."""
        self.count += 1
        part = f"_earlog_probe_{self.count}"
        with program_builder(self.ctl) as b:
            b.add(ast.Program(_LOC, part, []))
            for pid, names, record, body in rules:
                bind_terms = [_tuple([_sym(String(n)), ast.Variable(_LOC, n)]) for n in names]
                head = ast.Function(_LOC, PROBE, [
                    _sym(Number(self.count)), _sym(Number(pid)), _tuple(bind_terms),
                    record if record is not None else _sym(Function(FREE))], 0)
                b.add(ast.Rule(_LOC, ast.Literal(_LOC, ast.Sign.NoSign, ast.SymbolicAtom(head)), body))
        self.ctl.ground([(part, [])], context=self.ctx)
        out: dict[int, list[Instance]] = {pid: [] for pid, *_ in rules}
        for a in self.ctl.symbolic_atoms.by_signature(PROBE, 4):
            n, pid, bs, rec = a.symbol.arguments
            if n.number != self.count:
                continue
            out[pid.number].append(Instance({x.arguments[0].string: x.arguments[1] for x in bs.arguments},
                                            None if rec == Function(FREE) else rec))
        return out

    def conditions(self, body: list[ast.AST], head_eqs: list[ast.AST], head_vars: set[str],
                   all_failed: bool) -> list[Step]:
        """Test the conditions in the order written; stop at the first that fails
        unless all_failed.  A condition whose variables are bound only by a later
        condition is tested once they are; one bound only by a failed condition is
        not evaluated."""
        selected: list[ast.AST] = list(head_eqs)
        bound = set(head_vars)
        steps: dict[int, Step] = {}
        pending = list(range(len(body)))
        while pending:
            ready = [i for i in pending if needs(body[i]) <= bound]
            if not ready:
                break
            i = ready[0]
            pending.remove(i)
            lit = body[i]
            names_before = sorted(bound)
            names_after = sorted(bound | binds(lit) | assigns(lit, bound))
            rec = _record(lit, bound)
            got = self._ground([(0, names_before, rec, selected), (1, names_after, _record(lit, set(names_after)),
                                                                   [*selected, lit])])
            step = Step(i, "ok" if got[1] else "failed", reached=got[0], passed=got[1])
            steps[i] = step
            if got[1]:
                selected.append(lit)
                bound = set(names_after)
            elif not all_failed:
                break
        for i in range(len(body)):
            if i not in steps:
                steps[i] = Step(i, "not_evaluated")
        return [steps[i] for i in range(len(body))]

    def head_instances(self, final_eqs: list[ast.AST], body: list[ast.AST], head_vars: set[str],
                       bound: set[str]) -> Step:
        """The last check for a head argument that is computed (@add(V, A), D / 10000):
        did the rule compute the asked value?"""
        names = sorted(bound)
        got = self._ground([(0, names, None, body), (1, names, None, [*body, *final_eqs])])
        return Step(len(body), "ok" if got[1] else "failed", reached=got[0], passed=got[1])


def _record(lit: ast.AST, bound: set[str]) -> ast.AST | None:
    """What to record about a condition: an atom's arguments (unbound ones as FREE),
    a comparison's operands and @-function values, nothing for other elements."""
    kind = literal_kind(lit)
    if kind in ("atom", "not", "notnot"):
        sym = lit.atom.symbol
        if sym.ast_type != ast.ASTType.Function:
            return None
        args = [a if set(variables(a)) <= bound and not _anonymous(a) else _sym(Function(FREE))
                for a in sym.arguments]
        return _tuple(args)
    if kind == "comparison":
        operands = comparison_operands(lit.atom)
        if not set(variables(lit.atom)) <= bound:
            return None
        calls = [c for t in operands for c in external_calls(t)]
        return _tuple([_tuple(operands), _tuple(calls)])
    return None


def _anonymous(term: ast.AST) -> bool:
    found = []

    class _V(ast.Transformer):
        def visit_Variable(self, node: ast.AST) -> ast.AST:  # noqa: N802
            if node.name == "_":
                found.append(node)
            return node

    _V()(term)
    return bool(found)


def head_equalities(head: ast.AST, target: tuple[Symbol | None, ...]
                    ) -> tuple[bool, list[ast.AST], set[str], list[ast.AST]] | None:
    """Unify a rule head with the asked atom (None args are free).

    Returns (applies, binding equalities, variables they bind, final checks) or
    None when a constant in the head differs from the asked atom.
    """
    eqs: list[ast.AST] = []
    finals: list[ast.AST] = []
    bound: set[str] = set()
    for a, want in zip(head.arguments, target, strict=True):
        if want is None:
            continue
        eq = ast.Literal(_LOC, ast.Sign.NoSign, ast.Comparison(a, [ast.Guard(ast.ComparisonOperator.Equal,
                                                                                _sym(want))]))
        if a.ast_type == ast.ASTType.Variable:
            if a.name == "_":
                continue
            eqs.append(eq)
            bound.add(a.name)
        elif a.ast_type == ast.ASTType.SymbolicTerm:
            if a.symbol != want:
                return None
        elif not variables(a) and not external_calls(a):
            try:
                if clingo.parse_term(str(a)) != want:
                    return None
            except RuntimeError:
                finals.append(eq)
        else:
            finals.append(eq)
    return True, eqs, bound, finals
