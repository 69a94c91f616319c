"""What the solver is given: the policy's statements, plus the engine's own rules.

For every evaluation the engine replays the parsed policy and adds, from each
annotated rule, a traced twin (`_earlog_fired`: which rule derived a verdict's
atom), for exception and VEU rules the conditions that did not hold
(`_earlog_unmet`), and with explanations a full provenance twin (`_earlog_why`,
see earlog.explain.provenance).  Rules that cannot fire for a kind of scenario are
left out, so they cost no grounding.
"""

from __future__ import annotations

import functools
import re

from clingo import String, ast

from earlog.engine.astlock import reads_shared_asts
from earlog.engine.policy import Policy

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
@reads_shared_asts
def program(policy: Policy, traced: frozenset[str] | None,
             explain: bool = False) -> tuple[tuple[str, ast.AST], ...]:
    """The statements to replay, with a provenance twin for each traced rule.

    traced=None traces every annotated rule.  explain=True also gives every annotated
    rule a full provenance twin (rule, head, body, bindings; see explain/provenance.py),
    so a why-tree comes from the solver itself.
    """
    from earlog.explain.provenance import why_twins  # the explain package imports the engine

    if policy.texts is not None:  # a policy from the disk cache has no ASTs: parse it for these
        from earlog.engine.policy import load_policy

        policy = load_policy(policy.root)
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
@reads_shared_asts
def live_program(policy: Policy, traced: frozenset[str] | None, explain: bool,
                  given: frozenset[str]) -> tuple[tuple[str, ast.AST | str], ...]:
    """The statements that can fire for a scenario whose facts use the predicates
    `given`: a rule needing a positive atom of a predicate nothing can derive (no
    fact, no live rule) derives nothing, so it is not grounded.  Cached per set of
    input predicates, so a warm process analyses each kind of scenario once.  For a
    policy from the disk cache the statements are text (in the same order)."""
    shaped = policy.texts.get((traced, explain)) if policy.texts is not None else None
    if shaped is not None:  # from the disk cache: the statements as text, shapes read when cached
        statements: tuple[tuple[str, ast.AST | str], ...] = tuple((part, text) for part, text, _h, _n in shaped)
        shapes = [(heads, needs) for _p, _t, heads, needs in shaped]
    else:
        statements = program(policy, traced, explain)
        shapes = [_shape(stmt) for _part, stmt in statements]
    have = set(given)
    for syms in policy.facts.values():
        have.update(sym.name for sym in syms)
    live = live_statements(shapes, have)
    return tuple(stmt for stmt, keep in zip(statements, live, strict=True) if keep)


def live_statements(shapes: list[tuple[frozenset[str], frozenset[str]]], given: set[str]) -> list[bool]:
    """Which statements (heads, needs) can fire when the predicates `given` have atoms: the least
    fixpoint of "a statement whose needs are all had is live, and its heads are had".  Worked
    off predicate by predicate (each statement counts the needs it still misses), so a cold
    process pays one pass over the program, not one per round of new heads."""
    missing = [len(needs) for _heads, needs in shapes]
    waiting: dict[str, list[int]] = {}
    for i, (_heads, needs) in enumerate(shapes):
        for name in needs:
            waiting.setdefault(name, []).append(i)
    live = [False] * len(shapes)
    ready = [i for i, m in enumerate(missing) if m == 0]
    pending = list(given)
    had: set[str] = set()
    while ready or pending:
        while pending:
            name = pending.pop()
            if name in had:
                continue
            had.add(name)
            for i in waiting.get(name, ()):
                missing[i] -= 1
                if missing[i] == 0:
                    ready.append(i)
        while ready:
            i = ready.pop()
            live[i] = True
            pending.extend(h for h in shapes[i][0] if h not in had)
    return live
