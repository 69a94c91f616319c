"""Benchmark: the keyed engine's single answers and cold start, against today's engine in one run.

Measures medians of
  (a) one transaction, warm, by the whole-scenario engine (`solve` + `build_verdicts`),
      by `earlog.evaluate` on a cache miss (the decision-key cache cleared before each
      call) and on a cache hit;
  (b) the same with a party master of 5,000 declared parties (the transaction names two),
      through `earlog.evaluate` (which validates the whole scenario each call) and through a
      `Screener` holding the party master (one row per call);
  (c) whole processes: `earlog eval` of a two-order deal, keyed (prepared policy cached on
      disk) and with EARLOG_ENGINE=whole, and `earlog --help`, timed from outside
      (wall clock and the child's CPU seconds).
The machine is shared: quote medians, and ratios against the baseline of the same run.

Usage:
    python bench/bench_engine.py                 # all
    python bench/bench_engine.py --reps 200 --cold-runs 15
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import earlog
from earlog.engine import load_policy, screening, solve
from earlog.scenario.json_input import scenario_from_dict
from earlog.verdict import VERDICT_READS, build_verdicts

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}
COUNTRIES = ("BR", "IN", "SG", "MY", "US", "JP", "DE", "MX", "AE", "IL")


def deal(n_parties: int = 2) -> dict[str, Any]:
    parties = [{"id": "nuvem", "hq": "BR", "located": "BR", "parent": "grupo"}, {"id": "grupo", "hq": "BR"}]
    for i in range(n_parties - 2):
        p = {"id": f"party{i:05d}", "hq": COUNTRIES[i % len(COUNTRIES)]}
        if i % 3 == 1:
            p["parent"] = f"party{i - 1:05d}"
        parties.append(p)
    return {"parties": parties, "items": [H100],
            "transactions": [{"id": "order-1", "kind": "export", "item": "h100", "quantity": 1000, "from": "US",
                              "to": "BR", "consignee": "nuvem", "end_use": "inference", "date": "2025-06-01"}]}


CPU: dict[str, float] = {}  # CPU-time medians of the last measurements, by label


def median_ms(fn: Callable[[], Any], reps: int, before: Callable[[], Any] | None = None,
              label: str | None = None) -> float:
    """Median wall ms; the median CPU ms of the process goes to CPU[label] (on a shared machine a
    call is often descheduled for a whole time slice, which the CPU time does not count)."""
    times, cpus = [], []
    for _ in range(reps):
        if before is not None:
            before()
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    if label is not None:
        CPU[label] = statistics.median(cpus) * 1000
    return statistics.median(times) * 1000


def new_key() -> None:
    """What a miss is: the decision-key cache is empty."""
    screening._CACHE.clear()


def single(reps: int, n_parties: int) -> dict[str, float]:
    sc = scenario_from_dict(deal(n_parties))
    policy = load_policy()
    whole = [v.to_json() for v in build_verdicts(solve(sc, policy, shown=VERDICT_READS))]
    assert [v.to_json() for v in earlog.evaluate(sc)] == whole, "keyed and whole engines disagree"
    out = {
        "whole": median_ms(lambda: build_verdicts(solve(sc, policy, shown=VERDICT_READS)), reps, label="whole"),
        "keyed_miss": median_ms(lambda: earlog.evaluate(sc), reps, before=new_key, label="miss"),
        "keyed_hit": median_ms(lambda: earlog.evaluate(sc), reps * 5, label="hit"),
    }
    return out


def screener_rows(reps: int, n_parties: int) -> dict[str, float]:
    """One transaction per call against a base of n parties held by a Screener (a desk that loads
    its party master once): the cost must not grow with the master."""
    base = scenario_from_dict(deal(n_parties))
    tx = base.transactions[0]
    base.transactions = []
    s = screening.Screener(base)
    rows = [screening.ScreenRow(0, tx)]
    list(s.screen(rows))
    return {
        "keyed_miss": median_ms(lambda: list(s.screen(rows)), reps, before=new_key, label="miss"),
        "keyed_hit": median_ms(lambda: list(s.screen(rows)), reps * 5, label="hit"),
    }


def process(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(median wall seconds, median child CPU seconds) of a whole process."""
    walls, cpus = [], []
    subprocess.run(cmd, capture_output=True, env=env, check=True)  # warm-up (fills the disk cache)
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        walls.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def cold(runs: int) -> dict[str, tuple[float, float]]:
    exe = os.path.join(os.path.dirname(sys.executable), "earlog")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(deal(), f)
        path = f.name
    env = dict(os.environ)
    whole = dict(env, EARLOG_ENGINE="whole")
    keyed = dict(env, EARLOG_ENGINE="keyed")
    out = {
        "earlog --help": process([exe, "--help"], runs, env),
        "earlog eval (keyed)": process([exe, "eval", path], runs, keyed),
        "earlog eval (whole)": process([exe, "eval", path], runs, whole),
    }
    os.unlink(path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--cold-runs", type=int, default=9)
    ap.add_argument("--skip-cold", action="store_true")
    args = ap.parse_args()
    # earlog.evaluate uses the keyed engine by default (api.py); stated, whatever the caller's env says
    os.environ["EARLOG_ENGINE"] = "keyed"
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}; "
          "wall medians, CPU medians in parentheses")
    print()
    print("| measurement | whole-scenario engine | keyed, miss | keyed, hit | miss / whole (CPU) |")
    print("|---|---:|---:|---:|---:|")
    for label, n in (("one transaction, warm", 2), ("one transaction among 5,000 parties", 5000)):
        r = single(args.reps, n)
        print(f"| {label} | {r['whole']:.2f} ms ({CPU['whole']:.2f}) | {r['keyed_miss']:.2f} ms ({CPU['miss']:.2f}) | "
              f"{r['keyed_hit']:.3f} ms ({CPU['hit']:.3f}) | {r['keyed_miss'] / r['whole']:.2f}x "
              f"({CPU['miss'] / CPU['whole']:.2f}x) |")
    print()
    print("| one transaction per call, party master held by a `Screener` | keyed, miss | keyed, hit |")
    print("|---|---:|---:|")
    for n in (2, 5000):
        r = screener_rows(args.reps, n)
        print(f"| {n:,} parties | {r['keyed_miss']:.2f} ms ({CPU['miss']:.2f}) | {r['keyed_hit']:.3f} ms "
              f"({CPU['hit']:.3f}) |")
    if not args.skip_cold:
        print()
        print("| whole process | wall (median) | CPU (median) |")
        print("|---|---:|---:|")
        for label, (wall, cpu) in cold(args.cold_runs).items():
            print(f"| {label} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
