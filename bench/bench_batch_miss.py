"""What a batched miss of the keyed engine costs: CPU seconds of `earlog screen` with the fast
engine on a generated order book whose keys are all distinct (every key a miss), against other
source trees in the same run (bench/README.md "A batched miss made cheaper").

Each run is a fresh process: it loads the policy (not timed), screens the book (every key a miss:
`miss run`), then screens it again in the same process (every key a hit: `hit run`, the pipeline
without solving).  The miss cost per key is (miss run - hit run) / keys.  Trees are interleaved run
by run, CPU time of the process (the machine is shared), medians over --runs; peak = ru_maxrss
after the miss run.

Usage:
  python bench/bench_batch_miss.py                          # this tree only
  python bench/bench_batch_miss.py --tree base=/tmp/mc-base # and main exported there (src/, policy/)
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def child(book: str, base: str, out: str) -> dict[str, float]:
    from earlog.engine import screening
    from earlog.engine.prepcache import keyed_state
    from earlog.screen import Options, screen

    keyed_state(os.environ.get("EARLOG_POLICY"))  # the policy, loaded before the clock starts
    c0 = time.process_time()
    s = screen(book, base, out, Options(engine="fast"))
    c1 = time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    again = screen(book, base, out.replace(".csv", "-again.csv"), Options(engine="fast"))
    c2 = time.process_time()
    if again.stats.get("misses", 0) not in (0, None) and again.stats.get("hits") != s.stats.get("keys"):
        print(f"warning: the second screen was not all hits: {again.stats}", file=sys.stderr)
    screening._CACHE.clear()
    return {"keys": s.stats["keys"], "miss_run": c1 - c0, "hit_run": c2 - c1, "peak_mb": peak}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--shape", default="repeating")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", action="append", default=[], help="LABEL=DIR holding src/ and policy/")
    ap.add_argument("--dir", default=None)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(*a.child)))
        return
    import orders_gen

    work = Path(a.dir or tempfile.mkdtemp(prefix="earlog-batch-miss-"))
    book, base = orders_gen.write(a.shape, a.rows, work)
    trees = [("this", ROOT)] + [(t.split("=", 1)[0], Path(t.split("=", 1)[1])) for t in a.tree]
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    for _ in range(a.runs):
        for label, tree in trees:
            env = {**os.environ, "PYTHONPATH": str(tree / "src"), "EARLOG_POLICY": str(tree / "policy")}
            r = subprocess.run([sys.executable, __file__, "--child", str(book), str(base),
                                str(work / f"report-{label}.csv")], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(r.stderr)
            results[label].append(json.loads(r.stdout.strip().splitlines()[-1]))
    first = trees[0][0]
    print(f"{a.shape} book, {a.rows} rows, {a.runs} runs, CPU medians")
    print(f"{'tree':8} {'keys':>6} {'miss run s':>11} {'hit run s':>10} {'miss ms/key':>12} {'vs ' + first:>8}"
          f" {'peak MB':>8}")
    ref = None
    for label, _ in trees:
        rs = results[label]
        miss = statistics.median(r["miss_run"] for r in rs)
        hit = statistics.median(r["hit_run"] for r in rs)
        per = statistics.median((r["miss_run"] - r["hit_run"]) / r["keys"] * 1000 for r in rs)
        ref = per if ref is None else ref
        peak = statistics.median(r["peak_mb"] for r in rs)
        print(f"{label:8} {rs[0]['keys']:>6} {miss:>11.2f} {hit:>10.2f} {per:>12.2f} {per / ref:>7.2f}x {peak:>8.0f}")
    reports = {label: (work / f"report-{label}.csv").read_bytes() for label, _ in trees}
    same = all(v == reports[first] for v in reports.values())
    print("reports identical across trees:", same)


if __name__ == "__main__":
    main()
