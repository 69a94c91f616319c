"""Benchmark: what value-keyed chains (running_fit exact_before) cost the keyed engine.

The differential test's generator (tests/test_screening_differential.py) makes a book with
VEU holders, declared deployments and shipments that cross the UVEU/NVEU limits and the
country allocations; the same book with the VEU holders removed is the comparison (its
allocation crossings are folded by the allocation's declared tests, no row solved with its
totals).  Each
book is screened by the keyed engine (decision-key cache cleared first) and evaluated by
the whole-scenario engine, in one run; medians over --reps runs.

Usage:
    python bench/bench_value_chains.py --rows 1000 --reps 3
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_screening_differential import generate  # noqa: E402

from earlog.engine import load_policy, screening, solve  # noqa: E402
from earlog.engine.screening import Screener, ScreenRow  # noqa: E402
from earlog.scenario.json_input import scenario_from_dict  # noqa: E402
from earlog.verdict import VERDICT_READS, build_verdicts  # noqa: E402


def _without_veu(book: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(book)
    for p in out["parties"]:
        p.pop("veu", None)
        p.pop("deployment", None)
    for e in out["ledger"]:
        if e.get("authorization") in ("UVEU", "NVEU"):
            del e["authorization"]
    return out


def _run(book: dict[str, Any], reps: int) -> dict[str, Any]:
    sc = scenario_from_dict(book)
    keyed, whole, stats = [], [], {}
    for _ in range(reps):
        screening._CACHE.clear()
        t0 = time.perf_counter()
        s = Screener(sc)
        n = sum(1 for _ in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions)))
        keyed.append(time.perf_counter() - t0)
        stats = s.stats
        t0 = time.perf_counter()
        build_verdicts(solve(sc, load_policy(), shown=VERDICT_READS))
        whole.append(time.perf_counter() - t0)
    k, w = statistics.median(keyed), statistics.median(whole)
    return {"rows": n, "keyed_rows_per_s": round(n / k), "whole_rows_per_s": round(n / w),
            "keyed_over_whole": round(w / k, 2), "keys": stats["keys"], "value_rows": stats["value_rows"],
            "exact_rows": stats["exact_rows"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    book = generate(a.seed, a.rows, n_parties=100)
    for name, b in (("VEU-heavy", book), ("same book, no VEU holders", _without_veu(book))):
        print(name, _run(b, a.reps), flush=True)


if __name__ == "__main__":
    main()
