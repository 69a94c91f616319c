"""The quantity regimes of a fold, solved in batches (issue 9).

A row whose quantity the key holds only by its sign (quantitykeys.py) is folded with its
key's answer scaled to its own amounts.  Where the row's actual totals give test outcomes
that no total gives with the amounts the answer was solved with (one amount past a cap, the
other not), the fold needs the key's answer for the row's amounts: a *regime*
(`Screener._regime`), cached by (key, the outcomes the row's amounts can give).  That cache
key depends on the key's answer and the row's amounts, not on the running totals; only
whether a row needs it depends on the totals.  So when the fold first needs a regime, the
rows ahead of it whose amounts could need one not solved yet (the candidates: their amounts
give some outcome the key's answer cannot) are solved with it in one Control, up to a
batch's worth, instead of one Control each (a Control's fixed cost is most of a small
grounding).  Each is solved with the first candidate row's own quantity, as the fold would
for the first row needing it (the answer is shared by every row of the regime, scaled).
A candidate is counted (`stats_regimes`) and cached only when the fold takes it, so the
counts and the cache are those of solving each alone; the others are released once the fold
has passed their rows (a later row needing one solves it again).

With workers that take a batch at a time (`--jobs`, `--dask`: run.PoolMisses, run.DaskMisses),
every candidate of the whole fold is known when it starts (a regime's cache key depends on no
total), so they are all handed to the workers at once, in evaluation order, the first batches
small so the fold soon has its first answers: the workers solve while this process folds,
instead of idling while it solves each batch itself.  A handed answer is kept until the fold
takes it or passes the last row that could need it.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

from earlog.engine.keyed import KeyResult, solve_batch, solve_payloads, with_scenario

if TYPE_CHECKING:  # screening imports this module
    from earlog.engine.screening import Screener, _Rows

BATCH = 32  # regimes per Control (as screening._BATCH keys per payload)
LOOKAHEAD = 8192  # rows after the one needing a regime searched for other candidates
FIRST = 8  # regimes in the first batch handed to the workers (then doubling: the fold waits for it)
SWEEP = 64  # regimes taken between two releases of those the fold has passed


class RegimeBatcher:
    """One fold's regimes: those solved ahead of the rows that may need them, by cache key."""

    def __init__(self, screener: Screener, order: Any, r: _Rows, results: list) -> None:
        self.s, self.order, self.r, self.results = screener, order, r, results
        # solved, not yet taken by the fold: cache key -> (the place of its row in `order`, the answer)
        self.ahead: dict[tuple[Any, ...], tuple[int, KeyResult]] = {}
        self.pos: array[int] | None = None  # row -> its place in `order` (made when first needed)
        self.enabled = True  # off: each regime in a Control of its own (the tests compare both)
        # handed to the workers: cache key -> its batch (an index into `batches`), the place in
        # `order` of the last row that could need it, and the batches (ticket, cache keys, payloads)
        self.handed: dict[tuple[Any, ...], int] = {}
        self.last: dict[tuple[Any, ...], int] = {}
        self.batches: list[tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]]] | None] = []
        self.taken = 0
        self.workers = screener.map_misses if hasattr(screener.map_misses, "submit") else None
        if self.workers is not None:
            self._hand_over()

    def key(self, i: int, res: KeyResult, amounts: tuple[int, ...]) -> tuple[Any, ...]:
        """The cache key of the regime of row i (its key's answer `res`, its amounts)."""
        key_list, _key_rows = self.s._keys
        return (key_list[self.r.key[i]], ("\x01regime", self.s._reachable(res, amounts)))

    def solve(self, i: int, k: tuple[Any, ...]) -> KeyResult:
        """Row i's regime (cache key k), solved with the candidates ahead of it in one Control."""
        batch = [(i, k)]
        if self.enabled:
            self._passed(i)
            batch += self._candidates(i, k)
        s = self.s
        entries = []
        for j, _k in batch:
            cid, cross, ledger, tx = s._row_tx(j, self.r)
            entries.append((s._mini(s._closure_list[cid].ids, tx, ledger), cross, not ledger))
        outs = solve_batch(s.policy_dir, entries, eager=False)
        pos = self.pos
        for (j, kj), out in zip(batch[1:], outs[1:], strict=True):
            self.ahead[kj] = (pos[j] if pos is not None else 0, out)
        s._solved.append(outs[0])  # released with the fold's answers
        return outs[0]

    def take(self, i: int, k: tuple[Any, ...]) -> KeyResult | None:
        """A regime solved ahead for cache key k, now taken by the fold at row i (None if there is none)."""
        b = self.handed.pop(k, None)
        if b is not None:
            self._receive(b)
            self.taken += 1
            if self.taken % SWEEP == 0:
                self._passed(i)
        found = self.ahead.pop(k, None)
        if found is None:
            return None
        self.s._solved.append(found[1])  # released with the fold's answers
        return found[1]

    def _passed(self, i: int) -> None:
        """Release the regimes solved ahead for rows the fold has passed (row i's place) without
        taking them: memory stays bounded by the candidates within LOOKAHEAD rows; a later row that
        needs one solves it again."""
        pos = self.pos
        if pos is None or not self.ahead:
            return
        here = pos[i]
        for kj in [kj for kj, (at, _res) in self.ahead.items() if at < here]:
            self.ahead.pop(kj)[1].release()

    def finish(self) -> None:
        """The fold is over: the regimes solved ahead that no row took go (their Controls with them)."""
        for b in range(len(self.batches)):
            self._receive(b)  # the workers' answers that no row took: collected, so none is left behind
        self.handed.clear()
        for _at, res in self.ahead.values():
            res.release()
        self.ahead.clear()

    def _candidates(self, i: int, k: tuple[Any, ...]) -> list[tuple[int, tuple[Any, ...]]]:
        """Rows after row i (in evaluation order, within LOOKAHEAD rows) whose amounts give some test
        outcome their key's answer cannot, with their regimes' cache keys: neither cached nor solved
        ahead, one row each (the first), at most BATCH - 1."""
        from earlog.engine.screening import _CACHE

        s, order = self.s, self.order
        if self.pos is None:
            self.pos = array("q", bytes(8 * len(order)))
            for n, row in enumerate(order):
                self.pos[row] = n
        seen = {k}
        out: list[tuple[int, tuple[Any, ...]]] = []
        start = self.pos[i] + 1
        for j in order[start:start + LOOKAHEAD]:
            kj = self._needed(j)
            if kj is None or kj in seen or kj in self.ahead or kj in self.handed or (s._scope, kj) in _CACHE:
                continue
            seen.add(kj)
            out.append((j, kj))
            if len(out) >= BATCH - 1:
                break
        return out

    def _needed(self, j: int) -> tuple[Any, ...] | None:
        """The cache key of the regime row j needs: None when its amounts give no test outcome its
        key's answer cannot (or its chains are value-keyed, or it has none)."""
        from earlog.engine.screening import _UNREAD, NO_Q

        s, r = self.s, self.r
        q = r.qty[j]
        if q == NO_Q:
            return None
        res = self.results[r.key[j]]
        if res.value_members or not res.memberships or j in s._row_res:
            return None
        info = s._info_of(res)
        q0 = info.q0 if info.q0 is not _UNREAD else s._q0(info)
        if q == q0:
            return None
        amounts = s._scaled(res, (q, q0))
        if s._reachable(res, amounts) <= s._reachable(res):
            return None  # every outcome the row's totals can give, the key's answer gives
        return self.key(j, res, amounts)

    def _hand_over(self) -> None:
        """Every candidate of the fold (as _candidates, over all its rows, the first row of each cache
        key), handed to the workers in evaluation order: batches of FIRST keys, doubling up to
        screening.POOL_BATCH."""
        from earlog.engine.screening import _CACHE, POOL_BATCH

        s, order, last = self.s, self.order, self.last
        self.pos = pos = array("q", bytes(8 * len(order)))
        size = FIRST
        rows: list[tuple[int, tuple[Any, ...]]] = []
        for n, j in enumerate(order):
            pos[j] = n
            kj = self._needed(j)
            if kj is None:
                continue
            if kj in last:
                last[kj] = n
                continue
            if (s._scope, kj) in _CACHE:
                continue
            last[kj] = n
            rows.append((j, kj))
            if len(rows) >= size:
                self._send(rows)
                rows = []
                size = min(2 * size, POOL_BATCH)
        if rows:
            self._send(rows)

    def _send(self, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
        s = self.s
        payloads = [s._payload(s._row_tx(j, self.r)) for j, _kj in rows]
        assert self.workers is not None
        ticket = self.workers.submit(solve_payloads, payloads)
        b = len(self.batches)
        self.batches.append((ticket, [kj for _j, kj in rows], payloads))
        for _j, kj in rows:
            self.handed[kj] = b

    def _receive(self, b: int) -> None:
        """Batch b's answers, from the workers into `ahead` (once)."""
        batch = self.batches[b]
        if batch is None:
            return
        self.batches[b] = None
        ticket, kjs, payloads = batch
        assert self.workers is not None
        for kj, res, p in zip(kjs, self.workers.result(ticket), payloads, strict=True):
            self.ahead[kj] = (self.last[kj], with_scenario(res, p))
