"""Benchmark: questions over spaces of scenarios (find, check, diff, smallest change).

Measures medians, in one run, of
  (a) BASELINE: one scenario of the space evaluated by the engine alone (a warm
      `earlog.evaluate`); times the space's size, this is what answering the same
      question one solver call per scenario would take;
  (b) `check` of shipped properties over the full space: ground once, one solver
      call (reported separately);
  (c) the smallest change for one conclusion (LPP for a 2,000-H100 order), warm;
  (d) a `diff` of two interpretations (cyprus_in_d5) over the full space;
  (e) `find` over the core space (enumerated and compressed);
  (f) how the time of a `check` grows as the dimensions of the full space are added
      one by one.

Usage:
    EARLOG_POLICY=policy python bench/bench_spaces.py            # everything
    python bench/bench_spaces.py --skip-diff --reps 3            # quicker
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from earlog.engine import load_policy
from earlog.space import condition as C
from earlog.space.answers import default_spaces
from earlog.space.model import Space, scenario_dict
from earlog.space.program import ground

PROPERTIES = [  # (text, builder) of shipped properties checked over `full` (queries/properties.earlog)
    ("exception ACA available implies not tier3_entity",
     lambda p: C.Implies(C.atom(p, "exception", "ACA", None), C.Not(C.atom(p, "field", "tier3_entity", None)))),
    ("exception LPP available implies not dest_tier = 3",
     lambda p: C.Implies(C.atom(p, "exception", "LPP", None), C.Not(C.atom(p, "field", "dest_tier", 3)))),
    ("tx_kind = in_country_transfer implies not exception LPP available",
     lambda p: C.Implies(C.atom(p, "field", "tx_kind", "in_country_transfer"),
                         C.Not(C.atom(p, "exception", "LPP", None)))),
]


def timed(f: Callable[[], object], reps: int) -> tuple[float, float, object]:
    """(median wall seconds, median CPU seconds, last result)."""
    wall, cpu, out = [], [], None
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        out = f()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


def check_fresh(space: Space, policy, prop) -> tuple[float, float, bool]:
    """Ground the space anew and solve once: (ground s, solve s, holds)."""
    g = ground(space, policy)
    lit = C.compile_literal(g, prop)
    t = time.perf_counter()
    found: list[int] = []
    g.ctl.configuration.solve.models = 1
    g.ctl.solve(assumptions=[-lit], on_model=lambda m: found.append(1))
    return g.ground_seconds, time.perf_counter() - t, not found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--skip-diff", action="store_true")
    args = ap.parse_args()
    import earlog
    from earlog.scenario.json_input import scenario_from_dict

    policy = load_policy()
    spaces = default_spaces()
    full, core = spaces["full"], spaces["core"]
    rows: list[tuple[str, str, str, str]] = []

    # (a) BASELINE: one scenario, evaluated alone, warm
    picks = {d.path: d.values[0] for d in core.dims}
    sc = scenario_from_dict(scenario_dict(core, picks))
    earlog.evaluate(sc)
    base_w, base_c, _ = timed(lambda: earlog.evaluate(sc), max(args.reps * 20, 50))
    rows.append(("(a) BASELINE: one scenario evaluated alone (warm)", f"{base_w * 1000:.1f} ms",
                 f"{base_c * 1000:.1f} ms", "1"))

    # (b) check over full
    for text, build in PROPERTIES:
        prop = build(policy)
        res = [check_fresh(full, policy, prop) for _ in range(args.reps)]
        g_s = statistics.median(r[0] for r in res)
        s_s = statistics.median(r[1] for r in res)
        assert all(r[2] for r in res), text
        naive = base_w * full.size()
        rows.append((f"(b) check `{text}` over full: ground + solve", f"{g_s + s_s:.3f} s "
                     f"({g_s:.3f} + {s_s:.3f})", "", f"{full.size():,} (one call per scenario: "
                     f"~{naive / 3600 / 24 / 365:,.0f} years)"))

    # (c) smallest change, warm
    from earlog.dsl.parser import parse_text
    from earlog.dsl.session import plan
    from earlog.space.answers import answer_search

    doc = ("item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }\n"
           "party nuvem { hq: BR, located: BR }\n"
           "transaction order7 { export 2,000 h100 from US to BR, consignee: nuvem, end_user: nuvem, "
           "end_use: inference, date: 2025-06-01 }\n"
           "why not exception LPP available for order7 -- smallest change\n")
    step = plan(parse_text(doc, "<bench>"))[0]
    answer_search(step)
    fix_w, fix_c, out = timed(lambda: answer_search(step), args.reps)
    assert "at most 1,699" in out[0]
    rows.append(("(c) smallest change: LPP for 2,000 H100s -> at most 1,699 (warm)", f"{fix_w:.3f} s",
                 f"{fix_c:.3f} s", f"{step.resolved['space'].size():,}"))

    # (e) find over core
    from earlog.space.search import find

    prop = C.atom(policy, "exception", "LPP", None)

    def find_fresh():
        from earlog.space import search

        search._GROUNDED.clear()
        return find(core, policy, prop)

    f_w, f_c, fr = timed(find_fresh, args.reps)
    rows.append((f"(e) find `exception LPP available` over core ({fr.count:,} found, {len(fr.patterns)} "
                 "pattern(s)), ground + enumerate", f"{f_w:.3f} s", f"{f_c:.3f} s", f"{core.size():,}"))

    # (d) diff over full
    if not args.skip_diff:
        from earlog.space.diff import diff

        d_w, d_c, dr = timed(lambda: diff(full, ("default", policy, {}),
                                          ("yes", policy, {"assume": {"cyprus_in_d5": "yes"}})), 1)
        rows.append((f"(d) diff cyprus_in_d5 over full ({dr.count:,} differ, "
                     f"{sum(len(g.patterns) for g in dr.groups)} patterns)", f"{d_w:.1f} s", f"{d_c:.1f} s",
                     f"{dr.size:,}"))

    # (f) growth: the dimensions of full added one at a time
    growth = []
    prop = PROPERTIES[0][1](policy)
    for k in range(1, len(full.dims) + 1):
        sp = Space(f"first {k}", full.data, full.tx, full.dims[:k], full.used)
        res = [check_fresh(sp, policy, prop) for _ in range(max(1, args.reps // 2))]
        growth.append((k, full.dims[k - 1].path, sp.size(), statistics.median(r[0] for r in res),
                       statistics.median(r[1] for r in res)))

    print("| measurement | wall (median) | CPU (median) | scenarios |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")
    print()
    print("| dimensions | last added | scenarios | ground | solve |")
    print("|---:|---|---:|---:|---:|")
    for k, path, size, gs, ss in growth:
        print(f"| {k} | {path} | {size:,} | {gs:.3f} s | {ss * 1000:.1f} ms |")


if __name__ == "__main__":
    Path(__file__)  # run as a script
    main()
