"""Benchmark: the pyDatalog engine beside clingo, in one run, on the same scenarios.

Measures medians of
  (a) one transaction evaluated in a warm process (`earlog.evaluate(sc)` and
      `earlog.evaluate(sc, engine="pydatalog")`, interleaved), and
  (b) the deterministic 1,000- and 10,000-transaction scenarios of bench_eval.py
      (500 parties, 50 countries, ledger entries), on both engines,
and checks that both engines give the same verdict JSON for every transaction
measured.  pyDatalog is slow on large scenarios: sizes above --max-pydatalog are
not run on it; their time is extrapolated from the two largest sizes it ran,
with a power law through those two points, and printed as an extrapolation.

Usage:
    EARLOG_POLICY=policy python bench/bench_datalog.py
    python bench/bench_datalog.py --sizes 1000 10000 --max-pydatalog 2000 --extra 2000
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_eval import ITEMS, fmt, generate, median_seconds  # noqa: E402

import earlog  # noqa: E402
from earlog.engine import load_policy  # noqa: E402
from earlog.scenario.json_input import scenario_from_dict  # noqa: E402


def verdicts(sc, engine: str) -> list[dict]:
    return [v.to_json() for v in earlog.evaluate(sc, engine=engine)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--extra", type=int, nargs="*", default=[2000],
                    help="further sizes run on pyDatalog only to extrapolate from")
    ap.add_argument("--max-pydatalog", type=int, default=2000, help="largest size run on pyDatalog")
    ap.add_argument("--single-reps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}, earlog {earlog.__version__}, policy {load_policy().root}")

    one = scenario_from_dict({
        "parties": [{"id": "nuvem", "hq": "BR", "located": "BR"}],
        "items": [ITEMS[0]],
        "transactions": [{"id": "t1", "kind": "export", "item": "h100", "quantity": 1000, "from": "US", "to": "BR",
                          "consignee": "nuvem", "end_user": "nuvem", "end_use": "inference", "date": "2025-06-01"}],
    })
    assert verdicts(one, "clingo") == verdicts(one, "pydatalog")
    for _ in range(3):
        verdicts(one, "clingo")
        verdicts(one, "pydatalog")
    c1, _ = median_seconds(lambda: earlog.evaluate(one), args.single_reps)
    p1, _ = median_seconds(lambda: earlog.evaluate(one, engine="pydatalog"), args.single_reps)
    print(f"\n(a) one transaction, warm process, median of {args.single_reps}:")
    print(f"    clingo    {fmt(c1)}\n    pydatalog {fmt(p1)}\n    ratio     {p1 / c1:.1f}x")

    print("\n(b) generated scenarios (bench_eval.generate):")
    print(f"    {'transactions':>12} {'reps':>4} {'clingo':>10} {'pydatalog':>12} {'ratio':>7} {'agree':>8}")
    measured: dict[int, float] = {}
    clingo_at: dict[int, float] = {}
    for n in sorted(set(args.sizes) | {x for x in args.extra if x <= args.max_pydatalog}):
        sc = scenario_from_dict(generate(n, args.seed))
        reps = 3 if n <= 1000 else 1
        c, _ = median_seconds(lambda sc=sc: earlog.evaluate(sc), reps)
        clingo_at[n] = c
        if n > args.max_pydatalog:
            continue
        p, _ = median_seconds(lambda sc=sc: earlog.evaluate(sc, engine="pydatalog"), reps)
        measured[n] = p
        same = verdicts(sc, "clingo") == verdicts(sc, "pydatalog")
        print(f"    {n:>12,} {reps:>4} {fmt(c):>10} {fmt(p):>12} {p / c:>6.0f}x {'yes' if same else 'NO':>8}")
    runs = sorted(measured)
    for n in sorted(args.sizes):
        if n in measured:
            continue
        c = clingo_at[n]
        if len(runs) >= 2:
            a, b = runs[-2], runs[-1]
            k = math.log(measured[b] / measured[a]) / math.log(b / a)
            est = measured[b] * (n / b) ** k
            print(f"    {n:>12,} {1:>4} {fmt(c):>10} {'~' + fmt(est):>12} {est / c:>6.0f}x {'not run':>8}"
                  f"   (pydatalog extrapolated: time ~ n^{k:.2f} through {a:,} and {b:,})")
        else:
            print(f"    {n:>12,} {1:>4} {fmt(c):>10} {'not run':>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
