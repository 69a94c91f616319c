"""Compress a set of scenarios into readable patterns: "destination: any Tier 2".

The scenarios are the solver's models (one row of value indices per model).
Rows that agree on every dimension but one are merged into one pattern whose
value on that dimension is the set of values they had; merging repeats over the
dimensions until nothing changes.  A pattern is a product of value sets, so it
covers exactly the scenarios it stands for, and its count is the product of the
set sizes.  A value set that holds every value of a dimension reads "any"; one
that holds every representative of a tier reads "any Tier N".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from earlog.space.model import Dimension


@dataclass
class Pattern:
    dims: list[Dimension]
    sets: tuple[frozenset[int], ...]

    @property
    def count(self) -> int:
        n = 1
        for s in self.sets:
            n *= len(s)
        return n

    def parts(self) -> list[tuple[str, str]]:
        """(dimension, readable value set) for every dimension that matters."""
        return [(d.path, describe(d, s)) for d, s in zip(self.dims, self.sets, strict=True)
                if len(s) < len(d.values)]

    def anys(self) -> list[str]:
        return [d.path for d, s in zip(self.dims, self.sets, strict=True) if len(s) == len(d.values)
                and len(d.values) > 1]

    def text(self) -> str:
        parts = [f"{p}: {v}" for p, v in self.parts()]
        anys = [f"any {a.replace('_', ' ')}" for a in self.anys()]
        return "; ".join(parts + anys) or "every scenario"

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "pattern": {p: v for p, v in self.parts()}, "any": self.anys(),
                "text": self.text()}


def describe(d: Dimension, s: frozenset[int]) -> str:
    """Readable value set: tiers whose every representative is present read "any Tier N"."""
    tiers: dict[int, list[int]] = {}
    for i, v in enumerate(d.values):
        if v.tier is not None:
            tiers.setdefault(v.tier, []).append(i)
    words: list[str] = []
    covered: set[int] = set()
    for n in sorted(tiers):
        idx = tiers[n]
        if len(idx) > 1 and all(i in s for i in idx):
            words.append(f"any Tier {n}")
            covered.update(idx)
    words += [d.values[i].label for i in sorted(s) if i not in covered]
    return " or ".join(words)


def dims_of(g) -> list[Dimension]:  # g: program.Grounded
    return [d for slot in g.layout.slots for d in slot.dims]


def compress(rows: list[tuple[int, ...]], dims: list[Dimension]) -> list[Pattern]:
    pats: set[tuple[frozenset[int], ...]] = {tuple(frozenset([v]) for v in r) for r in set(rows)}
    changed = True
    while changed:
        changed = False
        for i in range(len(dims)):
            groups: dict[tuple, set[int]] = {}
            for p in pats:
                key = p[:i] + p[i + 1:]
                groups.setdefault(key, set()).update(p[i])
            # only patterns whose i-th sets are disjoint can be merged exactly
            merged: set[tuple[frozenset[int], ...]] = set()
            by_key: dict[tuple, list] = {}
            for p in pats:
                by_key.setdefault(p[:i] + p[i + 1:], []).append(p)
            for key, members in by_key.items():
                if len(members) > 1:
                    union = frozenset().union(*[m[i] for m in members])
                    merged.add(key[:i] + (union,) + key[i:])
                    changed = True
                else:
                    merged.add(members[0])
            pats = merged
            del groups
    out = [Pattern(dims, p) for p in pats]
    out.sort(key=lambda p: (-p.count, [sorted(s) for s in p.sets]))
    return out
