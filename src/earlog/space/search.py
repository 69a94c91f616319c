"""find and check: one solver call over a space's ground program.

`check` asks the solver for a scenario where the property fails (the property's
literal assumed false): none means it holds in every scenario of the space.
`find` enumerates the scenarios where the condition holds and compresses them
into patterns (patterns.py).  The program is ground once per space and reused by
every question asked of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from earlog.engine.policy import Policy
from earlog.space.condition import Cond, compile_literal, holds, text
from earlog.space.model import Space, Value, scenario_dict
from earlog.space.patterns import Pattern, compress, cover, dims_of
from earlog.space.program import Grounded, ground

_GROUNDED: dict[tuple[int, int], tuple[Space, Policy, Grounded]] = {}


def grounded(space: Space, policy: Policy) -> Grounded:
    """The space's ground program, built once per space and policy in a process."""
    key = (id(space), id(policy))
    hit = _GROUNDED.get(key)
    if hit is None or hit[0] is not space or hit[1] is not policy:
        if len(_GROUNDED) > 16:
            _GROUNDED.clear()
        hit = (space, policy, ground(space, policy))
        _GROUNDED[key] = hit
    return hit[2]


@dataclass
class CheckResult:
    space: str
    property: str
    holds: bool
    size: int
    seconds: float
    ground_seconds: float
    counterexample: dict[str, Value] | None = None
    scenario: dict[str, Any] | None = None
    snippet: str | None = None
    outcome: str | None = None
    explanation: Any = None
    confirmed: bool | None = None  # the engine, evaluating the counterexample alone, agrees

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"space": self.space, "property": self.property, "holds": self.holds,
                               "size": self.size, "seconds": round(self.seconds, 4),
                               "ground_seconds": round(self.ground_seconds, 4)}
        if not self.holds:
            out["counterexample"] = {k: v.label for k, v in (self.counterexample or {}).items()}
            out["scenario"] = self.scenario
            out["snippet"] = self.snippet
            out["outcome"] = self.outcome
            out["confirmed_by_engine"] = self.confirmed
            if self.explanation is not None:
                out["explanation"] = self.explanation.to_json()
        return out


def check(space: Space, policy: Policy, prop: Cond, *, explain: bool = True) -> CheckResult:
    g = grounded(space, policy)
    t0 = time.perf_counter()
    lit = compile_literal(g, prop)
    found: list[list[int]] = []
    g.ctl.configuration.solve.models = 1
    if lit is not True:  # a property decided by grounding alone holds, or fails everywhere
        g.ctl.solve(assumptions=[] if lit is False else [-lit], on_model=lambda m: found.append(g.choice_of(m)))
    secs = time.perf_counter() - t0
    res = CheckResult(space.name, text(prop), not found, space.size(), secs, g.ground_seconds)
    if found:
        picks = g.values_of(found[0])
        res.counterexample = picks
        _describe(res, space, policy, picks, prop, explain)
    return res


def _describe(res: CheckResult, space: Space, policy: Policy, picks: dict[str, Value], prop: Cond,
              explain: bool) -> None:
    """The counterexample as a scenario, a ready-to-run snippet, and the engine's own
    verdict and why-tree for it (evaluated alone, as `earlog run` would)."""
    from clingo import Function, String

    from earlog.engine import solve
    from earlog.scenario.json_input import scenario_from_dict
    from earlog.space.snippet import snippet

    data = scenario_dict(space, picks)
    res.scenario = data
    res.snippet = snippet(data, space, picks, f"counterexample to: {res.property}")
    used = {k: v for k, v in picks.items() if k.startswith("used.")}
    if any(v.raw for v in used.values()) or any(space.used.values()):
        return  # the amounts already used come from outside the scenario: nothing to re-run alone
    sc = scenario_from_dict(data)
    ans = solve(sc, policy, shown=None)
    true = {s for syms in ans.atoms.values() for s in syms}
    tx = String(space.tx)
    res.confirmed = not holds(prop, true, tx)
    outs = [s for s in ans.get("outcome") if s.arguments[0] == tx]
    res.outcome = outs[0].arguments[1].name if outs else None
    if explain and outs:
        from earlog.explain import explain as why

        res.explanation = why(sc, Function("outcome", [tx, outs[0].arguments[1]]), policy=policy)


@dataclass
class FindResult:
    space: str
    condition: str
    count: int
    size: int
    seconds: float
    patterns: list[Pattern] = field(default_factory=list)
    limit: int | None = None

    def to_json(self) -> dict[str, Any]:
        shown = self.patterns if self.limit is None else self.patterns[:self.limit]
        return {"space": self.space, "condition": self.condition, "count": self.count, "size": self.size,
                "seconds": round(self.seconds, 4), "patterns": [p.to_json() for p in shown],
                "patterns_total": len(self.patterns)}

    def text(self) -> str:
        shown = self.patterns if self.limit is None else self.patterns[:self.limit]
        lines = [f"{self.count:,} of {self.size:,} scenarios of {self.space} where {self.condition} "
                 f"({len(self.patterns)} pattern{'s' if len(self.patterns) != 1 else ''}, {self.seconds:.2f} s)"]
        lines += [f"  [{p.count:,}] {p.text()}" for p in shown]
        if len(shown) < len(self.patterns):
            lines.append(f"  ... {len(self.patterns) - len(shown)} more patterns (--limit)")
        return "\n".join(lines)


ENUMERATE_MAX = 200_000  # larger spaces are compressed by the solver (patterns.cover), not enumerated


def find(space: Space, policy: Policy, cond: Cond, *, limit: int | None = None) -> FindResult:
    g = grounded(space, policy)
    t0 = time.perf_counter()
    lit = compile_literal(g, cond)
    if lit is False:
        return FindResult(space.name, text(cond), 0, space.size(), time.perf_counter() - t0, [], limit)
    assume = [] if lit is True else [lit]
    if lit is True:
        with g.ctl.backend() as be:
            lit = be.add_atom()
            be.add_rule([lit])
    if space.size() > ENUMERATE_MAX:
        found = cover(g, lit, lambda m: "match", lambda key: lit)
        patterns = sorted((p for _k, p in found), key=lambda p: -p.count)
        return FindResult(space.name, text(cond), sum(p.count for p in patterns), space.size(),
                          time.perf_counter() - t0, patterns, limit)
    rows: list[tuple[int, ...]] = []
    dims = dims_of(g)

    def on_model(m) -> None:
        choice = g.choice_of(m)
        row: list[int] = []
        for slot, k in zip(g.layout.slots, choice, strict=True):
            row.extend(slot.combos[k])
        rows.append(tuple(row))

    g.ctl.configuration.solve.models = 0
    g.ctl.solve(assumptions=assume, on_model=on_model)
    patterns = compress(rows, dims)
    return FindResult(space.name, text(cond), len(rows), space.size(), time.perf_counter() - t0, patterns, limit)
