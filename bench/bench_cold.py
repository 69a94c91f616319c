"""Benchmark: cold commands, timed as whole processes (issue 9, point 4).

Times, in one run and in turn (one round runs every command once, so a drift in the
machine's speed touches them all alike):
  - the floors: `python -c pass` (the interpreter) and `python -c 'import clingo'`;
  - `earlog --help`;
  - `earlog eval` of a small deal (two orders, JSON) with the default (keyed) engine and with
    EARLOG_ENGINE=whole (the whole-scenario engine), each with a warm disk cache (the policy prepared by an
    earlier process, engine/textcache.py and engine/prepcache.py) and with EARLOG_CACHE_DIR=off
    (the policy parsed by this process).
Each figure is the median of --runs, wall clock and the child's CPU seconds (user + system),
with the ratio to `import clingo` of the same run.  Before timing, each command runs once
with bytecode writing allowed, so the modules are timed as an installed package has them
(compiled), whatever PYTHONDONTWRITEBYTECODE says.  The machine is shared: quote medians,
ratios and the load average printed with them.

With --baseline SRC (the src/ folder of another checkout of earlog, e.g. an earlier commit
unpacked by `git archive`), `earlog --help` and the default `earlog eval` (warm cache) are also
timed with that code first on the path, in the same rounds.

Usage:
    python bench/bench_cold.py               # 9 rounds
    python bench/bench_cold.py --runs 15 --deal queries/scenarios/brazil_cloud.json
    mkdir /tmp/base && git archive cfdb083 | tar -x -C /tmp/base
    python bench/bench_cold.py --baseline /tmp/base/src
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
from pathlib import Path

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}
DEAL = {
    "parties": [{"id": "nuvem", "hq": "BR", "located": "BR", "parent": "grupo"}, {"id": "grupo", "hq": "BR"}],
    "items": [H100],
    "transactions": [
        {"id": "order-1", "kind": "export", "item": "h100", "quantity": 1000, "from": "US", "to": "BR",
         "consignee": "nuvem", "end_use": "inference", "date": "2025-06-01"},
        {"id": "order-2", "kind": "export", "item": "h100", "quantity": 800, "from": "US", "to": "BR",
         "consignee": "nuvem", "end_use": "inference", "date": "2025-07-01"},
    ],
}


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def earlog_command() -> list[str]:
    exe = Path(sys.executable).with_name("earlog")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "earlog.cli"]


def commands(deal: str, cache: str, baseline: str | None = None) -> dict[str, tuple[list[str], dict[str, str]]]:
    env = {k: v for k, v in os.environ.items() if k not in ("EARLOG_ENGINE", "EARLOG_CACHE_DIR")}
    warm = dict(env, EARLOG_CACHE_DIR=cache)
    off = dict(env, EARLOG_CACHE_DIR="off")
    earlog = earlog_command()
    base: dict[str, tuple[list[str], dict[str, str]]] = {}
    if baseline:
        module = [sys.executable, "-m", "earlog.cli"]
        benv = dict(warm, PYTHONPATH=os.path.abspath(baseline))
        base = {"earlog --help (baseline)": ([*module, "--help"], benv),
                "earlog eval, default engine of that code, warm cache (baseline)": ([*module, "eval", deal], benv)}
    return base | {
        "python -c pass": ([sys.executable, "-c", "pass"], env),
        "python -c 'import clingo' (floor)": ([sys.executable, "-c", "import clingo"], env),
        "earlog --help": ([*earlog, "--help"], warm),
        "earlog eval, default (keyed) engine, warm cache": ([*earlog, "eval", deal], warm),
        "earlog eval, whole-scenario engine, warm cache": ([*earlog, "eval", deal], dict(warm, EARLOG_ENGINE="whole")),
        "earlog eval, default (keyed) engine, cache off": ([*earlog, "eval", deal], off),
        "earlog eval, whole-scenario engine, cache off": ([*earlog, "eval", deal], dict(off, EARLOG_ENGINE="whole")),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9, help="rounds (each runs every command once)")
    ap.add_argument("--deal", help="a scenario file to evaluate (default: a two-order JSON deal)")
    ap.add_argument("--baseline", help="src/ folder of another earlog checkout, timed beside this one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        deal = args.deal
        if deal is None:
            deal = str(Path(tmp) / "deal.json")
            Path(deal).write_text(json.dumps(DEAL))
        todo = commands(deal, str(Path(tmp) / "cache"), args.baseline)
        for cmd, env in todo.values():  # warm the disk cache and the bytecode
            run_once(cmd, {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"})
        load_before = os.getloadavg()
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in todo}
        for _ in range(args.runs):
            for label, (cmd, env) in todo.items():
                times[label].append(run_once(cmd, env))
        load_after = os.getloadavg()
    floor = "python -c 'import clingo' (floor)"
    fw = statistics.median(w for w, _c in times[floor])
    fc = statistics.median(c for _w, c in times[floor])
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.runs} rounds, deal {args.deal or 'two orders'};"
          f" load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print()
    print("| whole process | wall (median) | CPU (median) | wall / floor | CPU / floor |")
    print("|---|---:|---:|---:|---:|")
    for label, ts in times.items():
        w = statistics.median(x for x, _c in ts)
        c = statistics.median(x for _w, x in ts)
        print(f"| {label} | {w * 1000:.0f} ms | {c * 1000:.0f} ms | {w / fw:.1f}x | {c / fc:.1f}x |")


if __name__ == "__main__":
    main()
