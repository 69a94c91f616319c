"""diff: where two readings of the policy give different verdicts, over a space.

Both variants go into ONE ground program: the second copy of the policy has
every predicate it derives renamed (space/program.py), shares the space's input
facts, and gets its own overlay (an interpretation, parameters, tiers) or is a
different policy folder altogether.  The solver enumerates only the scenarios
where the verdicts differ; they are grouped by "from -> to" and compressed into
patterns, each with the rules that fired under one variant and not the other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from clingo import Symbol

from earlog.engine.policy import Policy
from earlog.engine.program import FIRED
from earlog.space.model import Dimension, Space
from earlog.space.patterns import Pattern, cover
from earlog.space.program import ground

B = "_earlog_b_"
TRACED = None
COMPARED = (("outcome", 2), ("route", 2), ("review_policy", 2), ("license_required", 1),
            ("exception_available", 2), ("veu_available", 2))


@dataclass
class Group:
    before: str
    after: str
    count: int
    patterns: list[Pattern]
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)

    def to_json(self, limit: int | None = None) -> dict[str, Any]:
        pats = self.patterns if limit is None else self.patterns[:limit]
        return {"from": self.before, "to": self.after, "count": self.count,
                "rules_only_before": self.only_a, "rules_only_after": self.only_b,
                "patterns": [p.to_json() for p in pats], "patterns_total": len(self.patterns)}


@dataclass
class DiffResult:
    space: str
    before: str
    after: str
    size: int
    count: int
    groups: list[Group]
    seconds: float
    ground_seconds: float
    limit: int | None = None
    complete: bool = True  # False: stopped at the pattern limit, counts are lower bounds

    def to_json(self) -> dict[str, Any]:
        return {"space": self.space, "before": self.before, "after": self.after, "size": self.size,
                "differing": self.count, "complete": self.complete, "seconds": round(self.seconds, 4),
                "ground_seconds": round(self.ground_seconds, 4),
                "groups": [g.to_json(self.limit) for g in self.groups]}

    def text(self) -> str:
        head = (f"{self.count:,} of {self.size:,} scenarios of {self.space} change verdict "
                f"({self.before} -> {self.after}; {self.seconds:.2f} s)")
        lines = [head]
        for g in self.groups:
            lines.append(f"  {g.before} -> {g.after}: {g.count:,} scenarios")
            if g.only_a:
                lines.append(f"    rules only under {self.before}: {', '.join(g.only_a)}")
            if g.only_b:
                lines.append(f"    rules only under {self.after}: {', '.join(g.only_b)}")
            pats = g.patterns if self.limit is None else g.patterns[:self.limit]
            for p in pats:
                lines.append(f"    [{p.count:,}] {p.text()}")
            if len(pats) < len(g.patterns):
                lines.append(f"    ... {len(g.patterns) - len(pats)} more patterns")
        return "\n".join(lines)


def summary(outcome: str | None, route: str | None) -> str:
    if route in (None, "none", "license") or outcome in ("not_subject", "no_license_required"):
        return outcome or "no outcome"
    return f"{outcome} ({route.upper()})"


def diff(space: Space, a: tuple[str, Policy, dict[str, Any]], b: tuple[str, Policy, dict[str, Any]], *,
         limit: int | None = None, rules: int = 3, max_patterns: int | None = 500) -> DiffResult:
    """a, b: (label, policy, overlay)."""
    t0 = time.perf_counter()
    space = _with_moved_countries(space, [a[2], b[2]])
    a = _compared_readings(space, a, b)
    space = _without_compared_readings(space, [a[2], b[2]])
    g = ground(space, a[1], traced=TRACED, variants=[("", a[1], a[2]), (B, b[1], b[2])])
    ctl = g.ctl
    tx = g.layout.tx
    per: dict[str, dict[str, list[tuple[Symbol, int]]]] = {"": {}, B: {}}
    for prefix in ("", B):
        for name, arity in COMPARED:
            for atom in ctl.symbolic_atoms.by_signature(prefix + name, arity):
                if atom.symbol.arguments[0] == tx:
                    per[prefix].setdefault(name, []).append((atom.symbol, atom.literal))
    keys = {}
    for prefix in ("", B):
        for atoms in per[prefix].values():
            for sym, lit in atoms:
                plain = sym if not prefix else _strip(sym)
                keys.setdefault(plain, [None, None])[0 if not prefix else 1] = lit
    pairs = [(v[0], v[1]) for v in keys.values()]
    fired = {prefix: [(s.symbol.arguments[0].string, s.literal)
                      for s in ctl.symbolic_atoms.by_signature(prefix + FIRED, 2)] for prefix in ("", B)}
    with ctl.backend() as be:
        differs = be.add_atom()
        for la, lb in pairs:
            if la is not None and lb is not None:
                be.add_rule([differs], [la, -lb])
                be.add_rule([differs], [lb, -la])
            elif la is not None or lb is not None:
                be.add_rule([differs], [la if la is not None else lb])
    samples: dict[tuple[str, str], list[tuple[set[str], set[str]]]] = {}
    key_lits: dict[tuple, int] = {}

    def read(m: Any, prefix: str, name: str) -> tuple[str | None, int | None]:
        for sym, lit in per[prefix].get(name, []):
            if m.is_true(lit):
                return (sym.arguments[1].name if len(sym.arguments) > 1 else "true"), lit
        return None, None

    def key_of(m: Any) -> tuple:
        (oa, l1), (ra, l2), (ob, l3), (rb, l4) = (read(m, "", "outcome"), read(m, "", "route"),
                                                  read(m, B, "outcome"), read(m, B, "route"))
        label = (summary(oa, ra), summary(ob, rb))
        lits = [x for x in (l1, l2, l3, l4) if x is not None]
        if label[0] == label[1]:
            (pa, l5), (pb, l6) = read(m, "", "review_policy"), read(m, B, "review_policy")
            lits += [x for x in (l5, l6) if x is not None]
            label = (f"{label[0]}, review {pa}", f"{label[1]}, review {pb}") if pa != pb else \
                (label[0] + ", other fields", label[1] + ", other fields")
        got = samples.setdefault(label, [])
        if len(got) < 16:  # the rules are read from a sample of each group's scenarios
            fa = {r for r, lit in fired[""] if m.is_true(lit)}
            fb = {r for r, lit in fired[B] if m.is_true(lit)}
            got.append((fa - fb, fb - fa))
        return label, tuple(sorted(lits))

    def key_literal(key: tuple) -> int:
        if key not in key_lits:
            with ctl.backend() as be:
                aux = be.add_atom()
                be.add_rule([aux], [differs, *key[1]])
            key_lits[key] = aux
        return key_lits[key]

    found = cover(g, differs, key_of, key_literal, max_patterns=max_patterns)
    order = {rid: i for i, rid in enumerate(a[1].rules)}
    by_label: dict[tuple[str, str], list[Pattern]] = {}
    for key, pat in found:
        by_label.setdefault(key[0], []).append(pat)
    groups = []
    for label, pats in by_label.items():
        got = samples.get(label, [])
        oa = set.intersection(*[x[0] for x in got]) if got else set()
        ob = set.intersection(*[x[1] for x in got]) if got else set()
        pats.sort(key=lambda p: -p.count)
        groups.append(Group(label[0], label[1], sum(p.count for p in pats), pats,
                            sorted(oa, key=lambda r: order.get(r, 10**6))[:rules],
                            sorted(ob, key=lambda r: order.get(r, 10**6))[:rules]))
    groups.sort(key=lambda x: -x.count)
    return DiffResult(space.name, a[0], b[0], space.size(), sum(x.count for x in groups), groups,
                      time.perf_counter() - t0, g.ground_seconds, limit,
                      complete=max_patterns is None or len(found) < max_patterns)


def _with_moved_countries(space: Space, overlays: list[dict[str, Any]]) -> Space:
    """A country an overlay moves (`tier SG = 1`) joins every country dimension of
    the space, so the scenarios it changes are searched."""
    from earlog.space.dsl import COUNTRY_DIMS, value_of

    moved = sorted({c.upper() for o in overlays for c in o.get("countries", {})})
    if not moved:
        return space
    dims = []
    for d in space.dims:
        if d.path in COUNTRY_DIMS:
            have = {v.raw for v in d.values}
            d = Dimension(d.path, [*d.values, *(value_of(d.path, c) for c in moved if c not in have)])
        dims.append(d)
    return Space(space.name, space.data, space.tx, dims, space.used)


def _compared_readings(space: Space, a: tuple[str, Policy, dict[str, Any]], b: tuple[str, Policy, dict[str, Any]]
                       ) -> tuple[str, Policy, dict[str, Any]]:
    """A reading the second variant sets is compared with the first variant's default
    for it (not with whatever the space would choose for it)."""
    defaults = {s.arguments[0].name: s.arguments[1].name for s in a[1].data.get("interpretation_default", ())}
    assume = dict(a[2].get("assume", {}))
    for q in b[2].get("assume", {}):
        if q not in assume and q in defaults:
            assume[q] = defaults[q]
    if assume == a[2].get("assume", {}):
        return a
    return a[0], a[1], {**a[2], "assume": assume}


def _without_compared_readings(space: Space, overlays: list[dict[str, Any]]) -> Space:
    fixed = {f"assume.{q}" for o in overlays for q in o.get("assume", {})}
    if not any(d.path in fixed for d in space.dims):
        return space
    return Space(space.name, space.data, space.tx, [d for d in space.dims if d.path not in fixed], space.used)


def _strip(sym: Symbol) -> Symbol:
    from clingo import Function

    return Function(sym.name[len(B):], sym.arguments, sym.positive)
