"""Overhead of explanations: one evaluation without and with them, in the same run.

Without explanations the engine keeps its small traced set; with them every
annotated rule gets a provenance twin and each verdict carries the why-tree of
its outcome.  The target (issue 5) is at most 3x.  Medians over repeated warm
runs; the policy is parsed once, as in a long-running process.

    EARLOG_POLICY=policy python bench/bench_explain.py [--runs N]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import earlog
from earlog.scenario.json_input import scenario_from_dict

BASE: dict[str, Any] = {
    "parties": [
        {"id": "nuvem", "hq": "BR", "located": "BR"},
        {"id": "acme-us", "hq": "US", "located": "US"},
        {"id": "sub-mx", "hq": "MX", "located": "MX", "parent": "acme-us"},
    ],
    "items": [{"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}],
    "transactions": [],
}


def scenario(n: int) -> dict[str, Any]:
    """n transactions to Brazil and Mexico (LPP, allocation and approval paths), over a year."""
    s = copy.deepcopy(BASE)
    for i in range(n):
        to, who = (("BR", "nuvem"), ("MX", "sub-mx"))[i % 2]
        s["transactions"].append({
            "id": f"t{i}", "kind": "export", "item": "h100", "quantity": 400 + 50 * i, "from": "US", "to": to,
            "consignee": who, "end_user": who, "end_use": "inference",
            "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"})
    return s


def medians(f: Callable[[], object], g: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median seconds of f and of g, timed alternately so both see the same machine load."""
    f()
    g()  # warm: policy parsed, programs cached
    tf, tg = [], []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        tf.append(time.perf_counter() - t)
        t = time.perf_counter()
        g()
        tg.append(time.perf_counter() - t)
    return statistics.median(tf), statistics.median(tg)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    print(f"{'transactions':>12} {'plain ms':>10} {'explain ms':>11} {'ratio':>6}")
    worst = 0.0
    for n in (1, 4, 16):
        sc = scenario_from_dict(scenario(n))
        plain, explained = medians(lambda sc=sc: earlog.evaluate(sc),
                                   lambda sc=sc: earlog.evaluate(sc, explain=True), args.runs)
        ratio = explained / plain
        worst = max(worst, ratio)
        print(f"{n:>12} {plain * 1000:>10.1f} {explained * 1000:>11.1f} {ratio:>6.2f}")
    print(f"worst ratio {worst:.2f} (target <= 3.00)")
    return 0 if worst <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
