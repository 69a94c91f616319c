"""Ground and solve one scenario against a policy; return the answer set.

The policy's rules live in two program parts.  `base` holds everything that does
not depend on a running total; `cumulative` holds the caps counted in transaction
order and all that follows from them.  Between the two groundings the engine
links the transactions the policy put into each chain (`chain_member(Chain, Key,
T)`) in evaluation order, so each cap is a running total over a linked list:
linear, never a `#sum` over the whole ledger per transaction.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import clingo
from clingo import Function, String, Symbol, ast

from earlog.engine.arith import Arithmetic
from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy
from earlog.errors import EngineBug
from earlog.scenario.model import Scenario

FIRED = "_earlog_fired"
UNMET = "_earlog_unmet"
WHY = "_earlog_why"  # full provenance twins, see earlog.explain.provenance
# Predicates whose deciding rule the verdict names (cheap to trace always).
VERDICT_PREDICATES = frozenset({
    "license_requirement", "exception_available", "veu_available", "review_policy",
    "outcome", "subject_to_ear",
    # classification (classification.lp, due_diligence.lp)
    "eccn_of", "spec_3a090a", "spec_3a090b", "spec_not_3a090", "spec_undetermined",
    "presumed_3a090a", "presumption_overcome", "presumption_applies", "classification_conflict",
})
# Conclusions whose rule lists `met(T, Code, Condition)` conditions: for each, the
# engine records the conditions that did not hold, so a verdict reads the few failed
# conditions instead of every condition that held.
CONDITIONED = ("exception_available", "veu_available")


@dataclass
class Answer:
    """The unique answer set of a scenario, indexed by predicate name."""

    atoms: dict[str, list[Symbol]]
    scenario: Scenario
    policy: Policy
    _by_first: dict[str, dict[Symbol, list[Symbol]]] = field(default_factory=dict, repr=False)
    _fired: dict[Symbol, list[str]] | None = field(default=None, repr=False)

    def get(self, predicate: str) -> list[Symbol]:
        return self.atoms.get(predicate, [])

    def about(self, predicate: str, first: Symbol) -> list[Symbol]:
        """The atoms of a predicate whose first argument is `first` (a transaction,
        an item, ...), from an index built once per predicate: reading verdicts stays
        linear in the number of transactions."""
        index = self._by_first.get(predicate)
        if index is None:
            index = defaultdict(list)
            for s in self.get(predicate):
                args = s.arguments
                if args:
                    index[args[0]].append(s)
            self._by_first[predicate] = index
        return index.get(first, [])

    def fired(self) -> dict[Symbol, list[str]]:
        """Head atom -> ids of the traced rules that derived it."""
        if self._fired is None:
            out: dict[Symbol, list[str]] = defaultdict(list)
            for s in self.get(FIRED):
                a = s.arguments
                out[a[1]].append(a[0].string)
            self._fired = out
        return self._fired


def _twin(stmt: ast.AST, rule_id: str) -> ast.AST:
    loc = stmt.location
    head_term = stmt.head.atom.symbol
    fired = ast.Function(loc, FIRED, [ast.SymbolicTerm(loc, String(rule_id)), head_term], 0)
    head = ast.Literal(loc, ast.Sign.NoSign, ast.SymbolicAtom(fired))
    return ast.Rule(loc, head, stmt.body)


def _unmet_rules(stmt: ast.AST) -> list[ast.AST]:
    """For `X(T, code) :- guard..., met(T, code, c1), met(T, code, c2), ...` make
    `_earlog_unmet(T, code, ci) :- guard..., not met(T, code, ci).` for each ci."""
    loc = stmt.location
    head_args = stmt.head.atom.symbol.arguments
    guard, conds = [], []
    for lit in stmt.body:
        atom = getattr(lit, "atom", None)
        sym = getattr(atom, "symbol", None)
        if (lit.ast_type == ast.ASTType.Literal and lit.sign == ast.Sign.NoSign and sym is not None
                and sym.ast_type == ast.ASTType.Function and sym.name == "met"):
            conds.append(sym)
        else:
            guard.append(lit)
    out = []
    for cond in conds:
        head = ast.Literal(loc, ast.Sign.NoSign, ast.SymbolicAtom(
            ast.Function(loc, UNMET, [head_args[0], head_args[1], cond.arguments[2]], 0)))
        missing = ast.Literal(loc, ast.Sign.Negation, ast.SymbolicAtom(cond))
        out.append(ast.Rule(loc, head, [*guard, missing]))
    return out


@functools.lru_cache(maxsize=16)
def _program(policy: Policy, traced: frozenset[str] | None,
             explain: bool = False) -> tuple[tuple[str, ast.AST], ...]:
    """The statements to replay, with a provenance twin for each traced rule.

    traced=None traces every annotated rule.  explain=True also gives every annotated
    rule a full provenance twin (rule, head, body, bindings; see explain/provenance.py),
    so a why-tree comes from the solver itself.
    """
    from earlog.explain.provenance import why_twins  # the explain package imports the engine

    by_stmt = {id(r.statement): r for r in policy.rules.values()}
    out: list[tuple[str, ast.AST]] = []
    for part, stmt in policy.statements:
        out.append((part, stmt))
        rule = by_stmt.get(id(stmt))
        if explain and rule is not None and rule.head_predicate:
            out.extend((part, t) for t in why_twins(stmt, rule.id))
        if rule is not None and rule.head_predicate and (traced is None or rule.head_predicate in traced):
            out.append((part, _twin(stmt, rule.id)))
        if rule is not None and rule.head_predicate in CONDITIONED and len(rule.head_args) == 2:
            out.extend((part, u) for u in _unmet_rules(stmt))
    return tuple(out)


_NAME = re.compile(r"([a-z_][A-Za-z0-9_']*)\s*\(")


def _shape(stmt: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    """(predicates the statement may derive, predicates its positive body literals need)."""
    if stmt.ast_type != ast.ASTType.Rule:
        return frozenset(), frozenset()
    head = stmt.head
    if (head.ast_type == ast.ASTType.Literal and head.atom.ast_type == ast.ASTType.SymbolicAtom
            and head.atom.symbol.ast_type == ast.ASTType.Function):
        heads = frozenset({head.atom.symbol.name})
    else:  # a choice, aggregate or disjunctive head: anything named in it may be derived
        heads = frozenset(_NAME.findall(str(head)))
    needs = set()
    for lit in stmt.body:
        if (lit.ast_type == ast.ASTType.Literal and lit.sign == ast.Sign.NoSign
                and lit.atom.ast_type == ast.ASTType.SymbolicAtom
                and lit.atom.symbol.ast_type == ast.ASTType.Function):
            needs.add(lit.atom.symbol.name)
    return heads, frozenset(needs)


@functools.lru_cache(maxsize=64)
def _live_program(policy: Policy, traced: frozenset[str] | None, explain: bool,
                  given: frozenset[str]) -> tuple[tuple[str, ast.AST], ...]:
    """The statements that can fire for a scenario whose facts use the predicates
    `given`: a rule needing a positive atom of a predicate nothing can derive (no
    fact, no live rule) derives nothing, so it is not grounded.  Cached per set of
    input predicates, so a warm process analyses each kind of scenario once."""
    program = _program(policy, traced, explain)
    shapes = [_shape(stmt) for _part, stmt in program]
    have = set(given)
    for syms in policy.facts.values():
        have.update(sym.name for sym in syms)
    live = [False] * len(program)
    changed = True
    while changed:
        changed = False
        for i, (heads, needs) in enumerate(shapes):
            if not live[i] and needs <= have:
                live[i] = True
                if not heads <= have:
                    have |= heads
                    changed = True
    return tuple(stmt for stmt, keep in zip(program, live, strict=True) if keep)


def _replay(ctl: clingo.Control, program: Iterable[tuple[str, ast.AST]]) -> None:
    current = "base"
    with ast.ProgramBuilder(ctl) as b:
        for part, stmt in program:
            if part != current:
                b.add(ast.Program(stmt.location, part, []))
                current = part
            b.add(stmt)


def _show(ctl: clingo.Control, policy: Policy, names: frozenset[str]) -> None:
    sigs = [(n, a) for n, a in policy.signatures if n in names]
    if FIRED in names:
        sigs.append((FIRED, 2))
    if UNMET in names:
        sigs.append((UNMET, 3))
    if WHY in names:
        sigs.append((WHY, 4))
    with ast.ProgramBuilder(ctl) as b:
        loc = ast.Location(ast.Position("<earlog>", 1, 1), ast.Position("<earlog>", 1, 1))
        for n, a in sigs:
            b.add(ast.ShowSignature(loc, n, a, True))


def solve(
    sc: Scenario,
    policy: Policy,
    traced: frozenset[str] | None = VERDICT_PREDICATES,
    shown: frozenset[str] | None = None,
    explain: bool = False,
) -> Answer:
    """Evaluate a scenario.  `traced`: predicates whose deciding rules are recorded
    (None: all).  `shown`: predicates to read back from the answer set (None: all);
    reading fewer atoms is most of what makes a warm evaluation fast.  `explain`:
    record every rule instance with its body and bindings (`_earlog_why/4`)."""
    ctl = clingo.Control(["--warn=none", "--models=2"])
    facts = list(scenario_facts(sc))
    given = frozenset({s.name for s in facts} | {"chain_first", "chain_next"})
    _replay(ctl, _live_program(policy, traced, explain, given))
    if shown is not None:
        _show(ctl, policy, shown | {FIRED, WHY})
    order = {t.id: i for i, t in enumerate(sc.in_order())}
    with ctl.backend() as b:
        for sym in policy.facts.get("base", ()):
            b.add_rule([b.add_atom(sym)])
        for sym in facts:
            b.add_rule([b.add_atom(sym)])
    ctx = Arithmetic()
    ctl.ground([("base", [])], context=ctx)
    chains: dict[tuple[Symbol, Symbol], list[Symbol]] = defaultdict(list)
    for a in ctl.symbolic_atoms.by_signature("chain_member", 3):
        if not a.is_fact:
            raise EngineBug(f"chain membership {a.symbol} is not decided by grounding: "
                            "the policy made it depend on a choice")
        chain, key, tx = a.symbol.arguments
        chains[(chain, key)].append(tx)
    with ctl.backend() as b:
        for sym in policy.facts.get("cumulative", ()):
            b.add_rule([b.add_atom(sym)])
        for (chain, _key), members in chains.items():
            members.sort(key=lambda s: order[s.string])
            b.add_rule([b.add_atom(Function("chain_first", [chain, members[0]]))])
            for prev, nxt in zip(members, members[1:], strict=False):
                b.add_rule([b.add_atom(Function("chain_next", [chain, prev, nxt]))])
    ctl.ground([("cumulative", [])], context=ctx)
    models: list[list[Symbol]] = []
    if shown is None:
        ctl.solve(on_model=lambda m: models.append(m.symbols(atoms=True)))
    else:
        ctl.solve(on_model=lambda m: models.append(m.symbols(shown=True)))
    if len(models) != 1:
        raise EngineBug(f"the policy gave {len(models)} answer sets for one scenario; exactly one was expected")
    atoms: dict[str, list[Symbol]] = defaultdict(list)
    for s in models[0]:
        atoms[s.name].append(s)
    return Answer(atoms=dict(atoms), scenario=sc, policy=policy)
