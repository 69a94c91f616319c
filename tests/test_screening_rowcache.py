"""The keyed engine's per-row caches (engine/screening.py `_row_verdict`, `_AnswerInfo`).

A repeated deal's verdict fields with real ids are kept per (variant, closure, answer), and
per row only the transaction id and the running totals are filled, into copies of the
containers that hold them.  These tests check that this gives the whole-scenario engine's
verdicts, the uncached path's verdicts (`_uncached_verdict` below), and that no row's totals leak
into another row's verdict or into the cached answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import H100_TPP, keyed_and_whole

from earlog.engine import screening
from earlog.engine.keyed import KeyResult, Variant
from earlog.engine.screening import Screener, ScreenRow, _deuntoken, _set_path
from earlog.errors import EngineBug
from earlog.scenario.json_input import scenario_from_dict

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": H100_TPP, "datacenter": True, "designer": "approved"}
# ids that look like ASP, like a role token's visible part, like a transaction id, or are not ASCII
HOSTILE = ["x). license_required(y", "e0", "owner \"quoted\"", "t1", "ünï cödé", "%% comment", "a,b"]


def _tx(tid: str, consignee: str, quantity: int, date: str) -> dict[str, Any]:
    return {"id": tid, "kind": "export", "item": "h100", "quantity": quantity, "from": "US", "to": "BR",
            "consignee": consignee, "end_user": consignee, "end_use": "inference", "date": date,
            "prior_certification": True, "prior_notification": True}


def _book() -> dict[str, Any]:
    """One deal (same facts) under several sets of ids, with quantities that cross the running
    caps, so rows of one key get different totals and different variants."""
    parties = [{"id": p, "hq": "BR", "located": "BR"} for p in HOSTILE]
    quantities = [10, 700, 50, 1000, 10, 2000, 250, 10]
    txs = []
    for n in range(24):
        who = HOSTILE[n % len(HOSTILE)]
        txs.append(_tx(f"o{n}" if n % 5 else HOSTILE[(n + 1) % len(HOSTILE)] + f"#{n}", who,
                       quantities[n % len(quantities)], f"2025-{1 + n % 12:02d}-{1 + n % 27:02d}"))
    return {"parties": parties, "items": [H100], "transactions": txs}


def _uncached_verdict(variant: Variant, txid: str, ids: tuple[str, ...], running: tuple[tuple[int, int], ...],
             res: KeyResult, ratio: tuple[int, int] | None = None) -> Any:
    """The row's verdict built from the variant alone, every path set through `_set_path`: what
    `Screener._row_verdict` gave before its per-(variant, closure, answer) cache."""
    cached = variant.verdict
    v = object.__new__(cached.__class__)  # a shallow copy (as copy.copy, without its reduce protocol)
    v.__dict__.update(cached.__dict__)
    v.transaction = txid
    for name in variant.token_fields:
        setattr(v, name, _deuntoken(getattr(v, name), ids))
    chains = [m[0] for m in res.memberships]
    for path, what in variant.before_paths:
        kind, _sep, chain = what.rpartition(":")
        if kind == "scaled":  # the product of the quantity (quantitykeys.py), for the row's own quantity
            value = int(chain)
            if ratio is not None:
                if (value * ratio[0]) % ratio[1]:
                    raise EngineBug(f"value {value} is not a multiple of quantity {ratio[1]}")
                value = value * ratio[0] // ratio[1]
            _set_path(v, path, value)
            continue
        j = chains.index(chain)
        before, after = running[j]
        if kind == "after":  # running_after/2: before + amount when the member counts
            _set_path(v, path, after)
        elif kind == "headroom":  # running_headroom/2: cap - after, nothing past the cap
            _set_path(v, path, max(res.memberships[j][3] - after, 0))
        else:
            _set_path(v, path, before)
    return v


def test_one_deal_under_many_hostile_ids_gets_the_whole_engines_verdicts() -> None:
    """Issue 9 point 3: exactly the verdicts of the whole-scenario engine, also where the
    verdict fields with real ids come from the per-row cache (one deal, seven sets of ids)."""
    s, got, want = keyed_and_whole(_book())
    assert got == want
    assert s.stats["keys"] < len(got)  # rows share keys: the cache is used
    shown = [v for v in got if (v.get("lpp") or {}).get("used_after_tpp") is not None]
    assert len({v["lpp"]["used_after_tpp"] for v in shown}) > 3  # the totals differ from row to row
    assert {v["lpp"].get("ultimate_consignee", v["lpp"].get("consignee")) for v in shown} <= set(HOSTILE)


def test_cached_rows_equal_the_uncached_path_and_leave_each_other_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row's verdict equals `_uncached_verdict`'s for the same variant, ids and totals;
    a verdict read after the whole book was screened is the one yielded (no later row wrote into
    a container it shares); the cached answers' verdicts keep their role tokens and no totals."""
    sc = scenario_from_dict(_book())
    s = Screener(sc)
    pairs: list[tuple[Any, Any]] = []
    cached_before: dict[int, tuple[Any, dict[str, Any]]] = {}
    real = Screener._row_verdict

    def both(self: Screener, variant: Any, txid: str, cid: int, running: Any, res: Any, ratio: Any) -> Any:
        v = real(self, variant, txid, cid, running, res, ratio)
        ids = self._closure_list[cid].ids
        pairs.append((v, _uncached_verdict(variant, txid, ids, running, res, ratio)))
        cached_before.setdefault(id(variant.verdict), (variant.verdict, variant.verdict.to_json()))
        return v

    monkeypatch.setattr(Screener, "_row_verdict", both)
    yielded = [(v, v.to_json()) for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    assert len(pairs) == len(sc.transactions)
    for v, plain in pairs:
        assert v.to_json() == plain.to_json()
    for v, at_yield in yielded:
        assert v.to_json() == at_yield
    for cached, before in cached_before.values():
        assert cached.to_json() == before


def test_the_cache_bound_changes_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for one entry the cache is emptied on nearly every row: same verdicts."""
    sc = scenario_from_dict(_book())
    rows = [ScreenRow(i, t) for i, t in enumerate(sc.transactions)]
    wide = [v.to_json() for _i, v in Screener(sc).screen(rows)]
    monkeypatch.setattr(screening, "_PARTS_MAX", 1)
    narrow = [v.to_json() for _i, v in Screener(sc).screen(rows)]
    assert narrow == wide


def test_full_collections_wait_for_the_end_of_the_run_and_the_thresholds_come_back() -> None:
    """`earlog screen` runs without the collector's full collections (run.py); the process's own
    thresholds are restored afterwards, also when the run fails."""
    import gc

    from earlog.screen.run import young_collections_only

    before = gc.get_threshold()
    with young_collections_only():
        inside = gc.get_threshold()
    assert inside[:2] == before[:2] and inside[2] >= 2 ** 30
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), young_collections_only():
        raise RuntimeError("a failed run")
    assert gc.get_threshold() == before
    # two screens that overlap (the web workbench's jobs run in threads): the first to end leaves
    # the other's setting, the last restores the process's own
    a, b = young_collections_only(), young_collections_only()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    assert gc.get_threshold()[2] >= 2 ** 30
    b.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_running_names_the_totals_of_the_row_last_yielded() -> None:
    """`Screener.running` (made when asked, from the yield's last row): per membership the chain,
    its key (a real id, never a role token), and the totals before and after the row, the same
    totals the row's verdict shows."""
    sc = scenario_from_dict(_book())
    s = Screener(sc)
    checked = 0
    for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions)):
        running = s.running
        assert running == s.running  # made afresh each time it is asked, the same
        lpp = v.lpp or {}
        if lpp.get("used_after_tpp") is None:
            continue
        holder = lpp.get("ultimate_consignee", lpp.get("consignee"))
        mine = [(before, after) for _chain, key, before, after in running if _strings_of(key) & {holder}]
        assert (lpp["used_tpp"], lpp["used_after_tpp"]) in mine
        assert all(not str(x).startswith("\x01") for entry in running for x in _strings_of(entry[1]))
        checked += 1
    assert checked > 5


def _strings_of(x: Any) -> set[str]:
    if isinstance(x, str):
        return {x}
    if isinstance(x, tuple):
        return set().union(*(_strings_of(y) for y in x)) if x else set()
    return set()
