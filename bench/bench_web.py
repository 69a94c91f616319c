"""Benchmark: how long `earlog serve` takes to answer a deal of three transactions.

Measured in process with the framework's test client (no network), so the time is
the server's: request parsing, the DSL or JSON reader, evaluation, rendering.  Each
route is timed --reps times after one warm-up call; medians are printed beside the
same-run BASELINE, `earlog.evaluate` on the already-built scenario (the engine alone),
so the ratio shows what the web layer adds.  Target (issue 14): under 100 ms for a
deal of a few transactions.

Usage:
    python bench/bench_web.py            # 30 repetitions per route
    python bench/bench_web.py --reps 100
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from collections.abc import Callable

from fastapi.testclient import TestClient

import earlog
from earlog.web import create_app
from earlog.web.service import read_deal

DEAL = """\
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
party "Dragon Holdings" { hq: CN, located: CN }
party lionbyte { hq: SG, located: SG, parent: "Dragon Holdings" }
party kyoto_lab { hq: JP, located: JP }
transaction nuvem_order {
  export 1,000 h100 from US to BR,
  consignee: nuvem, end_user: nuvem, end_use: inference, date: 2025-06-01,
  prior_notification: yes, prior_certification: yes
}
transaction lionbyte_order {
  export 500 h100 from US to SG,
  consignee: lionbyte, end_user: lionbyte, end_use: training, date: 2025-06-01,
  prior_notification: yes, prior_certification: yes
}
transaction kyoto_order {
  export 2,000 h100 from US to JP,
  consignee: kyoto_lab, end_user: kyoto_lab, end_use: training, date: 2025-06-01,
  prior_notification: yes, prior_certification: yes
}
"""
LOCAL = "http://127.0.0.1:8000"  # a loopback Host: the guard refuses others without a token
CSRF = "bench-csrf-secret-0123456789"


def medians_ms(fns: list[Callable[[], object]], reps: int) -> list[tuple[float, float | None]]:
    """(median wall time, median Server-Timing) per call, round-robin over the calls (one
    of each per round), so a burst of load on the shared machine hits every route
    alike; one warm-up round first."""
    for fn in fns:
        fn()  # warm-up: policy loaded, caches filled
    times: list[list[float]] = [[] for _ in fns]
    server: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            r = fn()
            times[i].append((time.perf_counter() - t0) * 1000)
            st = getattr(r, "headers", {}).get("server-timing", "")
            if st.startswith("app;dur="):
                server[i].append(float(st[len("app;dur="):]))
    return [(statistics.median(t), statistics.median(s) if s else None) for t, s in zip(times, server, strict=True)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    c = TestClient(create_app(csrf_secret=CSRF), base_url=LOCAL)
    c.__enter__()  # one event loop for every call (as a running server has), not one per request
    h = {"X-CSRF-Token": CSRF}
    deal = read_deal(DEAL)
    sc = deal.scenario
    json_body = json.dumps(deal.builder.data)  # the same deal as scenario JSON (the DSL's own export)

    def ok(r: object) -> object:
        assert getattr(r, "status_code", 200) == 200, getattr(r, "text", r)
        return r

    rows = [
        ("BASELINE earlog.evaluate(scenario), engine only", lambda: earlog.evaluate(sc)),
        ("POST /v1/evaluate (JSON scenario)", lambda: ok(c.post("/v1/evaluate", content=json_body,
                                                                headers={"Content-Type": "application/json"}))),
        ("POST /v1/evaluate (query language)", lambda: ok(c.post("/v1/evaluate", content=DEAL,
                                                                 headers={"Content-Type": "text/plain"}))),
        ("POST /deal/evaluate (editor page: text verdicts)", lambda: ok(c.post("/deal/evaluate",
                                                                               data={"deal": DEAL}, headers=h))),
        ("POST /deal/whatif (tier BR = 1, both verdicts)", lambda: ok(c.post(
            "/deal/whatif", data={"deal": DEAL, "tier_country": "BR", "tier_value": "1"}, headers=h))),
    ]
    if shutil.which("dot"):
        rows.append(("POST /deal/why (memo + SVG tree, 1 level)", lambda: ok(c.post(
            "/deal/why", data={"deal": DEAL, "kind": "exception", "tx": "nuvem_order", "code": "LPP",
                               "depth": "1"}, headers=h))))
    print(f"deal of 3 transactions; median of {args.reps} calls each (test client, in process, round-robin)")
    print(f"  {'':<52} {'wall':>8}      {'server':>8}      {'wall vs BASELINE':>16}")
    meds = medians_ms([fn for _n, fn in rows], args.reps)
    base = meds[0][0]
    for (name, _fn), (ms, srv) in zip(rows, meds, strict=True):
        s = f"{srv:8.1f} ms" if srv is not None else f"{'-':>8}   "
        print(f"  {name:<52} {ms:8.1f} ms   {s}   x{ms / base:5.2f}")


if __name__ == "__main__":
    main()
