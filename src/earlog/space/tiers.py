"""Which countries the policy puts in each tier, asked of the policy itself.

A space may write `tier 2` for a destination or a headquarters.  It stands for
representative countries chosen from the policy's own conclusions: the policy
is grounded once with every country it declares, and for each tier the first
country (in ISO code order) of each distinct set of country groups in that tier
is taken.  Countries with the same tier and the same groups are treated alike by
every rule that reads a country (the rules read only `tier/2` and `in_group/2`),
so the representatives cover every case the policy distinguishes.
"""

from __future__ import annotations

import functools
from collections import defaultdict

import clingo
from clingo import Function

from earlog.engine.policy import Policy
from earlog.engine.program import program


@functools.lru_cache(maxsize=8)
def country_classes(policy: Policy) -> dict[int, list[tuple[str, tuple[str, ...]]]]:
    """tier -> [(representative ISO code, its country groups)], in ISO code order."""
    ctl = clingo.Control(["--warn=none"])
    with clingo.ast.ProgramBuilder(ctl) as b:
        current = "base"
        for part, stmt in program(policy, frozenset()):
            if part != current:
                b.add(clingo.ast.Program(stmt.location, part, []))
                current = part
            b.add(stmt)
    codes = sorted(s.arguments[0].name for s in policy.data.get("country", ()))
    with ctl.backend() as be:
        for sym in policy.facts.get("base", ()):
            be.add_rule([be.add_atom(sym)])
        for c in codes:
            be.add_rule([be.add_atom(Function("scenario_country", [Function(c)]))])
    ctl.ground([("base", [])])
    tiers: dict[str, int] = {}
    groups: dict[str, set[str]] = defaultdict(set)
    for a in ctl.symbolic_atoms.by_signature("tier", 2):
        if a.is_fact:
            tiers[a.symbol.arguments[0].name] = a.symbol.arguments[1].number
    for a in ctl.symbolic_atoms.by_signature("in_group", 2):
        if a.is_fact:
            groups[a.symbol.arguments[0].name].add(a.symbol.arguments[1].name)
    out: dict[int, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    seen: set[tuple[int, tuple[str, ...]]] = set()
    for c in codes:
        if c not in tiers:
            continue
        key = (tiers[c], tuple(sorted(groups[c])))
        if key not in seen:
            seen.add(key)
            out[tiers[c]].append((c.upper(), key[1]))
    return dict(out)


@functools.lru_cache(maxsize=8)
def tier_members(policy: Policy) -> dict[int, list[str]]:
    """tier -> every country code the policy puts in it."""
    ctl = clingo.Control(["--warn=none"])
    del ctl
    classes = country_classes(policy)
    return {n: [c for c, _g in reps] for n, reps in classes.items()}
