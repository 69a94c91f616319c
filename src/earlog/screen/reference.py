"""The reference screener: the whole book as one scenario, evaluated by today's engine.

Exact by construction (it is `earlog eval` on base + all rows), and slow: every
row is grounded together, so it suits small books, tests, and the differential
check of a fast screener.  It has the fast screener's interface, so the command
and the tests run unchanged on either.  `map_misses` is honoured: the one whole
evaluation is the single "miss", so `--jobs` and `--dask` run it in a worker
process or on the cluster, which is what their tests exercise with this engine.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from earlog.scenario.model import Scenario, Transaction
from earlog.verdict import Verdict


@dataclass
class ScreenRow:
    index: int  # 0-based position in the input book
    tx: Transaction  # already validated (ledger=False)


def evaluate_whole(payload: tuple[Scenario, list[int], str | None]) -> list[tuple[int, Verdict]]:
    """Top-level (picklable) so a process pool or a Dask worker can run it."""
    from earlog.engine import load_policy, solve
    from earlog.verdict import VERDICT_READS, build_verdicts

    sc, indices, policy_dir = payload
    verdicts = build_verdicts(solve(sc, load_policy(policy_dir), shown=VERDICT_READS))
    # build_verdicts answers the scenario's transactions in their order: the book's order
    return list(zip(indices, verdicts, strict=True))


class ReferenceScreener:
    """Screens by evaluating base + every row as one scenario."""

    def __init__(self, base: Scenario, *, policy_dir: str | None = None,
                 map_misses: Callable[[Callable[[Any], Any], list[Any]], Iterable[Any]] | None = None) -> None:
        self.base = base
        self.policy_dir = policy_dir
        self.map_misses = map_misses or map
        self.stats: dict[str, Any] = {"engine": "reference", "rows": 0, "solves": 0, "solve_seconds": 0.0}

    def screen(self, rows: Iterable[Any]) -> Iterator[tuple[int, Verdict]]:
        txs: list[Transaction] = []
        indices: list[int] = []
        for r in rows:
            txs.append(r.tx)
            indices.append(r.index)
        self.stats["rows"] += len(txs)
        if not txs:
            return
        sc = dataclasses.replace(self.base, transactions=txs)
        start = time.perf_counter()
        results = list(self.map_misses(evaluate_whole, [(sc, indices, self.policy_dir)]))
        self.stats["solves"] += 1
        self.stats["solve_seconds"] += time.perf_counter() - start
        yield from results[0]
