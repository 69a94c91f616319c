"""The quantity regimes of a fold solved in batches (engine/regimes.py, issue 9 point 7).

A row whose quantity the key holds only by its sign is folded with its key's answer scaled;
where its totals give test outcomes that answer cannot (the key's first row passes the LPP
cap alone, this one fits: 15 CFR 740.29, seed 004 "up to a cumulative TPP of 26,900,000 per
year per ultimate consignee", decided by rule lpp.within_cap), the fold needs the key's answer
for the row's own amounts.  Those regimes are solved together, several per Control, and
every verdict stays the whole-scenario engine's.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import keyed_and_whole

from earlog.engine import keyed, regimes, screening

N = 6  # keys, each needing a regime


def _book() -> dict[str, Any]:
    """N kinds of H100-like item (their TPPs differ, so each is a key of its own), each shipped
    under LPP to its own consignee: first 9 units (past a 100,000 TPP cap alone), then 2 (fit)."""
    items = [{"id": f"h{j}", "eccn": "3A090.a", "tpp": 15_000 + 100 * j, "datacenter": True,
              "designer": "approved"} for j in range(N)]
    parties = [{"id": f"c{j}", "hq": "BR", "located": "BR"} for j in range(N)]
    txs = []
    for q, date in ((9, "2025-07-01"), (2, "2025-07-02")):
        for j in range(N):
            txs.append({"id": f"t{q}-{j}", "kind": "export", "item": f"h{j}", "quantity": q, "from": "US",
                        "to": "BR", "consignee": f"c{j}", "end_use": "inference", "date": date})
    # one more such key whose consignee's ledger already holds 6 units under LPP: its row of 2 could
    # need the answer for 2 units (a candidate, solved ahead) but does not fit either
    items.append({"id": "hx", "eccn": "3A090.a", "tpp": 14_000, "datacenter": True, "designer": "approved"})
    parties.append({"id": "cx", "hq": "BR", "located": "BR"})
    ledger = [{"id": "lx", "kind": "export", "item": "hx", "quantity": 6, "from": "US", "to": "BR", "consignee": "cx",
               "end_use": "inference", "date": "2025-06-01", "authorization": "LPP"}]
    for q, date in ((9, "2025-07-01"), (2, "2025-07-03")):
        txs.append({"id": f"t{q}-x", "kind": "export", "item": "hx", "quantity": q, "from": "US",
                    "to": "BR", "consignee": "cx", "end_use": "inference", "date": date})
    return {"parties": parties, "items": items, "transactions": txs, "ledger": ledger,
            "parameters": {"lpp_annual_cap_tpp": 100_000}}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of keys of each Control the regimes are solved in."""
    sizes: list[int] = []
    inner = regimes.solve_batch

    def solve_batch(policy_dir: Any, entries: list, **kw: Any) -> Any:
        sizes.append(len(entries))
        return inner(policy_dir, entries, **kw)

    monkeypatch.setattr(regimes, "solve_batch", solve_batch)
    screening._CACHE.clear()
    yield sizes
    screening._CACHE.clear()


@pytest.mark.parametrize("batched", [True, False])
def test_regimes_share_controls_and_verdicts_stay_exact(counted: list[int], batched: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if not batched:  # one Control per regime, as before: the same verdicts and counts
        init = regimes.RegimeBatcher.__init__

        def one_each(self: Any, *a: Any) -> None:
            init(self, *a)
            self.enabled = False

        monkeypatch.setattr(regimes.RegimeBatcher, "__init__", one_each)
    book = _book()
    s, got, want = keyed_and_whole(book)
    for w, g in zip(want, got, strict=True):
        diff = {k: (w[k], g[k]) for k in w if w[k] != g[k]}
        assert not diff, f"transaction {w['transaction']}: {diff}"
    # the rows of 9 pass the cap, those of 2 fit: each key needs its answer for 2 units
    by_id = {v["transaction"]: v for v in want}

    def within_cap_failed(tid: str) -> bool:
        return any(f.startswith("lpp.within_cap:") for f in by_id[tid]["exceptions"]["LPP"]["failed"])

    assert all(within_cap_failed(f"t9-{j}") and not within_cap_failed(f"t2-{j}") for j in range(N))
    assert by_id["t2-x"]["lpp"]["used_tpp"] == 6 * 14_000 and within_cap_failed("t2-x")
    assert s.stats["quantity_regimes"] == N  # counted when the fold takes one: not the unused candidate
    assert not s._regimes.ahead and not keyed._KEPT  # the unused one released with its Control
    if batched:
        assert counted == [N + 1], counted  # every candidate in the first one's Control
    else:
        assert counted == [1] * N, counted


class Workers:
    """A map_misses taking one batch at a time (as run.PoolMisses), solving in this process; it
    records the size of each batch and when its answers were asked for."""

    def __init__(self) -> None:
        self.answers: dict[int, Any] = {}
        self.events: list[tuple[str, int]] = []

    def submit(self, fn: Any, batch: Any) -> int:
        ticket = len(self.events)
        self.events.append(("submit", len(batch)))
        self.answers[ticket] = fn(batch)
        return ticket

    def result(self, ticket: int) -> Any:
        self.events.append(("result", ticket))
        return self.answers.pop(ticket)

    def __call__(self, fn: Any, batches: Any) -> Any:
        return map(fn, batches)


def test_regimes_are_handed_to_the_workers_when_the_fold_starts(counted: list[int],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers that take a batch at a time, every candidate regime goes to them when the fold
    starts, before the fold asks for any; no regime is solved in this process, and the verdicts and
    counts are those of solving each alone."""
    monkeypatch.setattr(regimes, "FIRST", 2)
    workers = Workers()
    s, got, want = keyed_and_whole(_book(), map_misses=workers)
    for w, g in zip(want, got, strict=True):
        diff = {k: (w[k], g[k]) for k in w if w[k] != g[k]}
        assert not diff, f"transaction {w['transaction']}: {diff}"
    assert counted == []  # not one regime solved here
    # the keys (handed while the book was read), then the N + 1 candidates in batches of FIRST,
    # doubling; all three handed before the fold asks for the first one's answers
    submits = [t for t, (what, _n) in enumerate(workers.events) if what == "submit"]
    assert sum(workers.events[t][1] for t in submits) == s.stats["keys"] + N + 1
    regime_batches = submits[-3:]
    assert [workers.events[t][1] for t in regime_batches] == [2, 4, 1]
    first_asked = workers.events.index(("result", regime_batches[0]))
    assert regime_batches[-1] < first_asked
    assert s.stats["quantity_regimes"] == N
    assert not s._regimes.ahead and not s._regimes.handed and not workers.answers  # every answer collected
