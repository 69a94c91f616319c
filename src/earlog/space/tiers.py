"""Which countries the policy puts in each tier, asked of the policy itself.

A space may write `tier 2` for a destination or a headquarters.  It stands for
countries chosen from the policy's own conclusions: the policy is grounded once
with every country it declares and every reading (`assume`) left open, and the
solver is asked for each country's tier and country groups under the default
readings and under each alternative reading.  Countries with the same answers
under every reading are treated alike by every rule that reads a country (the
rules read only `tier/2` and `in_group/2`), so one of them stands for all:

- `tier 2` is the first country of tier 2 in ISO code order;
- `tier 2 each` is the first country of each such class in tier 2 (one per
  distinct combination of country groups, and Cyprus on its own because a
  reading moves it to Tier 3), which covers every case the policy distinguishes.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

import clingo
from clingo import Function, ast

from earlog.engine.astlock import program_builder, reads_shared_asts
from earlog.engine.policy import Policy
from earlog.engine.program import program

_LOC = ast.Location(ast.Position("<earlog-tiers>", 1, 1), ast.Position("<earlog-tiers>", 1, 1))


def _lit(sym: clingo.Symbol) -> ast.AST:
    return ast.Literal(_LOC, ast.Sign.NoSign, ast.SymbolicAtom(ast.SymbolicTerm(_LOC, sym)))


_NAME = re.compile(r"([a-z_][A-Za-z0-9_']*)\s*\(")


def _needed(policy: Policy, goals: set[str]) -> list[tuple[str, ast.AST]]:
    """The statements the goal predicates depend on (heads and every name in bodies,
    followed backwards): the rest of the policy cannot change a tier."""
    stmts = program(policy, frozenset())
    shapes = []
    for part, stmt in stmts:
        if stmt.ast_type != ast.ASTType.Rule:
            shapes.append((part, stmt, set(), set()))
            continue
        heads = set(_NAME.findall(str(stmt.head)))
        body = set(_NAME.findall(" ".join(str(x) for x in stmt.body)))
        shapes.append((part, stmt, heads, body))
    need = set(goals)
    changed = True
    while changed:
        changed = False
        for _part, _stmt, heads, body in shapes:
            if heads & need and not body <= need:
                need |= body
                changed = True
    return [(part, stmt) for part, stmt, heads, _body in shapes if heads & need]


@functools.lru_cache(maxsize=8)
@reads_shared_asts
def country_classes(policy: Policy) -> dict[int, list[tuple[str, tuple[str, ...]]]]:
    """tier (under the default readings) -> [(representative ISO code, its groups)], in ISO code order."""
    ctl = clingo.Control(["--warn=none"])
    alts = [(s.arguments[0], s.arguments[1]) for s in policy.data.get("interpretation_alternative", ())]
    with program_builder(ctl) as b:
        current = "base"
        for part, stmt in _needed(policy, {"tier", "in_group"}):
            if part != current:
                b.add(ast.Program(stmt.location, part, []))
                current = part
            b.add(stmt)
        if current != "base":
            b.add(ast.Program(_LOC, "base", []))
        for q, a in alts:  # every reading open: `{ assume(q, a) }.`
            b.add(ast.Rule(_LOC, ast.Aggregate(_LOC, None, [ast.ConditionalLiteral(
                _LOC, _lit(Function("assume", [q, a])), [])], None), []))
    codes = sorted(s.arguments[0].name for s in policy.data.get("country", ()))
    with ctl.backend() as be:
        for sym in policy.facts.get("base", ()):
            be.add_rule([be.add_atom(sym)])
        for c in codes:
            be.add_rule([be.add_atom(Function("scenario_country", [Function(c)]))])
    ctl.ground([("base", [])])
    assume = {(q, a): ctl.symbolic_atoms[Function("assume", [q, a])].literal for q, a in alts}
    tier_atoms = [(a.symbol, a.literal) for a in ctl.symbolic_atoms.by_signature("tier", 2)]
    group_atoms = [(a.symbol, a.literal) for a in ctl.symbolic_atoms.by_signature("in_group", 2)]
    signature: dict[str, list] = defaultdict(list)
    default_tier: dict[str, int] = {}
    default_groups: dict[str, set[str]] = defaultdict(set)
    readings = [None, *alts]
    ctl.configuration.solve.models = 1
    for k, reading in enumerate(readings):
        on = [assume[reading]] if reading else []
        off = [-lit for key, lit in assume.items() if key != reading]
        seen: dict[str, tuple] = {}

        def on_model(m: clingo.Model, first: bool = k == 0, seen: dict = seen) -> None:
            tiers: dict[str, int] = {}
            groups: dict[str, set[str]] = defaultdict(set)
            for sym, lit in tier_atoms:
                if m.is_true(lit):
                    tiers[sym.arguments[0].name] = sym.arguments[1].number
            for sym, lit in group_atoms:
                if m.is_true(lit):
                    groups[sym.arguments[0].name].add(sym.arguments[1].name)
            for c in codes:
                seen[c] = (tiers.get(c), tuple(sorted(groups[c])))
                if first:
                    default_tier[c] = tiers.get(c, 0)
                    default_groups[c] = groups[c]

        ctl.solve(assumptions=on + off, on_model=on_model)
        for c in codes:
            signature[c].append(seen.get(c))
    out: dict[int, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    taken: set[tuple] = set()
    for c in codes:
        if not default_tier.get(c):
            continue
        key = tuple(signature[c])
        if key not in taken:
            taken.add(key)
            out[default_tier[c]].append((c.upper(), tuple(sorted(default_groups[c]))))
    return dict(sorted(out.items()))
