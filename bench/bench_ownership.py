"""How the ownership rules (policy/ownership.lp) scale with the depth of a parent chain.

A script, not a test.  For chains of 1,000 / 10,000 / 100,000 parties it grounds
policy/ownership.lp alone (medians of --repeat runs) and counts the ultimate_parent
atoms, against BASELINE: the old rules, which closed `owned_by/2` transitively
(N^2/2 atoms; 10,000 deep once took 16 GB).  BASELINE is measured only up to
--closure-max (default 3,000) parties, in the same run.

    python bench/bench_ownership.py                 # 1k / 10k / 100k, baseline at 1k and 2k
    python bench/bench_ownership.py --sizes 1000 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import clingo

CLOSURE = """
owned_by(P, Q) :- party_parent(P, Q).
owned_by(P, R) :- owned_by(P, Q), party_parent(Q, R).
has_parent(P) :- party_parent(P, _).
ultimate_parent(P, U) :- owned_by(P, U), not has_parent(U).
"""


def ground(n: int, program: str | None) -> tuple[float, int]:
    """Seconds to ground a chain of n parties, and the number of ultimate_parent atoms."""
    ctl = clingo.Control(["--warn=none"])
    if program is None:
        from earlog.engine import load_policy

        ctl.load(str(Path(load_policy().root) / "ownership.lp"))
    else:
        ctl.add("base", [], program)
    with ctl.backend() as b:
        for i in range(n - 1):
            b.add_rule([b.add_atom(clingo.Function("party_parent", [clingo.String(f"p{i}"),
                                                                     clingo.String(f"p{i + 1}")]))])
    t = time.perf_counter()
    ctl.ground([("base", [])])
    took = time.perf_counter() - t
    return took, sum(1 for _ in ctl.symbolic_atoms.by_signature("ultimate_parent", 2))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--closure-max", type=int, default=3000)
    a = ap.parse_args()
    print(f"{'parties':>8} {'ownership.lp (s)':>17} {'atoms':>8} {'BASELINE closure (s)':>21} {'ratio':>7}")
    for n in a.sizes:
        runs = [ground(n, None) for _ in range(a.repeat)]
        mine = statistics.median(r[0] for r in runs)
        base = "-"
        ratio = "-"
        if n <= a.closure_max:
            b = statistics.median(ground(n, CLOSURE)[0] for _ in range(a.repeat))
            base, ratio = f"{b:.3f}", f"{b / mine:.0f}x"
        print(f"{n:>8,} {mine:>17.3f} {runs[0][1]:>8,} {base:>21} {ratio:>7}")


if __name__ == "__main__":
    main()
