"""How many decision keys an order book has, with dates and quantities exact and as the policy reads them.

The keyed engine solves each distinct decision key once (a miss); every other row of
the key is a hit.  This counts the distinct keys of the generated books of
`bench_screen.py` (orders_gen.py) without solving any: the key of each row as
`Screener` builds it (closure digest, own fields, ledger flag), once with the exact
values of the integer fields (the engine before engine/datekeys.py), once with the
abstraction of engine/datekeys.py, and once with the quantity held only by its sign as well
(engine/quantitykeys.py, `Screener.key_values`).  Time is that of building the keys only.

    python bench/bench_datekeys.py --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orders_gen  # noqa: E402

from earlog.engine.screening import Screener, _tx_refs, _tx_values  # noqa: E402
from earlog.scenario.json_input import scenario_from_dict  # noqa: E402
from earlog.scenario.model import Transaction  # noqa: E402


def transactions(shape: str, n: int, base: dict, seed: int):
    for cells in orders_gen.rows(shape, n, base, seed):
        rec = dict(zip(orders_gen.FIELDS, cells, strict=True))
        yield Transaction(id=rec["id"], kind=rec["kind"], item=rec["item"], quantity=int(rec["quantity"]),
                          from_=rec["from"], to=rec["to"], consignee=rec["consignee"], end_user=rec["end_user"],
                          end_use=rec["end_use"], date=int(dt.date.fromisoformat(rec["date"]).strftime("%Y%m%d")),
                          prior_notification=True, prior_certification=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--shapes", nargs="+", default=["repeating", "uniform"])
    ap.add_argument("--seed", type=int, default=2025)
    a = ap.parse_args()
    base = orders_gen.base(seed=a.seed)
    s = Screener(scenario_from_dict(base))
    print("field keys:", s.stats.get("field_keys") or s._field_report)
    print("\n| book | rows | keys, exact | keys, dates as read | keys, dates as read, quantity by sign "
          "| rows per key (exact / dates / dates + quantity) | key µs/row |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for shape in a.shapes:
        for n in a.sizes:
            exact: set = set()
            read: set = set()
            scaled: set = set()
            t0 = time.perf_counter()
            for tx in transactions(shape, n, base, a.seed):
                digest = s._closure_list[s._closure(_tx_refs(tx))].digest
                values = _tx_values(tx)
                exact.add((digest, values))
                read.add((digest, s.field_keys.key(values)))
                scaled.add((digest, s.key_values(tx)[0]))
            us = (time.perf_counter() - t0) / n * 1e6
            print(f"| {shape} | {n:,} | {len(exact):,} | {len(read):,} | {len(scaled):,} | "
                  f"{n / len(exact):.2f} / {n / len(read):.2f} / {n / len(scaled):.2f} | {us:.0f} |", flush=True)


if __name__ == "__main__":
    main()
