"""Dead rules: annotated rules that fire in no scenario of a space (by default `full`).

One ground program holds the space's choices and every rule's provenance twin
(`_earlog_fired`, engine/program.py); the solver's brave consequences (the union
of all answer sets, computed in one enumeration) name every rule that fires in
some scenario.  A rule outside that union can never fire there: a condition it
needs is impossible, or the space lacks the facts it reads (a rule about model
weights never fires in a space of chip deals), which the report says by
listing the input predicates the space never enters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from earlog.engine.policy import Policy, Rule
from earlog.engine.program import FIRED
from earlog.space.model import Space
from earlog.space.program import ground


@dataclass
class DeadRules:
    space: str
    size: int
    dead: list[Rule]
    fired: int
    total: int
    seconds: float
    policy: str

    def to_json(self) -> dict[str, Any]:
        return {"space": self.space, "size": self.size, "fired_somewhere": self.fired, "total": self.total,
                "seconds": round(self.seconds, 3),
                "dead": [{"rule": r.id, "file": f"{self.policy}/{r.file}", "line": r.line, "cite": r.cite}
                         for r in self.dead]}

    def text_lines(self) -> list[str]:
        lines = [f"dead rules: {len(self.dead)} of {self.total} rules fire in no scenario of space {self.space} "
                 f"({self.size:,} scenarios, {self.seconds:.1f} s)"]
        if self.dead:
            width = max(len(r.id) for r in self.dead)
            lines.append(f"  {'rule':<{width}}  where")
            lines += [f"  {r.id:<{width}}  {self.policy}/{r.file}:{r.line}" for r in self.dead]
        return lines


def dead_rules(space: Space, policy: Policy) -> DeadRules:
    t0 = time.perf_counter()
    g = ground(space, policy, traced=None, options=("--enum-mode=brave",), show=((FIRED, 2),))
    ctl = g.ctl
    last: list[set[str]] = []
    ctl.configuration.solve.models = 0
    ctl.solve(on_model=lambda m: last.append({s.arguments[0].string for s in m.symbols(shown=True)
                                              if s.name == FIRED}))
    fired = last[-1] if last else set()
    traced = [r for r in policy.rules.values() if r.head_predicate]
    dead = sorted((r for r in traced if r.id not in fired), key=lambda r: (r.file, r.line))
    return DeadRules(space.name, space.size(), dead, len(fired), len(traced), time.perf_counter() - t0, policy.name)


def default_dead_rules(policy: Policy, space_name: str = "full") -> DeadRules:
    from earlog.space.answers import lookup

    return dead_rules(lookup(space_name, {}), policy)
