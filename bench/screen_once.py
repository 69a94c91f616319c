"""One `earlog screen` of a generated order book in this process, for A/B comparisons.

bench_screen.py measures every mode and size in child processes; this runs one screen with the
fast engine and prints one JSON line: rows, wall and CPU seconds (`time.process_time`), peak
memory (`ru_maxrss`) and the engine's counters; with `--jobs N`, also the workers' CPU seconds
and the peak of the largest worker (`RUSAGE_CHILDREN`: the workers that ended; every pool has
ended when screen returns; a forked worker's resident set counts the pages it still shares
with this process).  Run two
builds side by side by putting one of them on PYTHONPATH (a snapshot made with `git archive
COMMIT src | tar -x -C DIR`), alternating the runs, and compare the reports with `cmp`; on a
shared machine read the CPU seconds.

    python -c "import sys; sys.path.insert(0, 'bench'); import orders_gen; from pathlib import Path; \
               print(orders_gen.write('uniform', 100000, Path('/tmp/books'), 2025))"
    EARLOG_POLICY=policy python bench/screen_once.py /tmp/books/uniform-100000-2025.csv \
        /tmp/books/base-2025.json /tmp/out-B.csv
    EARLOG_POLICY=policy PYTHONPATH=/tmp/base/src python bench/screen_once.py ... /tmp/out-A.csv

`--profile N` also prints cProfile's N costliest functions (by cumulative time) to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("book", help="the order book (CSV, JSON Lines, Parquet or .xlsx)")
    ap.add_argument("base", help="the base scenario (JSON or .earlog)")
    ap.add_argument("report", help="where the report goes (its extension chooses the format)")
    ap.add_argument("--jobs", type=int, default=1, help="solve misses in N worker processes (as screen --jobs)")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest functions")
    a = ap.parse_args()

    from earlog.screen import Options, screen

    start, cpu_start = time.perf_counter(), time.process_time()
    prof = cProfile.Profile() if a.profile else None
    if prof is not None:
        prof.enable()
    summary = screen(a.book, a.base, a.report, Options(engine="fast", jobs=a.jobs))
    if prof is not None:
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(a.profile)
    print(json.dumps({"rows": summary.rows, "wall": round(time.perf_counter() - start, 2),
                      "cpu": round(time.process_time() - cpu_start, 2),
                      "workers_cpu": round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), 2),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
                      "stats": summary.stats}, default=str))


if __name__ == "__main__":
    main()
