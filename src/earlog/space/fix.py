"""The smallest change that flips a verdict: `why not X -- smallest change`.

The deal's neighbourhood is a space centred on it (by default its quantity, date,
the consignee's headquarters and ultimate parent); the solver searches it with
`#minimize`: first the number of facts changed, then how far a number moved.
Each dimension is then tried alone (the others held at the deal's own values,
as solver assumptions on the same ground program), so every single change that
works is reported, with the exact threshold the solver found for a number
(the comparison is the policy's own, evaluated by the grounder): "LPP would be
available with a quantity of at most 1,699 (now 2,000)".  Nothing here
computes the law: Python only reads which values the solver chose.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from clingo import Symbol

from earlog.engine.policy import Policy
from earlog.space.model import Dimension, Space
from earlog.space.program import Grounded, ground

DEFAULT_VARYING = ("quantity", "date", "consignee.hq", "consignee.parent")


@dataclass
class Change:
    """One way to flip the conclusion: for each dimension changed, the values that work."""

    dims: dict[str, list[str]]  # path -> labels of the values that work
    bound: dict[str, str] = field(default_factory=dict)  # numeric path -> "at most" / "at least" / ""
    now: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"changes": {p: {"values": v, "bound": self.bound.get(p) or None, "now": self.now.get(p)}
                            for p, v in self.dims.items()}, "text": self.text}


@dataclass
class FixResult:
    conclusion: str
    goal: str  # what the change achieves, in words ("LPP would be available")
    holds_now: bool
    fewest: int | None  # fewest facts to change (None: no change in the neighbourhood works)
    changes: list[Change]
    varying: list[str]
    size: int
    seconds: float

    def text(self) -> str:
        if self.holds_now:
            return f"{_present(self.goal)} already: nothing to change"
        if self.fewest is None:
            return (f"no change of {', '.join(self.varying)} within the searched values "
                    f"({self.size:,} scenarios) makes it so: {self.goal}")
        head = f"smallest change ({self.fewest} fact{'s' if self.fewest > 1 else ''}):"
        return "\n".join([head, *(f"  {c.text}" for c in self.changes)])

    def to_json(self) -> dict[str, Any]:
        return {"conclusion": self.conclusion, "goal": self.goal, "holds_now": self.holds_now,
                "fewest_changes": self.fewest, "changes": [c.to_json() for c in self.changes],
                "varying": self.varying, "size": self.size, "seconds": round(self.seconds, 4)}


COARSE = 48  # a numeric dimension with more values is searched coarse first, then finely where it matters


def smallest_change(space: Space, policy: Policy, atom: Symbol, *, make_true: bool = True,
                    max_combinations: int = 5) -> FixResult:
    """Coarse to fine: a long numeric dimension (a quantity from 0 to twice the deal's)
    is first searched at every k-th value; where a single change of it works, the
    values between the coarse threshold and the next coarse value toward the deal's
    own are searched one by one, so the threshold reported is exact."""
    from earlog.space.model import read

    t0 = time.perf_counter()
    coarse_dims, thinned = [], {}
    for d in space.dims:
        if d.numeric and len(d.values) > COARSE:
            now = read(space, d.path)
            step = -(-len(d.values) // COARSE)
            keep = [v for i, v in enumerate(d.values) if i % step == 0 or i == len(d.values) - 1 or v.raw == now]
            coarse_dims.append(Dimension(d.path, keep))
            thinned[d.path] = d
        else:
            coarse_dims.append(d)
    coarse = Space(space.name, space.data, space.tx, coarse_dims, space.used)
    res = _smallest(coarse, policy, atom, make_true, max_combinations)
    for c in res.changes:
        if len(c.dims) != 1:
            continue
        path = next(iter(c.dims))
        if path not in thinned or len(c.dims[path]) != 1:
            continue
        full = thinned[path]
        cd = next(d for d in coarse_dims if d.path == path)
        x = next(v for v in cd.values if v.label == c.dims[path][0])
        now = next(v for v in full.values if v.raw == read(space, path))
        toward = sorted((v for v in cd.values if v.number is not None and
                         min(x.number, now.number) < v.number < max(x.number, now.number)),
                        key=lambda v: abs(v.number - x.number))
        y = toward[0] if toward else now
        lo, hi = sorted((x.number, y.number))
        fine_vals = [v for v in full.values if lo <= v.number <= hi or v.raw == now.raw]
        fine = Space(space.name, space.data, space.tx, [Dimension(path, fine_vals)], space.used)
        r2 = _smallest(fine, policy, atom, make_true, max_combinations)
        if r2.changes:
            c2 = r2.changes[0]
            c.dims[path] = c2.dims[path]
            c.bound[path] = c.bound.get(path, "") if c2.bound.get(path) else ""
            c.text = f"{res.goal} {_words(c, None, None)}"
    res.size = space.size()
    res.varying = [d.path for d in space.dims]
    res.seconds = time.perf_counter() - t0
    return res


def _smallest(space: Space, policy: Policy, atom: Symbol, make_true: bool, max_combinations: int) -> FixResult:
    t0 = time.perf_counter()
    g = ground(space, policy)
    ctl = g.ctl
    goal_text = goal_words(atom, make_true)
    lit = g.lit(atom)
    from earlog.space.model import read

    current = []
    for slot in g.layout.slots:
        idx = []
        for d in slot.dims:
            now = read(space, d.path) if not d.path.startswith("used.") else space.used.get(d.path[5:], 0)
            idx.append(next(i for i, v in enumerate(d.values) if v.raw == now))
        current.append(slot.combos.index(tuple(idx)))
    here = [g.picks[i][k] for i, k in enumerate(current)]
    res = FixResult(str(atom), goal_text, False, None, [], [d.path for d in space.dims], space.size(), 0.0)
    with ctl.backend() as be:
        if lit is None:  # an atom the policy never derives in this neighbourhood
            if make_true:
                res.seconds = time.perf_counter() - t0
                return res
            res.holds_now = True
            res.seconds = time.perf_counter() - t0
            return res
        goal = lit if make_true else -lit
        _add_costs(be, g, current)
    ctl.configuration.solve.opt_mode = "opt"
    ctl.configuration.solve.models = 0
    best: list[Any] = []
    ctl.solve(assumptions=[goal], on_model=lambda m: best.append((list(m.cost), g.choice_of(m))))
    if not best:
        res.seconds = time.perf_counter() - t0
        return res
    cost, choice = best[-1]
    fewest = cost[0] if cost else 0
    if fewest == 0:
        res.holds_now = True
        res.seconds = time.perf_counter() - t0
        return res
    res.fewest = fewest
    if fewest == 1:
        for i, slot in enumerate(g.layout.slots):
            others = [p for j, p in enumerate(here) if j != i]
            change = _single(g, i, slot, current[i], goal, others)
            if change is not None:
                change.text = f"{goal_text} {change.text}"
                res.changes.append(change)
    else:
        ctl.configuration.solve.opt_mode = "optN"
        models: list[list[int]] = []
        ctl.solve(assumptions=[goal], on_model=lambda m: models.append(g.choice_of(m)) if m.optimality_proven
                  else None)
        for ch in models[:max_combinations]:
            picks = g.values_of(ch)
            now = g.values_of(current)
            dims = {p: [v.label] for p, v in picks.items() if v.raw != now[p].raw}
            c = Change(dims, {}, {p: now[p].label for p in dims})
            c.text = _words(c, goal_text, space)
            res.changes.append(c)
    res.seconds = time.perf_counter() - t0
    return res


def _add_costs(be: Any, g: Grounded, current: list[int]) -> None:
    """Priority 1: facts changed.  Priority 0: how far numbers moved."""
    changed, distance = [], []
    for i, slot in enumerate(g.layout.slots):
        base = slot.combos[current[i]]
        for k, combo in enumerate(slot.combos):
            n = sum(1 for a, b in zip(combo, base, strict=True) if a != b)
            if n:
                changed.append((g.picks[i][k], n))
            dist = 0
            for d, a, b in zip(slot.dims, combo, base, strict=True):
                va, vb = d.values[a].number, d.values[b].number
                if va is not None and vb is not None:
                    dist += min(abs(va - vb), 2**30)
            if dist:
                distance.append((g.picks[i][k], min(dist, 2**30)))
    if changed:
        be.add_minimize(1, changed)
    if distance:
        be.add_minimize(0, distance)


def _single(g: Grounded, i: int, slot: Any, now: int, goal: int, others: list[int]) -> Change | None:
    """The values of one slot alone that make the goal hold (the others as they are)."""
    ctl = g.ctl
    ctl.configuration.solve.opt_mode = "optN"
    found: list[int] = []

    def on_model(m: Any) -> None:
        if m.optimality_proven:
            found.append(next(k for k, lit in enumerate(g.picks[i]) if m.is_true(lit)))

    ctl.solve(assumptions=[goal, *others], on_model=on_model)
    if not found:
        return None
    if len(slot.dims) > 1:
        return None  # a joint slot changes several facts at once: not a single change
    d: Dimension = slot.dims[0]
    now_v = d.values[slot.combos[now][0]]
    vals = sorted({slot.combos[k][0] for k in found})
    change = Change({d.path: [d.values[j].label for j in vals]}, {}, {d.path: now_v.label})
    if d.numeric and len(vals) == 1:
        x = d.values[vals[0]]
        far = [j for j, v in enumerate(d.values)
               if v.number is not None and x.number is not None and now_v.number is not None
               and ((v.number < x.number) if x.number < now_v.number else (v.number > x.number))]
        bound = ""
        if far:
            # does every value beyond the threshold also work?  (ask the solver for one that does not)
            allowed = set(far) | {vals[0]}
            assume = [-g.picks[i][k] for k in range(len(g.picks[i])) if k not in allowed]
            ctl.configuration.solve.opt_mode = "ignore"
            ctl.configuration.solve.models = 1
            counter: list[bool] = []
            ctl.solve(assumptions=[-goal, *others, *assume], on_model=lambda m: counter.append(True))
            ctl.configuration.solve.models = 0
            if not counter:
                bound = "at most" if x.number < now_v.number else "at least"
        else:
            bound = ""
        change.bound[d.path] = bound
    change.text = _words(change, None, None)
    return change


# --- words -------------------------------------------------------------------------------

def goal_words(atom: Symbol, make_true: bool) -> str:
    name = atom.name
    args = atom.arguments
    if name in ("exception_available", "veu_available") and len(args) == 2:
        s = f"{args[1].name.upper()} would be available"
    elif name == "license_required":
        s = "a license would be required"
    elif len(args) == 2:
        s = f"{name.replace('_', ' ')} would be {args[1]}"
    else:
        s = f"{name.replace('_', ' ')} would hold"
    if not make_true:
        s = s.replace(" would be ", " would not be ").replace(" would hold", " would not hold")
    return s


def _present(goal: str) -> str:
    """The goal as a fact that already holds ("LPP would not be available" -> "LPP is not available")."""
    for would, now in ((" would not be ", " is not "), (" would be ", " is "),
                       (" would not hold", " does not hold"), (" would hold", " holds")):
        goal = goal.replace(would, now)
    return goal


_PHRASES = {
    "quantity": "with a quantity of {v} (now {now})",
    "item.tpp": "with an item TPP of {v} (now {now})",
    "date": "if shipped on {v} (now {now})",
    "consignee.hq": "if the consignee were headquartered in {v} (now {now})",
    "consignee.parent": "if the consignee's ultimate parent were headquartered in {v} (now {now})",
    "end_user.hq": "if the end user were headquartered in {v} (now {now})",
    "destination": "if the items went to {v} (now {now})",
    "origin": "if the items left from {v} (now {now})",
    "kind": "if the transaction were a {v} (now {now})",
    "end_use": "with end use {v} (now {now})",
    "item": "if the item were {v} (now {now})",
    "item.eccn": "if the item were {v} (now {now})",
    "ownership_depth": "with an ownership chain of depth {v} (now {now})",
}


def _country_words(labels: list[str]) -> str:
    tiers = []
    rest = []
    for lab in labels:
        if lab.startswith("Tier "):
            tiers.append(lab.split(" (")[0])
        else:
            rest.append(lab)
    words = []
    if tiers:
        words.append(f"a {' or '.join(tiers)} country")
    words += rest
    return " or ".join(words)


def _words(c: Change, goal: str | None, space: Space | None) -> str:
    del space
    parts = []
    for path, labels in c.dims.items():
        now = c.now.get(path, "")
        if path == "consignee.parent":
            has_none = "none" in labels
            rest = [x for x in labels if x != "none"]
            bits = []
            if rest:
                bits.append(f"if the consignee's ultimate parent were headquartered in {_country_words(rest)}")
            if has_none:
                bits.append("if the consignee had no parent")
            parts.append(" or ".join(bits) + f" (now {'none' if now == 'none' else now})")
            continue
        if path in ("consignee.distributor", "item.datacenter", "consignee.government_controlled"):
            what = {"consignee.distributor": "a distributor", "item.datacenter": "a datacenter item",
                    "consignee.government_controlled": "government-controlled"}[path]
            subject = "the item" if path.startswith("item.") else "the consignee"
            parts.append(f"if {subject} were {'not ' if labels == ['no'] else ''}{what}"
                         + (f" ({' or '.join(labels)})" if labels not in (["yes"], ["no"]) else ""))
            continue
        if path.startswith("assume."):
            parts.append(f"under the reading {path[7:]} = {' or '.join(labels)} (now {now})")
            continue
        if path.startswith("used."):
            parts.append(f"if {path[5:]} had {' or '.join(labels)} already counted (now {now})")
            continue
        bound = c.bound.get(path, "")
        v = " or ".join(labels)
        if path in ("consignee.hq", "end_user.hq", "destination", "origin"):
            v = _country_words(labels)
        elif bound:
            v = f"{bound} {v}" if path != "date" else (f"on or before {v}" if bound == "at most" else
                                                        f"on or after {v}")
        phrase = _PHRASES.get(path, path + " = {v} (now {now})")
        if path == "date" and bound:
            phrase = "if shipped {v} (now {now})"
        parts.append(phrase.format(v=v, now=now))
    text = " and ".join(parts)
    return f"{goal} {text}" if goal else text
