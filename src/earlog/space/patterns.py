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
    exact_count: int | None = None  # for a pattern over joint slots, counted over the slots

    @property
    def count(self) -> int:
        if self.exact_count is not None:
            return self.exact_count
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
        anys = self.anys()
        if len(anys) > 4:
            rest = [f"any value of the {len(anys)} other dimensions"]
        else:
            rest = [f"any {a.replace('_', ' ')}" for a in anys]
        return "; ".join(parts + rest) or "every scenario"

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
    rest = [i for i in sorted(s) if i not in covered]
    if d.numeric:  # runs of neighbouring numbers read "A to B"
        runs: list[list[int]] = []
        for i in rest:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        for r in runs:
            if len(r) >= 3:
                words.append(f"{d.values[r[0]].label} to {d.values[r[-1]].label}")
            else:
                words += [d.values[i].label for i in r]
        return " or ".join(words)
    words += [d.values[i].label for i in rest]
    return " or ".join(words)


def dims_of(g) -> list[Dimension]:  # g: program.Grounded
    return [d for slot in g.layout.slots for d in slot.dims]


def compress(rows: list[tuple[int, ...]], dims: list[Dimension]) -> list[Pattern]:
    pats: set[tuple[frozenset[int], ...]] = {tuple(frozenset([v]) for v in r) for r in set(rows)}
    changed = True
    while changed:
        changed = False
        for i in range(len(dims)):
            # patterns agreeing on every other dimension are disjoint on this one: merge them
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
    out = [Pattern(dims, p) for p in pats]
    out.sort(key=lambda p: (-p.count, [sorted(s) for s in p.sets]))
    return out


def cover(g, target: int, key_of, key_literal, max_patterns: int | None = None,
          on_pattern=None) -> list[tuple[object, Pattern]]:
    """Patterns found by the solver, for spaces too large to enumerate.

    Repeatedly: ask for one scenario where `target` holds that no pattern covers
    yet; read its key (what is true there, e.g. "from -> to"); widen it one
    dimension at a time to every value the solver cannot refute (a widening is
    kept only if no scenario in the wider product has a different key, which is
    one solver call with the key's literal assumed false); then block the
    pattern and go on.  Patterns never overlap, so their counts add up.
    `g`: program.Grounded; key_literal(key) -> a literal true where the key holds.
    """
    import clingo

    ctl = g.ctl
    slots = g.layout.slots
    patterns: list[tuple[object, tuple[frozenset[int], ...]]] = []
    ctl.configuration.solve.models = 1
    with ctl.backend() as be:  # the blocks hold only while this search assumes `active`
        active = be.add_atom()
        be.add_external(active, clingo.TruthValue.Free)
    while max_patterns is None or len(patterns) < max_patterns:
        found: list = []

        def first(m, found: list = found) -> None:
            found.append((g.choice_of(m), key_of(m)))

        ctl.solve(assumptions=[target, active], on_model=first)
        if not found:
            break
        choice, key = found[0]
        kl = key_literal(key)
        sets = [frozenset([k]) for k in choice]

        def uniform(trial: list[frozenset[int]], kl: int = kl) -> tuple[bool, list[int] | None]:
            """No scenario of the product has another key (one solver call)."""
            if any(all(trial[j] & p[j] for j in range(len(slots))) for _k, p in patterns):
                return False, None  # it would overlap a pattern found before
            restrict = [-g.picks[j][k] for j in range(len(slots)) for k in range(len(slots[j].combos))
                        if k not in trial[j]]
            bad: list[list[int]] = []
            ctl.solve(assumptions=[-kl, *restrict], on_model=lambda m: bad.append(g.choice_of(m)))
            return not bad, (bad[0] if bad else None)

        def widen(group: list[int], sets: list[frozenset[int]] = sets) -> None:
            """Group testing: widen a group of dimensions to all their values at once;
            if that fails, split the group; a single dimension drops the values the
            solver's counterexamples name, one at a time."""
            trial = list(sets)
            for i in group:
                trial[i] = frozenset(range(len(slots[i].combos)))
            if len(group) > 1:
                ok, _ = uniform(trial)
                if ok:
                    sets[:] = trial
                    return
                half = len(group) // 2
                widen(group[:half])
                widen(group[half:])
                return
            i = group[0]
            cand = set(trial[i])
            while len(cand) > len(sets[i]):
                trial[i] = frozenset(cand)
                ok, bad = uniform(trial)
                if ok:
                    sets[i] = frozenset(cand)
                    return
                if bad is None or bad[i] not in cand or bad[i] in sets[i]:
                    # an overlap with an earlier pattern: drop that pattern's values of this slot
                    for _k, p in patterns:
                        if all(trial[j] & p[j] for j in range(len(slots))):
                            cand -= p[i] - sets[i]
                    if bad is not None and bad[i] in cand and bad[i] not in sets[i]:
                        cand.discard(bad[i])
                    continue
                cand.discard(bad[i])

        widen([i for i in range(len(slots)) if len(slots[i].combos) > 1])
        pat = tuple(sets)
        patterns.append((key, pat))
        if on_pattern is not None:
            on_pattern(key, pat)
        with ctl.backend() as be:
            body = []
            for i, s in enumerate(pat):
                if len(s) == len(slots[i].combos):
                    continue
                aux = be.add_atom()
                for k in s:
                    be.add_rule([aux], [g.picks[i][k]])
                body.append(aux)
            be.add_rule([], [*body, active])
    with ctl.backend() as be:
        be.add_external(active, clingo.TruthValue.Release)  # the grounded program is left as it was
    return [(key, _slot_pattern(g, pat)) for key, pat in patterns]


def _slot_pattern(g, pat: tuple[frozenset[int], ...]) -> Pattern:
    """A pattern over slots as one over the dimensions (a joint slot is shown by the
    values each of its dimensions takes in it)."""
    dims: list[Dimension] = []
    sets: list[frozenset[int]] = []
    for slot, s in zip(g.layout.slots, pat, strict=True):
        for j, d in enumerate(slot.dims):
            dims.append(d)
            sets.append(frozenset(slot.combos[k][j] for k in s))
    p = Pattern(dims, tuple(sets))
    p.exact_count = 1
    for s in pat:
        p.exact_count *= len(s)
    return p
