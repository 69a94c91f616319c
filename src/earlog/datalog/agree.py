"""Do the two engines agree?  Verdict JSON field by field, for one scenario or for
every scenario of a set of suites (`earlog test --engine both`, and CI through
tests/test_engines_agree.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from earlog.engine import load_policy
from earlog.scenario.model import Scenario
from earlog.verdict import VERDICT_READS, Verdict, build_verdicts


@dataclass
class Disagreement:
    transaction: str
    field: str
    clingo: Any
    pydatalog: Any

    def text(self) -> str:
        a, b = (json.dumps(x, sort_keys=True) for x in (self.clingo, self.pydatalog))
        return f"engines disagree on {self.field} of {self.transaction}: clingo {a}, pydatalog {b}"


def both(sc: Scenario, explain: bool = False) -> tuple[tuple[list[Verdict], Any], tuple[list[Verdict], Any]]:
    """(verdicts, answer) from clingo, then from pyDatalog."""
    from earlog.datalog.engine import solve as pyd_solve
    from earlog.engine import solve

    policy = load_policy()
    a = solve(sc, policy, shown=VERDICT_READS, explain=explain)
    b = pyd_solve(sc, policy, shown=VERDICT_READS, explain=explain)
    return (build_verdicts(a), a), (build_verdicts(b), b)


def compare(clingo: list[Verdict], pydatalog: list[Verdict]) -> list[Disagreement]:
    """Every verdict field on which the engines differ (a transaction one engine lacks too)."""
    out: list[Disagreement] = []
    a = {v.transaction: v.to_json() for v in clingo}
    b = {v.transaction: v.to_json() for v in pydatalog}
    for tx in sorted(a.keys() | b.keys()):
        va, vb = a.get(tx), b.get(tx)
        if va is None or vb is None:
            out.append(Disagreement(tx, "(the verdict)", va is not None, vb is not None))
            continue
        for key in va.keys() | vb.keys():
            if va.get(key) != vb.get(key):
                out.append(Disagreement(tx, key, va.get(key), vb.get(key)))
    return sorted(out, key=lambda d: (d.transaction, d.field))


def disagreements(sc: Scenario) -> list[Disagreement]:
    (va, _), (vb, _) = both(sc)
    return compare(va, vb)


def engine_check(planned: list[tuple[Any, list[Any]]], engine: str) -> list[Any]:
    """Make the planned suite steps run on `engine`; for `both`, evaluate every
    scenario they see on both engines and return a failing result for each field
    the engines disagree on (the expectations then run on clingo's verdicts)."""
    from earlog.datalog.engines import CHOICES, check_engine
    from earlog.dsl.suite import Result

    check_engine(engine, CHOICES)
    if engine != "both":
        for _f, steps in planned:
            for s in steps:
                for ctx in (s.context, s.changed):
                    if ctx is not None:
                        ctx.engine = engine
        return []
    results = []
    seen: set[int] = set()
    for _f, steps in planned:
        for s in steps:
            ctx = s.context
            if s.todo or id(ctx) in seen:
                continue
            seen.add(id(ctx))
            (va, ans), (vb, _) = both(ctx.scenario)
            ctx._evaluated = (va, ans)  # the expectations read clingo's, without solving again
            q = s.question
            for d in compare(va, vb):
                results.append(Result(s.file, q.span.line, "engines agree", False, d.text(), s.case))
    return results
