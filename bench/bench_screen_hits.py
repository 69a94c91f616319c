"""The keyed screener's cost per row besides its misses (issue 9 point 7).

One process screens a generated book (orders_gen.py) through `earlog screen`'s function
twice: the first pass solves its misses, the second finds every key in the process's
cache, so its time is the per-row path alone (reading, checking, keys, the fold, the
verdicts, writing).  Printed per pass, one JSON line: CPU seconds (`time.process_time`),
wall seconds, the screener's keys and misses, its stage split (`Screener.stats["seconds"]`,
wall clock: keys includes reading and checking, yield includes writing), the CPU seconds
of the garbage collector's full collections and their number, and the peak RSS.

To compare two builds, run this script once with each on `PYTHONPATH` (e.g. an exported
snapshot's `src`), in fresh processes, interleaved or side by side; compare CPU seconds.

Usage:
  EARLOG_POLICY=policy python bench/bench_screen_hits.py --shape repeating --rows 100000
  EARLOG_POLICY=policy PYTHONPATH=/tmp/other/src python bench/bench_screen_hits.py --passes 3
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import orders_gen  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", default="repeating", choices=("repeating", "repeating_dated", "uniform"))
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--passes", type=int, default=2, help="the first solves the misses; the rest are all hits")
    ap.add_argument("--dir", default=None, help="where books are generated and reused (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()

    import earlog
    import earlog.engine.screening as screening
    from earlog.screen import Options, screen

    folder = Path(args.dir or tempfile.mkdtemp(prefix="earlog-hits-"))
    book, base = orders_gen.write(args.shape, args.rows, folder, args.seed)
    last: dict[str, Any] = {}
    inner = screening.Screener.screen

    def kept(self: Any, rows: Any) -> Any:  # the Screener of the pass, for its stats
        last["screener"] = self
        return inner(self, rows)

    screening.Screener.screen = kept  # type: ignore[method-assign]
    full = [0.0, 0, 0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            full[2] = time.process_time()
        elif info["generation"] == 2:
            full[0] += time.process_time() - full[2]
            full[1] += 1

    gc.callbacks.append(on_gc)
    print(json.dumps({"earlog": str(Path(earlog.__file__).parent), "book": str(book)}), flush=True)
    for p in range(args.passes):
        full[0], full[1] = 0.0, 0
        cpu, wall = time.process_time(), time.perf_counter()
        screen(book, base, folder / f"report-{p}.csv", Options(engine="fast"))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        st = last["screener"].stats
        print(json.dumps({
            "pass": p, "rows": st["rows"], "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "cpu_us_per_row": round(cpu / max(st["rows"], 1) * 1e6, 1),
            "keys": st["keys"], "misses": st["misses"], "quantity_regimes": st["quantity_regimes"],
            "stages_wall_s": {k: round(v, 2) for k, v in st["seconds"].items()},
            "full_gc": {"cpu_s": round(full[0], 2), "count": full[1]},
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }), flush=True)


if __name__ == "__main__":
    main()
