"""The keyed engine: each kind of decision is solved once, running totals are folded.

A transaction's answer depends only on what the policy can read for it: its own
fields, its item, the parties it names and every party of their ownership trees
(and of the parties those name), and the scenario's overlay.  `Screener` gives
each transaction a *decision key*: those facts, with every id replaced by a role
token, so two deals with different names but the same facts share one key (and
one solver answer).  Only input predicates some rule of the whole program reads
enter the key; dates enter it as the intervals the policy distinguishes (datekeys.py) and a
quantity the policy only multiplies into running amounts by its sign, each row's amounts
scaled by the fold (quantitykeys.py).  Keys are solved apart from every other transaction
(engine/keyed.py), with each running total left open; the fold then walks the
transactions in evaluation order (`Scenario.in_order()`), keeps the totals per
chain and key in exact integers, picks the variant of each answer whose fit
conditions hold, and fills the verdict's total fields.  Everything the fold needs
comes from the policy's running-total contract (policy/running_totals.lp,
engine/contract.py), which also decides whether the policy can be keyed at all.

The verdicts are exactly those of `engine.solve` + `verdict.build_verdicts` on
the whole scenario (tests/test_screening_differential.py).  Verdict objects share
their unchanged parts with the cached answer: treat them as read-only.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import itertools
import operator
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from earlog.engine import datekeys, quantitykeys
from earlog.engine.arith import big
from earlog.engine.closures import ClosureFacts
from earlog.engine.contract import fit_options, fit_outcome
from earlog.engine.keyed import (
    TX_TOKEN,
    KeyResult,
    Variant,
    decode,
    encode,
    may_compare,
    solve_batch,
    solve_payloads,
    with_scenario,
)
from earlog.engine.policy import Policy
from earlog.engine.prepared import overlay_facts
from earlog.engine.prepcache import keyed_state
from earlog.engine.regimes import RegimeBatcher
from earlog.errors import EngineBug, InputError
from earlog.scenario.model import Attestation, Item, Party, Scenario, Transaction, reference_fields
from earlog.verdict import fields_differing

# The scenario schema's references to parties and items (model.refers_to marks them; validate.py
# checks the same fields), so every entity a transaction can reach enters its closure.
TX_REFS = (*reference_fields(Transaction, "item"), *reference_fields(Transaction, "party"))
PARTY_REFS = reference_fields(Party, "party")
PARTY_LIST_REFS = reference_fields(Party, "party", many=True)  # lists of party ids
ITEM_REFS = reference_fields(Item, "party")
ATTESTATION_REFS = reference_fields(Attestation, "party")
TOKEN = "\x01e"

_TX_FIELDS = tuple(f.name for f in dataclasses.fields(Transaction) if f.name not in ("id", "src", *TX_REFS))
_tx_values = operator.attrgetter(*_TX_FIELDS)
_tx_refs = operator.attrgetter(*TX_REFS)
_BATCH = 32  # keys per Control solved in this process
# keys per batch handed to map_misses: a batch's Control costs ~30 ms to build wherever it is
# solved, and a worker's memory goes when it is replaced (bench/README.md "Misses handed over as
# they are found": 128 against 32 keys, 0.83x the workers' CPU)
POOL_BATCH = 128
_LOOKAHEAD = 1024  # rows after a value row's miss searched for others to solve in its Control
NO_Q = -(2 ** 63)  # _Rows.qty of a row whose key holds its quantity as it is
_Q_MAX = 2 ** 62


@dataclass
class ScreenRow:
    index: int  # 0-based position in the input book
    tx: Transaction  # already validated (ledger=False)


@dataclass
class _Closure:
    """The entities a transaction's answer can depend on, in role order."""

    ids: tuple[str, ...]  # real ids; role token i is TOKEN + str(i)
    digest: bytes  # the canonical facts of the entities, hashed


class _Rows:
    """Compact per-row records: no Scenario objects, a few ints per row."""

    def __init__(self) -> None:
        self.date = array("q")
        self.ledger = bytearray()
        self.index = array("q")  # input index, -1 for a ledger entry
        self.closure = array("q")
        self.key = array("q")
        self.qty = array("q")  # the row's quantity where its key holds only the sign (else NO_Q)
        self.txid = _Strings()


class _Chosen:
    """The fold's choice for each row: its variant, and the total before each of its memberships
    (the totals after are made again from these), in one flat array, not a tuple per row (~80 MB of
    a uniform book's 1,000,000 rows: bench/README.md "Main process memory at 1,000,000 rows").  A
    row has as many totals as its variant has memberships (Variant.counts); a total past +-_Q_MAX
    (2**62, inside the array's 64 bits) is kept apart, exactly."""

    def __init__(self, n: int) -> None:
        self.variants: list[Any] = [None] * n
        self.start = array("q", bytes(8 * n))  # where the row's totals begin in `flat`
        self.flat = array("q")
        self.wide: dict[int, tuple[int, ...]] = {}

    def put(self, i: int, variant: Variant, befores: list[int]) -> None:
        self.variants[i] = variant
        if befores:
            if min(befores) < -_Q_MAX or max(befores) > _Q_MAX:
                self.wide[i] = tuple(befores)
            else:
                self.start[i] = len(self.flat)
                self.flat.extend(befores)

    def befores(self, i: int) -> tuple[int, ...]:
        n = len(self.variants[i].counts)
        if not n:
            return ()
        if self.wide:
            found = self.wide.get(i)
            if found is not None:
                return found
        start = self.start[i]
        return tuple(self.flat[start:start + n])

    def __len__(self) -> int:
        return len(self.variants)


class _Strings:
    """A list of strings appended one by one, held as one UTF-8 buffer and its offsets: ~18 bytes
    an id of ten characters against ~64 for a str in a list (~50 MB of a 1,000,000-row book)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends = array("q")

    def append(self, x: str) -> None:
        self.data += x.encode("utf-8", "surrogatepass")  # any str round-trips, lone surrogates too
        self.ends.append(len(self.data))

    def __getitem__(self, i: int) -> str:
        start = self.ends[i - 1] if i else 0
        return self.data[start:self.ends[i]].decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self.ends)


class _AnswerInfo:
    """What the fold and the verdicts read from one key's answer on every row, read from it once."""

    __slots__ = ("res", "amounts", "tests", "q0", "scaled")

    def __init__(self, res: KeyResult, tests: dict[str, tuple[str, ...]]) -> None:
        self.res = res  # held: the memos that use it are keyed by its id
        self.amounts = tuple(m[2] for m in res.memberships)  # the amounts the answer was solved with
        self.tests = tuple((tests.get(chain), cap) for chain, _k, _a, cap in res.memberships)
        self.q0: Any = _UNREAD  # the quantity the answer was solved with (read when first asked)
        self.scaled: dict[int, tuple[int, ...]] = {}  # a row's quantity -> the amounts scaled to it (_scaled)


_UNREAD = object()
_NO_RUNNING: tuple[tuple[Any, ...], tuple[Any, ...]] = ((), ())
_REACH_MAX = 65_536  # entries of Screener._reach (cleared when full)
_SCALED_MAX = 65_536  # amounts scaled to a row's quantity, remembered over all answers (cleared when full)
_NAMES_MAX = 65_536  # entries of Screener._names (cleared when full)
_PARTS_MAX = 16_384  # (variant, closure, answer) whose real-id verdict fields are kept, per screen


class _KeyCache:
    """Solved keys kept across calls, least recently used first.  Each step (look up and mark as
    recent, store, trim) holds a lock: the web workbench screens and evaluates in threads, and a
    lookup followed by a separate move could find the key evicted by another thread in between."""

    def __init__(self) -> None:
        self._keys: OrderedDict[tuple[Any, ...], KeyResult] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, k: tuple[Any, ...]) -> KeyResult | None:
        """The key's answer, marked as recently used; None when it is not kept."""
        with self._lock:
            found = self._keys.get(k)
            if found is not None:
                self._keys.move_to_end(k)
            return found

    def keep(self, k: tuple[Any, ...], res: KeyResult) -> None:
        with self._lock:
            self._keys[k] = res

    def trim(self, most: int) -> None:
        """Forget the least recently used keys beyond `most`."""
        with self._lock:
            while len(self._keys) > most:
                self._keys.popitem(last=False)

    def __contains__(self, k: object) -> bool:
        return k in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def values(self) -> list[KeyResult]:
        with self._lock:
            return list(self._keys.values())

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


_CACHE = _KeyCache()
_CACHE_MAX = 20_000  # solved keys kept across calls (25-75 KB each, plain data: their Controls are closed)


class Screener:
    """Screens transactions against a base scenario with the keyed engine (see the module doc)."""

    def __init__(self, base: Scenario, *, policy_dir: str | None = None,
                 map_misses: Callable[[Callable[[Any], Any], list[Any]], Iterable[Any]] | None = None) -> None:
        self.base = base
        self.policy_dir = policy_dir
        state = keyed_state(policy_dir)  # FastPathRefused for a policy it cannot key
        self.policy: Policy = state.policy
        self.contract = state.contract
        self.map_misses = map_misses or map
        # solved here: the fold asks for the variants it needs; elsewhere: every variant is solved
        self._local = map_misses is None
        self.parties: dict[str, Party] = {p.id: p for p in base.parties}
        self.items: dict[str, Item] = {i.id: i for i in base.items}
        self._children: dict[str, list[str]] | None = None
        self._facts = ClosureFacts(base, self.parties, self.items, self.contract.reads)
        self._closures: dict[tuple[Any, ...], int] = {}
        self._closure_list: list[_Closure] = []
        self._names: dict[tuple[int, int], tuple[tuple[str, Any], ...]] = {}
        self._minis: dict[tuple[str, ...], tuple[list[Party], Item]] = {}
        # per answer (by id, the answer held): what the fold and the verdicts read from it on every row
        self._info: dict[int, _AnswerInfo] = {}
        self._n_scaled = 0  # entries of the _AnswerInfo.scaled memos (_scaled)
        # (answer id, amounts) -> (the answer, the outcomes those amounts can give): _reachable's memo
        self._reach: dict[tuple[int, tuple[int, ...]], tuple[KeyResult, frozenset[tuple[bool, ...]]]] = {}
        self._reach_sets: dict[frozenset[tuple[bool, ...]], frozenset[tuple[bool, ...]]] = {}
        # per (variant, closure, answer) (by ids, the objects held): the verdict's fields with real ids
        self._parts: dict[tuple[int, int, int], tuple[Variant, KeyResult, dict[str, Any], tuple[Any, ...]]] = {}
        self.overlay = _overlay_key(base)
        self._scope = (state.root, state.digest, id(state), self.overlay)
        # dates (and other integer fields) only as finely as the policy reads them (engine/datekeys.py)
        self.field_keys = datekeys.for_screener(state, overlay_facts(base), _TX_FIELDS)
        # a quantity the policy only multiplies into running amounts: by its sign (engine/quantitykeys.py)
        self.scaling = quantitykeys.scaled_field(self.contract)
        self._qpos = (_TX_FIELDS.index(self.scaling.field)
                      if self.scaling is not None and self.scaling.field in _TX_FIELDS else None)
        self._field_report = dict(self.field_keys.report)
        for sc in getattr(self.contract, "scalings", ()):
            f = sc.field
            if sc is self.scaling:
                self._field_report[f] = sc.report
            elif f in self.field_keys.exact:  # why it is not a factor either
                self._field_report[f] = f"exact: {self.field_keys.exact[f]}; not a factor: {sc.exact}"
        self.stats: dict[str, Any] = {}
        self._last: tuple[tuple[tuple[str, Any], ...], tuple[tuple[int, int], ...]] = _NO_RUNNING
        # when set, the rules that fired for each yielded row's atoms (what `expect ... by` reads)
        self.collect_fired = False
        self.fired: dict[int, dict[Any, list[str]]] = {}

    @property
    def running(self) -> list[tuple[str, Any, int, int]]:
        """The totals of the row last yielded: (chain, chain key, total before, total after) per
        membership (made when asked: most callers never ask)."""
        names, running = self._last
        return [(*names[j], b, a) for j, (b, a) in enumerate(running)]

    # --- validation -----------------------------------------------------------------

    def check(self, tx: Transaction) -> None:
        """Raise InputError if the transaction names something the base does not declare."""
        from earlog.scenario.validate import _check_tx

        vocab = keyed_state(self.policy_dir).vocabulary

        def country(code: str | None, src: Any, field: str) -> None:
            if code is not None and code not in vocab.countries:
                raise InputError(str(src.at(field)), f"unknown country code {code!r}; "
                                                     "expected an ISO 3166-1 alpha-2 code")

        _check_tx(tx, self.parties, self.items, vocab, country)

    # --- keys -------------------------------------------------------------------------

    def _children_of(self) -> dict[str, list[str]]:
        if self._children is None:
            children: dict[str, list[str]] = {}
            for p in self.base.parties:
                for f in PARTY_REFS:
                    q = getattr(p, f)
                    if q is not None:
                        children.setdefault(q, []).append(p.id)
                for f in PARTY_LIST_REFS:
                    for q in getattr(p, f):
                        children.setdefault(q, []).append(p.id)
            self._children = children
        return self._children

    def _closure(self, refs: tuple[Any, ...]) -> int:
        cid = self._closures.get(refs)
        if cid is not None:
            return cid
        children = self._children_of()
        tokens: dict[str, str] = {}

        def tok(x: str | None) -> str | None:
            if x is None:
                return None
            t = tokens.get(x)
            if t is None:
                t = tokens[x] = TOKEN + str(len(tokens))
            return t

        item = self.items[refs[0]]
        tok(item.id)
        queue = [p for p in refs[1:] if p is not None]
        queue += [getattr(item, f) for f in ITEM_REFS if getattr(item, f) is not None]
        queue += [getattr(a, f) for a in item.attestations for f in ATTESTATION_REFS]
        for p in queue:
            tok(p)
        seen = set(queue)
        i = 0
        while i < len(queue):
            p = self.parties[queue[i]]
            i += 1
            nxt = [getattr(p, f) for f in PARTY_REFS if getattr(p, f) is not None]
            nxt += [q for f in PARTY_LIST_REFS for q in getattr(p, f)]
            nxt += sorted(children.get(p.id, ()))
            for q in nxt:
                if q not in seen:
                    seen.add(q)
                    queue.append(q)
                    tok(q)
        ids = tuple(tokens)
        # the facts of the closure's scenario that are read (engine/closures.py: per entity, cached)
        text = self._facts.text(ids, refs)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
        cid = len(self._closure_list)
        self._closure_list.append(_Closure(ids, digest))
        self._closures[refs] = cid
        return cid

    def _mini(self, ids: tuple[str, ...], tx: Transaction | None, ledger: bool = False) -> Scenario:
        """The scenario of one key: overlay, the closure's entities and the transaction, ids as tokens."""
        tokens = {x: TOKEN + str(i) for i, x in enumerate(ids)}

        def tok(x: str | None) -> str | None:
            return None if x is None else tokens[x]

        # the closure's entities as tokens, made once per closure: every key's payload (KeyResult.payload,
        # kept to solve it again) shares them (read-only)
        made = self._minis.get(ids)
        if made is None:  # the tokenized entities the closure's digest was made from (engine/closures.py)
            mitem = self._facts.item(ids[0], tokens)[0]
            parties = [self._facts.party(x, tokens)[0] for x in ids[1:] if x in self.parties]
            made = self._minis[ids] = (parties, mitem)
        parties, mitem = made
        sc = Scenario(assume=self.base.assume, parameters=self.base.parameters, countries=self.base.countries,
                      parties=parties, items=[mitem])
        if tx is not None:
            mtx = dataclasses.replace(tx, id=TX_TOKEN, ledger=ledger, **{f: tok(getattr(tx, f)) for f in TX_REFS})
            if ledger:
                sc.ledger = [mtx]
            else:
                sc.transactions = [mtx]
        return sc

    def key_values(self, tx: Transaction, scaled: bool = True) -> tuple[tuple[Any, ...], int]:
        """A transaction's own fields as its key holds them (dates as the policy reads them,
        datekeys.py; a quantity the policy only multiplies into running amounts by its sign,
        quantitykeys.py), and the quantity the fold scales by (NO_Q: the key holds it as it is)."""
        values = self.field_keys.key(_tx_values(tx))
        qpos = self._qpos if scaled else None
        if qpos is not None:
            x = values[qpos]
            if type(x) is int and -_Q_MAX < x < _Q_MAX:
                return (*values[:qpos], ("\x01q", quantitykeys.sign(x)), *values[qpos + 1:]), x
        return values, NO_Q

    # --- screening -----------------------------------------------------------------

    def screen(self, rows: Iterable[ScreenRow]) -> Iterator[tuple[int, Any]]:
        """Yield (index, Verdict) in input order; base.ledger entries count, are not yielded."""
        t0 = time.perf_counter()
        r = _Rows()
        keys: dict[tuple[Any, ...], int] = {}
        key_list: list[tuple[Any, ...]] = []
        # per key: (closure, cross atoms, ledger, transaction) of its first row: what a miss is solved from
        key_rows: list[tuple[int, tuple[Any, ...], bool, Transaction]] = []

        # rows that report which rules fired show their own quantity's atoms: keep it exact
        key_values = functools.partial(self.key_values, scaled=not self.collect_fired)

        # run once per row: what it reads is looked up once
        closures_get, closure_list, keys_get = self._closures.get, self._closure_list, keys.get
        appends = (r.qty.append, r.date.append, r.ledger.append, r.index.append, r.closure.append, r.key.append,
                   r.txid.append)

        # workers that take a batch at a time (run.PoolMisses, run.DaskMisses) are handed each new key
        # as it is met, so they solve while the book is still read
        hand_over = self._hand_over if hasattr(self.map_misses, "submit") else None
        self._handing: tuple[list[int], list[tuple[Any, ...]]] = ([], [])
        self._handed: list[tuple[Any, list[int], list[tuple[Any, ...]]]] = []

        def add(tx: Transaction, index: int, ledger: bool) -> None:
            refs = _tx_refs(tx)
            cid = closures_get(refs)
            if cid is None:
                cid = self._closure(refs)
            values, q = key_values(tx)
            k = (closure_list[cid].digest, values, ledger, ())
            kid = keys_get(k)
            if kid is None:
                kid = keys[k] = len(key_list)
                key_list.append(k)
                key_rows.append((cid, (), ledger, tx))
                if hand_over is not None:
                    hand_over(kid, k, key_rows[kid])
            qty, date, led, ind, clo, key, txid = appends
            qty(q)
            date(tx.date)
            led(ledger)
            ind(index)
            clo(cid)
            key(kid)
            txid(tx.id)

        for e in self.base.ledger:
            add(e, -1, True)
        n_rows = 0
        # the rows again for a second screen only under a reading paired with a counterfactual (they
        # are most of the memory of a large book otherwise: bench/README.md "Peak memory at 1,000,000 rows")
        kept: list[ScreenRow] | None = [] if may_compare(self.policy_dir, overlay_facts(self.base)) else None
        for row in rows:
            add(row.tx, row.index, False)
            n_rows += 1
            if kept is not None:
                kept.append(row)
        t1 = time.perf_counter()
        results: list[KeyResult | None] = [None] * len(key_list)
        handed = self._collect(key_list, results) if hand_over is not None else 0
        hits, misses = self._solve(key_list, key_rows, results, r)
        misses += handed
        t2 = time.perf_counter()
        # evaluation order: by date, ledger first, then file order (a stable sort of the positions)
        order = array("q", sorted(range(len(r.date)), key=lambda i: r.date[i] * 2 + (0 if r.ledger[i] else 1)))
        self._keys = (key_list, key_rows)
        self.stats_value_hits = self.stats_value_misses = self.stats_regimes = 0
        self._row_res: dict[int, KeyResult] = {}
        self._solved: list[KeyResult] = []  # by _with_values in every fold: released at the end
        self._row_facts: dict[int, tuple[Any, ...]] = {}
        # cross-transaction conclusions (contract.cross): each row is given those about its own
        # entities, gathered from the variants the fold chooses, so the fold must be run with the very
        # atoms it gathers.  The answers already say which each key's variants conclude: taken as the
        # first guess, one fold settles it when every variant of a key concludes the same (a guess
        # the fold does not confirm is corrected below, as a first fold without any would be)
        crossed = self._guessed_cross(r, results)
        if crossed and self._rekey(crossed, r, keys, key_list, key_rows, results):
            h, m = self._solve(key_list, key_rows, results, r)
            hits += h
            misses += m
        self.stats_folds = 1
        chosen = self._fold(order, r, results)
        for _round in range(3):
            gathered = self._crossed(chosen, r, results)
            if gathered == crossed:
                break
            crossed = gathered
            if not self._rekey(crossed, r, keys, key_list, key_rows, results):
                break  # no row's own atoms changed: the fold stands
            h, m = self._solve(key_list, key_rows, results, r)
            hits += h
            misses += m
            del chosen  # the previous fold's rows go before the next fold makes its own
            self.stats_folds += 1
            chosen = self._fold(order, r, results)
        else:  # pragma: no cover - the contract check rules out feedback
            from earlog.errors import EngineBug
            raise EngineBug("cross-transaction conclusions did not settle")
        exact = self._exact(chosen, r, results)
        for res in [*results, *self._row_res.values(), *self._solved]:
            if res is not None:
                res.release()  # the Controls go; a variant asked for later is solved again
        t3 = time.perf_counter()
        self.stats = {"rows": n_rows, "ledger": len(self.base.ledger), "keys": len(key_list), "hits": hits,
                      "misses": misses,
                      "value_rows": {"hits": self.stats_value_hits, "misses": self.stats_value_misses},
                      "exact_rows": self._exact_stats,
                      "quantity_regimes": self.stats_regimes,
                      "folds": self.stats_folds,
                      "field_keys": self._field_report if not (self.collect_fired and self.scaling) else {
                          **self._field_report,
                          self.scaling.field: "exact: the rules that fired are collected, and their atoms show it"},
                      "seconds": {"keys": t1 - t0, "solve": t2 - t1, "fold": t3 - t2}}
        first = chosen.variants[len(self.base.ledger)] if len(chosen) > len(self.base.ledger) else None
        theirs = self._counterfactual(kept, first, exact)
        row_res, alt = self._row_res, self._alt
        rindex, rkey, rclosure, rqty, rtxid = r.index, r.key, r.closure, r.qty, r.txid
        info_get, names_get = self._info.get, self._names.get
        scaled = self.scaling is not None
        for i in range(len(self.base.ledger), len(r.index)):  # the rows, in input order
            index = rindex[i]
            kid, cid = rkey[i], rclosure[i]
            res = row_res.get(i) if row_res else None
            if res is None:
                res = results[kid]
            assert res is not None
            # the row's ratio, as _ratio; and its amounts again, as the fold scaled them (not kept per row)
            q = rqty[i]
            info = info_get(id(res))
            if info is None or info.res is not res:
                info = self._info_of(res)
            if q == NO_Q or not scaled or (i in row_res and i not in alt):
                ratio = None
            else:
                q0 = info.q0 if info.q0 is not _UNREAD else self._q0(info)
                ratio = None if q == q0 else (q, q0)
            variant = chosen.variants[i]
            if variant.counts:  # the total before each membership: ((before, after), ...)
                amounts = info.amounts if ratio is None else (info.scaled.get(q) or self._scaled(res, ratio))
                running = tuple([(b, b + a) if counts else (b, b) for b, a, counts
                                 in zip(chosen.befores(i), amounts, variant.counts, strict=True)])
            else:
                running = ()
            if exact:
                variant = exact.get(i, variant)
            if running:
                self._last = (names_get((cid, kid)) or self._chain_names(cid, kid, res), running)
            else:
                self._last = _NO_RUNNING
            if self.collect_fired:
                self.fired[index] = _fired(variant, r.txid[i], self._closure_list[cid].ids)
            v = self._row_verdict(variant, rtxid[i], cid, running, res, ratio)
            if theirs is not None:
                v.rests_on_ai_diffusion_rule = fields_differing(v.to_json(), theirs[index])
            yield index, v
        self._info.clear()
        self._reach.clear()
        self._reach_sets.clear()
        self._parts.clear()
        self.stats["seconds"]["yield"] = time.perf_counter() - t3

    def _row_verdict(self, variant: Variant, txid: str, cid: int, running: tuple[tuple[int, int], ...],
                     res: KeyResult, ratio: tuple[int, int] | None) -> Any:
        """The verdict of one row: the variant's, with the row's ids and totals.  What does not change
        between rows is kept per (variant, closure, answer): the verdict's fields with the closure's
        real ids (a repeated deal deuntokens them once), and where each total goes.  Per row only the id and
        the totals are filled, into copies of the containers that hold them."""
        k = (id(variant), cid, id(res))
        got = self._parts.get(k)
        if got is None or got[0] is not variant or got[1] is not res:
            if len(self._parts) >= _PARTS_MAX:
                self._parts.clear()
            ids = self._closure_list[cid].ids
            state = dict(variant.verdict.__dict__)
            for name in variant.token_fields:
                state[name] = _deuntoken(state[name], ids)
            chains = [m[0] for m in res.memberships]
            # per field holding totals (path of two steps): its container's kind and what goes where, in
            # before_paths' order; deeper paths apart (_set_path)
            tops: dict[str, tuple[str, int, list[tuple[Any, str, int]]]] = {}
            deep = []
            for path, what in variant.before_paths:
                kind, _sep, chain = what.rpartition(":")
                step = (path, kind, int(chain) if kind == "scaled" else chains.index(chain))
                if len(path) == 2:
                    node = state[path[0]]
                    mode = _DICT if node.__class__ is dict else _LIST if node.__class__ is list else \
                        _ITEMS if isinstance(node, (dict, list)) else _ATTRS
                    tops.setdefault(path[0], (path[0], mode, []))[2].append((path[1], kind, step[2]))
                else:
                    deep.append(step)
            plan = (tuple((top, mode, tuple(steps)) for top, mode, steps in tops.values()), tuple(deep))
            got = self._parts[k] = (variant, res, state, plan)
        state = got[2]
        tops_plan, deep_plan = got[3]
        d = state.copy()  # a shallow copy of the real-id fields
        d["transaction"] = txid
        for top, mode, steps in tops_plan:
            node = d[top]  # one copy of the container per row, the cached one untouched
            node = d[top] = node.copy() if mode <= _LIST else copy.copy(node)
            for key, kind, x in steps:
                value = _total(kind, x, running, res, ratio)
                if mode == _ATTRS:
                    setattr(node, key, value)
                else:
                    node[key] = value
        v = object.__new__(variant.verdict.__class__)
        v.__dict__ = d
        for path, kind, x in deep_plan:
            _set_path(v, path, _total(kind, x, running, res, ratio))
        return v

    def _solve(self, key_list: list, key_rows: list, results: list, r: _Rows) -> tuple[int, int]:
        hits = misses = 0
        todo: list[int] = []
        while len(results) < len(key_list):
            results.append(None)
        for kid, k in enumerate(key_list):
            if results[kid] is not None:
                continue
            found = _CACHE.recall((self._scope, k))
            if found is not None:
                results[kid] = found
                hits += 1
            else:
                todo.append(kid)
        if not todo:
            return hits, misses
        payloads = [self._payload(key_rows[kid]) for kid in todo]
        out: list[KeyResult] = []
        if self._local:
            for i in range(0, len(payloads), _BATCH):
                batch = payloads[i:i + _BATCH]
                out.extend(solve_batch(self.policy_dir, [p[1:] for p in batch], eager=False))
        else:
            batches = [payloads[i:i + POOL_BATCH] for i in range(0, len(payloads), POOL_BATCH)]
            for batch, sent in zip(self.map_misses(solve_payloads, batches), batches, strict=True):
                out.extend(with_scenario(res, p) for res, p in zip(batch, sent, strict=True))
        for kid, res in zip(todo, out, strict=True):
            results[kid] = res
            _CACHE.keep((self._scope, key_list[kid]), res)
            misses += 1
        _CACHE.trim(_CACHE_MAX)
        return hits, misses

    def _payload(self, key_row: tuple[int, tuple[Any, ...], bool, Transaction]) -> tuple[Any, ...]:
        """What a worker solves a key from (solve_payloads)."""
        cid, cross, ledger, tx = key_row
        return (self.policy_dir, self._mini(self._closure_list[cid].ids, tx, ledger), cross, not ledger)

    def _hand_over(self, kid: int, k: tuple[Any, ...], key_row: tuple[Any, ...]) -> None:
        """A key met for the first time while the book is read: to the workers in the next batch,
        unless an earlier screen answered it (then _solve finds it)."""
        if (self._scope, k) in _CACHE:
            return
        kids, payloads = self._handing
        kids.append(kid)
        payloads.append(self._payload(key_row))
        if len(kids) >= POOL_BATCH:
            self._flush_hand_over()

    def _flush_hand_over(self) -> None:
        kids, payloads = self._handing
        if kids:
            self._handed.append((self.map_misses.submit(solve_payloads, payloads), kids, payloads))  # type: ignore[attr-defined]
            self._handing = ([], [])

    def _collect(self, key_list: list, results: list) -> int:
        """The answers of the keys handed over while the book was read, in the order handed."""
        self._flush_hand_over()
        n = 0
        for ticket, kids, payloads in self._handed:
            for kid, res, p in zip(kids, self.map_misses.result(ticket), payloads, strict=True):  # type: ignore[attr-defined]
                results[kid] = with_scenario(res, p)
                _CACHE.keep((self._scope, key_list[kid]), res)
                n += 1
        self._handed.clear()
        return n

    def _fold(self, order: array[int], r: _Rows, results: list) -> _Chosen:
        """Walk the rows in evaluation order; keep each chain's total exactly."""
        totals: dict[tuple[str, Any], int] = {}
        values: dict[tuple[str, Any], tuple[Any, ...]] = {}  # value-keyed chain -> after atoms (real ids)
        chosen = _Chosen(len(order))
        self._order, self._pos, self._results = order, None, results  # for _ready_values
        self._prefetched: dict[tuple[Any, ...], KeyResult] = {}
        self._row_res.clear()
        self._alt: set[int] = set()  # rows given the key's answer for their amounts' regime (_regime)
        self._regimes = RegimeBatcher(self, order, r, results)
        reachable: dict[int, frozenset[tuple[bool, ...]]] = {}
        # the loop below runs once per row: what it reads per key or answer is looked up once
        rkey, rclosure, rqty = r.key, r.closure, r.qty
        names_get, info_get, totals_get = self._names.get, self._info.get, totals.get
        row_res = self._row_res
        for i in order:
            kid = rkey[i]
            res: KeyResult = results[kid]
            if res.value_members:
                res = self._row_res[i] = self._with_values(i, r, res, values)
            if not res.memberships:  # no running total: the variant alone
                variant = res.variants.get(())
                if variant is None or variant._pending is not None:
                    variant = res.variant(())
                chosen.put(i, variant, [])
            else:
                cid = rclosure[i]
                names = names_get((cid, kid)) or self._chain_names(cid, kid, res)
                info = info_get(id(res))
                if info is None or info.res is not res:
                    info = self._info_of(res)
                q = rqty[i]
                if q == NO_Q or i in row_res:  # the key holds the quantity, or solved for the row
                    ratio = None
                else:  # as _ratio
                    q0 = info.q0 if info.q0 is not _UNREAD else self._q0(info)
                    ratio = None if q == q0 else (q, q0)
                if ratio is None:
                    amounts = info.amounts
                else:  # as _scaled, remembered per answer and quantity
                    amounts = info.scaled.get(q)
                    if amounts is None:
                        amounts = self._scaled(res, ratio)
                fits = []
                befores = []
                for name, (tests, cap), amount in zip(names, info.tests, amounts, strict=True):
                    v = totals_get(name, 0)
                    befores.append(v)
                    for t in tests:
                        fits.append(fit_outcome(t, v, amount, cap))
                if ratio is not None:
                    ok = reachable.get(kid)
                    if ok is None:
                        ok = reachable[kid] = self._reachable(res)
                    if tuple(fits) not in ok:
                        # no total gives these outcomes with the amounts the answer was solved with (one
                        # amount past the cap, the other not): the key's answer for the row's amounts
                        res = self._row_res[i] = self._regime(i, r, res, amounts)
                        self._alt.add(i)
                        ratio = self._ratio(i, r, res)
                        amounts = self._scaled(res, ratio)
                        fits = self._fits(names, res, amounts, totals)
                fits_t = tuple(fits)
                variant = res.variants.get(fits_t)  # KeyResult.variant without its calls when built
                if variant is None or variant._pending is not None:
                    variant = res.variant(fits_t)
                for name, v, amount, counts in zip(names, befores, amounts, variant.counts, strict=True):
                    totals[name] = v + amount if counts else v
                chosen.put(i, variant, befores)  # the totals after are recomputed from these
            if res.value_members:  # the totals after this member are the next member's before
                ids = self._closure_list[r.closure[i]].ids
                for chain, ekey in res.value_members:
                    after = self.contract.afters[chain]
                    values[(chain, _untoken(ekey, ids))] = tuple(sorted(
                        (_untoken(a[3][1:], ids) for a in variant.after if a[1] == after), key=repr))
        self._regimes.finish()
        return chosen

    def _info_of(self, res: KeyResult) -> _AnswerInfo:
        info = self._info.get(id(res))
        if info is None or info.res is not res:
            info = self._info[id(res)] = _AnswerInfo(res, self.contract.tests)
        return info

    def _ratio(self, i: int, r: _Rows, res: KeyResult) -> tuple[int, int] | None:
        """(the row's quantity, the quantity its answer `res` was solved with) where they differ;
        None where the answer holds the row's own quantity (its key holds it, or the row was solved
        alone).  The answer may come from an earlier call's cache, solved for another first row."""
        q = r.qty[i]
        if q == NO_Q or (i in self._row_res and i not in self._alt) or self.scaling is None:
            return None
        info = self._info_of(res)
        q0 = info.q0 if info.q0 is not _UNREAD else self._q0(info)
        return None if q == q0 else (q, q0)

    def _q0(self, info: _AnswerInfo) -> int:
        """The quantity an answer was solved with (read from its payload once)."""
        payload = info.res.payload
        if payload is None:
            raise EngineBug("a key's answer does not say which transaction it was solved for")
        mini = payload[1]
        tx = (mini.transactions or mini.ledger)[0]
        assert self.scaling is not None
        q0 = info.q0 = getattr(tx, self.scaling.field)
        return q0

    def _scaled(self, res: KeyResult, ratio: tuple[int, int] | None) -> tuple[int, ...]:
        """The amount of each membership for the row: the answer's, times the row's quantity over the
        answer's where the chain's amount is the quantity's product (quantitykeys.py: exact).  Made
        again wherever asked (the fold and the yield): remembered per answer and quantity, up to
        _SCALED_MAX in all (every one kept, they were ~100 MB of a uniform book's 1,000,000 rows, whose
        quantities rarely recur: bench/README.md "Main process memory at 1,000,000 rows")."""
        info = self._info_of(res)
        if ratio is None:
            return info.amounts
        q, q0 = ratio
        if q0 == info.q0:
            found = info.scaled.get(q)
            if found is not None:
                return found
        chains = self.scaling.chains if self.scaling is not None else frozenset()
        out = []
        for chain, _k, a, _cap in res.memberships:
            if chain in chains:
                if (a * q) % q0:
                    raise EngineBug(f"amount {a} of chain {chain} is not a multiple of quantity {q0}")
                a = a * q // q0
            out.append(a)
        amounts = tuple(out)
        if q0 == info.q0:
            if self._n_scaled >= _SCALED_MAX:
                for other in self._info.values():
                    other.scaled.clear()
                self._n_scaled = 0
            info.scaled[q] = amounts
            self._n_scaled += 1
        return amounts

    def _fits(self, names: tuple[tuple[str, Any], ...], res: KeyResult, amounts: tuple[int, ...],
              totals: dict[tuple[str, Any], int]) -> list[bool]:
        """The outcome of every test each chain declares (running_fit/2) for the actual totals."""
        fits: list[bool] = []
        for name, (tests, cap), amount in zip(names, self._info_of(res).tests, amounts, strict=True):
            v = totals.get(name, 0)
            for t in tests:
                fits.append(fit_outcome(t, v, amount, cap))
        return fits

    def _reachable(self, res: KeyResult, amounts: tuple[int, ...] | None = None) -> frozenset[tuple[bool, ...]]:
        """The test outcomes some total gives with the amounts a key's answer was solved with (or
        with `amounts`); remembered per answer and amounts."""
        info = self._info_of(res)
        if amounts is None:
            amounts = info.amounts
        k = (id(res), amounts)
        found = self._reach.get(k)
        if found is not None and found[0] is res:
            return found[1]
        options = [[o for o, _p, _v in fit_options(tests, a, cap)]
                   for (tests, cap), a in zip(info.tests, amounts, strict=True)]
        reach = frozenset(tuple(x for o in combo for x in o) for combo in itertools.product(*options))
        # a few sets for a whole book: one copy of each; the memo bounded (a uniform book's rows each
        # have amounts of their own: bench/README.md "Misses solved in worker processes")
        reach = self._reach_sets.setdefault(reach, reach)
        if len(self._reach) >= _REACH_MAX:
            self._reach.clear()
        self._reach[k] = (res, reach)
        return reach

    def _row_tx(self, i: int, r: _Rows) -> tuple[int, tuple[Any, ...], bool, Transaction]:
        """The key's (closure, cross, ledger, transaction) with the row's own quantity."""
        cid, cross, ledger, tx = self._keys[1][r.key[i]]
        q = r.qty[i]
        if q != NO_Q and self.scaling is not None and getattr(tx, self.scaling.field) != q:
            tx = dataclasses.replace(tx, **{self.scaling.field: q})
        return cid, cross, ledger, tx

    def _regime(self, i: int, r: _Rows, res: KeyResult, amounts: tuple[int, ...]) -> KeyResult:
        """The key's answer for rows whose amounts give the same test outcomes as the row's: solved
        with the quantity of the first row that could need it (this one, or one ahead solved in the
        same Control: regimes.py), then shared (scaled, as the key's answer is), cached by (key, the
        outcomes those amounts can give)."""
        k = self._regimes.key(i, res, amounts)
        found = _CACHE.recall((self._scope, k))
        if found is not None:
            return found
        # solved ahead with an earlier row's regime, or now with the candidates ahead (regimes.py)
        out = self._regimes.take(i, k) or self._regimes.solve(i, k)
        self.stats_regimes += 1
        _CACHE.keep((self._scope, k), out)
        return out

    def _with_values(self, i: int, r: _Rows, res: KeyResult,
                     values: dict[tuple[str, Any], tuple[Any, ...]]) -> KeyResult:
        """The answer of a row in value-keyed chains, solved with its actual totals before it: for
        the first member of a chain key the fact chain_first(Chain, T), else the before-atoms equal
        to the previous member's after-atoms (running_after/2), cached by (key, totals).  A miss is
        solved in one Control with the next value rows whose totals are already known (_ready_values)."""
        k, facts = self._value_key(i, r, res, values)
        self._row_facts[i] = facts
        found = self._prefetched.pop(k, None)
        if found is not None:  # solved with an earlier row's miss, and counted there
            return found
        found = _CACHE.recall((self._scope, k))
        if found is not None:
            self.stats_value_hits += 1
            return found
        batch = [(i, k, facts), *self._ready_values(i, r, k, values)]
        entries = []
        for j, _k, f in batch:
            cid, cross, ledger, tx = self._row_tx(j, r)
            mini = self._mini(self._closure_list[cid].ids, tx, ledger)
            entries.append((mini, (*cross, *f), not ledger))
        outs = solve_batch(self.policy_dir, entries, eager=False)
        for (j, kj, _f), out in zip(batch, outs, strict=True):
            self.stats_value_misses += 1
            self._solved.append(out)
            _CACHE.keep((self._scope, kj), out)
            if j != i:
                self._prefetched[kj] = out
        return outs[0]

    def _value_key(self, i: int, r: _Rows, res: KeyResult,
                   values: dict[tuple[str, Any], tuple[Any, ...]]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """(the cache key, the before facts) of a value row, given the chains' totals so far."""
        ids = self._closure_list[r.closure[i]].ids
        tokens = {x: TOKEN + str(j) for j, x in enumerate(ids)}
        facts: list[Any] = []
        for chain, ekey in res.value_members:
            prev = values.get((chain, _untoken(ekey, ids)))
            if prev is None:
                facts.append(("f", "chain_first", True, (("f", chain, True, ()), TX_TOKEN)))
            else:
                before = self.contract.value_chains[chain]
                facts.extend(("f", before, True, (TX_TOKEN, *_retoken(rest, tokens))) for rest in prev)
        key_list, _key_rows = self._keys
        return (key_list[r.key[i]], tuple(facts), r.qty[i]), tuple(facts)  # solved with the row's own quantity

    def _ready_values(self, i: int, r: _Rows, k: tuple[Any, ...],
                      values: dict[tuple[str, Any], tuple[Any, ...]]) -> list[tuple[int, Any, tuple[Any, ...]]]:
        """Value rows after row i (in evaluation order, within _LOOKAHEAD rows) that no unfolded row
        of their value-keyed chains precedes, row i included: their totals before them are in
        `values` already and stay so until the fold reaches them, so they can be solved now, in
        row i's Control, each with the same facts and cache key the fold will give it."""
        if self._pos is None:
            self._pos = array("q", bytes(8 * len(r.date)))
            for n, row in enumerate(self._order):
                self._pos[row] = n
        results = self._results

        def chains(j: int, res: KeyResult) -> list[tuple[str, Any]]:
            ids = self._closure_list[r.closure[j]].ids
            return [(chain, _untoken(ekey, ids)) for chain, ekey in res.value_members]

        blocked = set(chains(i, results[r.key[i]]))
        seen = {k}
        out: list[tuple[int, Any, tuple[Any, ...]]] = []
        start = self._pos[i] + 1
        for j in self._order[start:start + _LOOKAHEAD]:
            res = results[r.key[j]]
            if not res.value_members:
                continue
            mine = chains(j, res)
            if blocked.isdisjoint(mine):
                kj, facts = self._value_key(j, r, res, values)
                if kj not in seen and (self._scope, kj) not in _CACHE:
                    seen.add(kj)
                    out.append((j, kj, facts))
                    if len(out) >= _BATCH - 1:
                        break
            blocked.update(mine)
        return out

    def _counterfactual(self, kept: list[ScreenRow] | None, first: Variant | None,
                        exact: dict[int, Variant]) -> dict[int, dict[str, Any]] | None:
        """Under a reading the policy pairs with a counterfactual (compare_without/3), the verdicts
        of the same book under the other reading (a second screen of the whole book, since the
        running totals differ too), by input index; None when no such reading is in force."""
        variant = next(iter(exact.values()), None) or first
        if variant is None or not variant.counterfactual:
            return None
        if kept is None:
            raise EngineBug("a reading paired with a counterfactual is in force, but keyed.may_compare said "
                            "none could be: the rows were not kept")
        question, without = variant.counterfactual[0]
        base = dataclasses.replace(self.base, assume={**self.base.assume, question: without})
        other = Screener(base, policy_dir=self.policy_dir)
        return {i: v.to_json() for i, v in other.screen(kept)}

    def _exact(self, chosen: _Chosen, r: _Rows, results: list) -> dict[int, Variant]:
        """The verdicts that show a running total, solved again with the actual totals before them,
        where the fold cannot fill them from the contract.

        The fold picks each row's variant from its tests' outcomes; the total before, the total
        after and the headroom it fills itself (running_after/2, running_headroom/2).  A value the
        policy derives from the total that the contract does not declare (Variant.exact_needed),
        or the rules that fired for each atom (collect_fired: the synthetic totals' atoms and the
        rules that derived them), need the actual total.  Once the fold has run, every row's
        totals are known and the rows no longer depend on each other, so they are solved in
        batches, cached by (key, totals)."""
        out: dict[int, Variant] = {}
        todo: dict[tuple[Any, ...], list[int]] = {}
        key_list, key_rows = self._keys
        for i in range(len(self.base.ledger), len(r.index)):
            variant = chosen.variants[i]
            if not variant.counts:
                continue
            if not (variant.exact_needed or (self.collect_fired and variant.before_paths)):
                continue  # the verdict's totals, if any, are filled from the contract (_row_verdict)
            res = self._row_res.get(i) or results[r.key[i]]
            facts = list(self._row_facts.get(i, ()))
            for (chain, _k, _a, _c), before in zip(res.memberships, chosen.befores(i), strict=True):
                facts.append(("f", self.contract.chains[chain], True, (TX_TOKEN, encode(big(before)))))
            k = (key_list[r.key[i]], tuple(facts), "exact", r.qty[i])  # with the row's own quantity
            found = _CACHE.recall((self._scope, k))
            if found is not None:
                out[i] = found.variant(())
            else:
                todo.setdefault(k, []).append(i)
        keys = list(todo)
        for start in range(0, len(keys), _BATCH):
            batch = keys[start:start + _BATCH]
            entries = []
            for k in batch:
                cid, cross, ledger, tx = self._row_tx(todo[k][0], r)
                entries.append((self._mini(self._closure_list[cid].ids, tx, ledger), (*cross, *k[1]), True))
            for k, res in zip(batch, solve_batch(self.policy_dir, entries, eager=False, exact=True), strict=True):
                v = res.variant(())
                res.release()
                _CACHE.keep((self._scope, k), res)
                for i in todo[k]:
                    out[i] = v
        self._exact_stats = {"rows": len(out), "solved": len(keys)}
        return out

    def _chain_names(self, cid: int, kid: int, res: KeyResult) -> tuple[tuple[str, Any], ...]:
        """The chains of a key's memberships with their keys in real ids, remembered per closure and
        key up to _NAMES_MAX (a uniform book of 1,000,000 rows has ~400,000 pairs, ~150 MB with every
        one kept: bench/README.md "Main process memory at 1,000,000 rows")."""
        names = self._names.get((cid, kid))
        if names is None:
            if len(self._names) >= _NAMES_MAX:
                self._names.clear()
            ids = self._closure_list[cid].ids
            names = self._names[(cid, kid)] = tuple((chain, _untoken(ekey, ids))
                                                    for chain, ekey, _a, _c in res.memberships)
        return names

    def _guessed_cross(self, r: _Rows, results: list) -> frozenset[Any]:
        """The cross-transaction atoms the rows' keys' answers conclude in any variant solved so far
        (every variant with workers; the first in process): the fold's, when a key's variants agree."""
        if not self.contract.cross:
            return frozenset()
        out: set[Any] = set()
        seen: set[tuple[int, int]] = set()
        for kid, cid in zip(r.key, r.closure, strict=True):
            if (kid, cid) in seen:
                continue
            seen.add((kid, cid))
            atoms = {x for v in results[kid].variants.values() for x in v.cross}
            if atoms:
                ids = self._closure_list[cid].ids
                out.update(_untoken(x, ids) for x in atoms)
        return frozenset(out)

    def _crossed(self, chosen: _Chosen, r: _Rows, results: list) -> frozenset[Any]:
        if not self.contract.cross:
            return frozenset()
        out = set()
        for i, variant in enumerate(chosen.variants):
            if variant.cross:
                ids = self._closure_list[r.closure[i]].ids
                out.update(_untoken(x, ids) for x in variant.cross)
        return frozenset(out)

    def _rekey(self, crossed: frozenset[Any], r: _Rows, keys: dict, key_list: list, key_rows: list,
               results: list) -> bool:
        """Give each row the cross-transaction atoms about its own entities (as tokens) that a rule
        of its key could read (Variant.cross_read; contract.cross_twins): atoms no rule of the key
        reads cannot change its answer, and leaving them out keeps the key already solved."""
        by_entity: dict[str, list[Any]] = {}
        unbound = []
        for atom in crossed:
            strings = _strings(atom)
            if not strings:
                unbound.append(atom)
            for s in strings:
                by_entity.setdefault(s, []).append(atom)
        always, every = self.contract.cross_always, self.contract.cross
        changed = False
        memo: dict[tuple[int, frozenset[str]], tuple[Any, ...]] = {}
        read_memo: dict[int, frozenset[str]] = {}
        for i in range(len(r.key)):
            cid, kid = r.closure[i], r.key[i]
            read = read_memo.get(kid)
            if read is None:
                res = results[kid]
                variants = res.variants.values() if res is not None else ()
                # a key with no variant solved (none yet) is given every atom: the restrictive reading
                read = read_memo[kid] = (frozenset(always.union(*(v.cross_read for v in variants)))
                                         if variants else every)
            cross = memo.get((cid, read))
            if cross is None:
                ids = self._closure_list[cid].ids
                idset = set(ids)
                tokens = {x: TOKEN + str(j) for j, x in enumerate(ids)}
                mine = {a for a in unbound if a[1] in read}
                for x in ids:
                    for atom in by_entity.get(x, ()):
                        if atom[1] in read and _strings(atom) <= idset:
                            mine.add(atom)
                cross = memo[(cid, read)] = tuple(sorted((_retoken(a, tokens) for a in mine), key=repr))
            old = key_list[kid]
            if old[3] == cross:
                continue
            k = (old[0], old[1], old[2], cross)
            kid = keys.get(k)
            if kid is None:
                kid = keys[k] = len(key_list)
                key_list.append(k)
                cid0, _cross, ledger, tx0 = key_rows[r.key[i]]
                key_rows.append((cid0, cross, ledger, tx0))
            r.key[i] = kid
            changed = True
        return changed


_DICT, _LIST, _ITEMS, _ATTRS = 0, 1, 2, 3  # _row_verdict: how a field holding totals is copied and set


def _total(kind: str, x: int, running: tuple[tuple[int, int], ...], res: KeyResult,
           ratio: tuple[int, int] | None) -> int:
    """A verdict value the fold fills for one row (Variant.before_paths: what goes there)."""
    if kind == "scaled":  # the product of the quantity (quantitykeys.py), for the row's own quantity
        value = x
        if ratio is not None:
            if (value * ratio[0]) % ratio[1]:
                raise EngineBug(f"value {value} is not a multiple of quantity {ratio[1]}")
            value = value * ratio[0] // ratio[1]
        return value
    if kind == "after":  # running_after/2: before + amount when the member counts
        return running[x][1]
    if kind == "headroom":  # running_headroom/2: cap - after, nothing past the cap
        return max(res.memberships[x][3] - running[x][1], 0)
    return running[x][0]


def _untoken(x: Any, ids: tuple[str, ...]) -> Any:
    """An encoded value with role tokens replaced by the real ids."""
    if isinstance(x, str):
        return ids[int(x[2:])] if x.startswith(TOKEN) else x
    if isinstance(x, tuple):
        return tuple(_untoken(y, ids) for y in x)
    return x


def _retoken(x: Any, tokens: dict[str, str]) -> Any:
    if isinstance(x, str):
        return tokens.get(x, x)
    if isinstance(x, tuple):
        return tuple(_retoken(y, tokens) for y in x)
    return x


def _strings(x: Any) -> set[str]:
    """The string arguments of an encoded atom (function names excluded)."""
    if isinstance(x, str):
        return {x}
    if isinstance(x, tuple) and x and x[0] == "f":
        out: set[str] = set()
        for a in x[3]:
            out |= _strings(a)
        return out
    return set()


def _overlay_key(sc: Scenario) -> tuple[Any, ...]:
    countries = tuple(sorted((code, tuple(_hashable(getattr(ov, f.name)) for f in dataclasses.fields(ov)
                                          if f.name != "src"))
                             for code, ov in sc.countries.items()))
    return (tuple(sorted(sc.assume.items())), tuple(sorted(sc.parameters.items())), countries)


def _hashable(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(v)
    return v


def _fired(variant: Variant, txid: str, ids: tuple[str, ...]) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = {}
    for atom, rules in variant.fired:
        real = _untoken(atom, ids)
        out[decode(_retoken(real, {TX_TOKEN: txid}))] = list(rules)
    return out


def _deuntoken(x: Any, ids: tuple[str, ...]) -> Any:
    if isinstance(x, str):
        return ids[int(x[2:])] if x.startswith(TOKEN) else x
    if isinstance(x, list):
        return [_deuntoken(y, ids) for y in x]
    if isinstance(x, dict):
        return {k: _deuntoken(y, ids) for k, y in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _deuntoken(getattr(x, f.name), ids)
                                         for f in dataclasses.fields(x)})
    return x


def _set_path(v: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set v.<path> = value, copying every container on the way (the cached ones stay as they are)."""
    top = copy.copy(getattr(v, path[0]))
    setattr(v, path[0], top)
    node = top
    for step in path[1:-1]:
        child = node[step] if isinstance(node, (dict, list)) else getattr(node, step)
        child = copy.copy(child)
        if isinstance(node, (dict, list)):
            node[step] = child
        else:
            setattr(node, step, child)
        node = child
    if isinstance(node, (dict, list)):
        node[path[-1]] = value
    else:
        setattr(node, path[-1], value)


def screen_scenario(sc: Scenario, *, policy_dir: str | None = None) -> list[Any]:
    """The verdicts of a whole scenario's transactions, in file order, by the keyed engine."""
    return screen_scenario_fired(sc, policy_dir=policy_dir, fired=False)[0]


def screen_scenario_fired(sc: Scenario, *, policy_dir: str | None = None,
                          fired: bool = True) -> tuple[list[Any], FiredAnswer]:
    """The verdicts, and the rules that fired for each transaction's atoms."""
    s = Screener(sc, policy_dir=policy_dir)
    s.collect_fired = fired
    verdicts = [v for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    merged: dict[Any, list[str]] = {}
    for f in s.fired.values():
        merged.update(f)
    return verdicts, FiredAnswer(merged)


class FiredAnswer:
    """What the DSL reads from an answer set when it checks `expect ... by rule`: the rules
    that derived each atom about a transaction."""

    def __init__(self, fired: dict[Any, list[str]]) -> None:
        self._fired = fired

    def fired(self) -> dict[Any, list[str]]:
        return self._fired

    def get(self, predicate: str) -> list[Any]:
        """The `_earlog_fired(Rule, Atom)` atoms (the only predicate this answer keeps)."""
        from clingo import Function, String

        from earlog.engine.program import FIRED

        if predicate != FIRED:
            raise ValueError(f"the keyed engine keeps only {FIRED}, not {predicate}")
        return [Function(FIRED, [String(r), atom]) for atom, rules in self._fired.items() for r in rules]


__all__ = ["FiredAnswer", "ScreenRow", "Screener", "screen_scenario", "screen_scenario_fired"]
