"""The policy prepared for one overlay: what no transaction changes, solved once.

Most of a fresh grounding is spent on rules that read no party, item or
transaction: the tiers and groups of every country, parameters, interpretations,
the ECCN families.  For one overlay (assume, parameters, countries) their atoms
are the same for every transaction, so they are derived once here — the *static
closure* — and handed to each keyed solve as facts, and those rules are not
grounded again.  Which rules are static is read from the whole program: a
predicate is dynamic when some rule deriving it reads, directly or not, an input
the scenario's parties, items or transactions give (facts.py); a rule is static
when every predicate in its body is static.  The static closure is computed with
every country the policy declares as `scenario_country`, so it holds what any
transaction could read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import clingo
from clingo import Function, Symbol, ast

from earlog.engine.arith import Arithmetic
from earlog.engine.astlock import reads_shared_asts
from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy
from earlog.engine.program import FIRED, UNMET, program
from earlog.scenario.model import Scenario

COUNTRY_INPUT = "scenario_country"
_NAME = re.compile(r"([a-z_][A-Za-z0-9_']*)\s*\(")


@dataclass(frozen=True)
class Prepared:
    statements: tuple[tuple[str, ast.AST], ...]  # the dynamic statements, in program order
    static_statements: tuple[tuple[str, ast.AST], ...]  # what the static closure is derived from
    base_facts: tuple[Symbol, ...]  # the policy's facts and the overlay's
    read: frozenset[str]  # static predicates a dynamic statement reads or a verdict shows
    static_predicates: frozenset[str]


def _heads_and_body(stmt: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    if stmt.ast_type != ast.ASTType.Rule:
        return frozenset(_NAME.findall(str(stmt))), frozenset()
    head = stmt.head
    if (head.ast_type == ast.ASTType.Literal and head.atom.ast_type == ast.ASTType.SymbolicAtom
            and head.atom.symbol.ast_type == ast.ASTType.Function):
        heads = frozenset({head.atom.symbol.name})
    else:
        heads = frozenset(_NAME.findall(str(head)))
    body: set[str] = set()
    for lit in stmt.body:
        body.update(_NAME.findall(str(lit)))
        if (lit.ast_type == ast.ASTType.Literal and lit.atom.ast_type == ast.ASTType.SymbolicAtom
                and lit.atom.symbol.ast_type == ast.ASTType.Function and not lit.atom.symbol.arguments):
            body.add(lit.atom.symbol.name)
    return heads, frozenset(body)


def overlay_facts(sc: Scenario) -> tuple[Symbol, ...]:
    """The facts of a scenario's overlay alone (assume, parameters, countries)."""
    only = Scenario(assume=sc.assume, parameters=sc.parameters, countries=sc.countries)
    return tuple(s for s in scenario_facts(only) if s.name != COUNTRY_INPUT)


@functools.lru_cache(maxsize=1)
def overlay_inputs() -> frozenset[str]:
    """The input predicates an overlay can give (found by probing facts.py with one of each kind)."""
    from earlog.scenario.model import CountryOverride

    probe = Scenario(assume={"q": "a"}, parameters={"p": 1},
                     countries={"US": CountryOverride(code="US", tier=1, groups=["D:1"], supp5_b=True)})
    return frozenset(s.name for s in scenario_facts(probe) if s.name != COUNTRY_INPUT)


@functools.lru_cache(maxsize=32)
@reads_shared_asts
def prepare(policy: Policy, overlay: tuple[Symbol, ...], traced: frozenset[str] | None,
            shown: frozenset[str]) -> Prepared:
    statements = program(policy, traced, False)
    shapes = [_heads_and_body(stmt) for _part, stmt in statements]
    defined: set[str] = set()
    for heads, _body in shapes:
        defined |= heads
    for syms in policy.facts.values():
        defined.update(s.name for s in syms)
    overlay_names = overlay_inputs() | {COUNTRY_INPUT}
    used: set[str] = set()
    for _heads, body in shapes:
        used |= body
    # inputs: read by a rule, given by no rule or policy fact, not the overlay's
    dynamic = {n for n in used if n not in defined and n not in overlay_names}
    dynamic |= {"chain_first", "chain_next"}
    changed = True
    while changed:
        changed = False
        for heads, body in shapes:
            if body & dynamic and not heads <= dynamic:
                dynamic |= heads
                changed = True
    static_rule = [not (body & dynamic) and stmt.ast_type == ast.ASTType.Rule and bool(body)
                   for (heads, body), (_p, stmt) in zip(shapes, statements, strict=True)]
    # statements without a body (non-ground facts, directives) go to both programs
    shared = [stmt.ast_type != ast.ASTType.Rule or not stmt.body for _p, stmt in statements]
    kept = [s for s, st in zip(statements, static_rule, strict=True) if not st]
    read: set[str] = set(shown)
    for (_heads, body), st in zip(shapes, static_rule, strict=True):
        if not st:
            read |= body
    read -= {FIRED, UNMET}
    static_statements = tuple(s for s, st, sh in zip(statements, static_rule, shared, strict=True) if st or sh)
    base_facts = tuple(sym for part in policy.facts.values() for sym in part) + tuple(overlay)
    return Prepared(statements=tuple(kept), static_statements=static_statements, base_facts=base_facts,
                    read=frozenset(read), static_predicates=frozenset(n for n in defined if n not in dynamic))


def static_closure(static_text: tuple[str, str], base_facts: tuple[Symbol, ...], countries: frozenset[Symbol],
                   read: frozenset[str]) -> tuple[Symbol, ...]:
    """The static atoms (those some dynamic rule reads or a verdict shows) for a set of
    countries, as the whole-scenario engine derives them when those are its countries."""
    ctl = clingo.Control(["--warn=none", "--models=2"])
    ctl.add("base", [], static_text[0])
    ctl.add("cumulative", [], static_text[1])
    with ctl.backend() as b:
        for sym in base_facts:
            b.add_rule([b.add_atom(sym)])
        for c in sorted(countries):
            b.add_rule([b.add_atom(Function(COUNTRY_INPUT, [c]))])
    ctl.ground([("base", []), ("cumulative", [])], context=Arithmetic())
    models: list[list[Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(m.symbols(atoms=True)))
    if len(models) != 1:
        from earlog.errors import EngineBug
        raise EngineBug(f"the policy's static part gave {len(models)} answer sets; exactly one was expected")
    return tuple(s for s in models[0] if s.name in read)
