"""Dates in the keyed engine's decision keys, only as finely as the policy reads them
(engine/datekeys.py, issue 9: on an order book whose rows carry their own dates, a key
holding the exact date never repeats).

The policy reads a transaction's date by comparing it with parameter dates (dates.lp
`dates.in_force`: "A provision is in force for a transaction made on or after its
compliance date") and through `tx_year(T, D / 10000)` (transactions.lp `tx.year`, the
calendar year of the LPP and allocation chains).  Rows that differ only in a date inside
one interval between those parameter dates, in the same year, share a key; the verdicts
stay exactly those of the whole-scenario engine, with the breakpoints taken from the
overlay's own parameters.  A rule that reads a date any other way keeps the exact date
in the key (the fallback), and says so in the Screener's stats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import keyed_and_whole, policy_copy

from earlog.engine import load_policy
from earlog.engine.contract import contract
from earlog.engine.datekeys import evaluate
from earlog.engine.screening import Screener, _tx_values
from earlog.scenario.json_input import scenario_from_dict

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}
B200 = {"id": "b200", "eccn": "3A090.a", "tpp": 36000, "datacenter": True, "designer": "authorized"}
# inside one interval of the default breakpoints (after the AI Diffusion savings date
# 2025-06-16, before the delayed compliance date 2026-01-15), and across them
SAME = ["2025-06-20", "2025-06-30", "2025-07-01", "2025-07-02", "2025-08-15", "2025-11-30"]
ACROSS = ["2025-01-12", "2025-01-13", "2025-01-16", "2025-01-31", "2025-05-14", "2025-05-15", "2025-05-16",
          "2025-06-16", "2025-06-17", "2026-01-14", "2026-01-15", "2026-04-13", "2026-04-14", "2026-12-31",
          "2027-01-01", "2027-12-31", "2028-01-01", "2028-06-01", "2029-03-01"]


def _tx(tid: str, date: str, **extra: Any) -> dict[str, Any]:
    t = {"id": tid, "kind": "export", "item": "h100", "quantity": 400, "from": "US", "to": "BR",
         "consignee": "acme", "end_use": "inference", "date": date}
    t.update(extra)
    return t


def _book(parameters: dict[str, int], assume: dict[str, str]) -> dict[str, Any]:
    """Rows that differ only in their date (and in who is named), some en route on a
    compliance date, so the savings clauses' equality join with a parameter is read."""
    txs = []
    for j, d in enumerate(SAME + ACROSS):
        txs.append(_tx(f"a{j}", d))
        txs.append(_tx(f"b{j}", d, consignee="zeta", item="b200", quantity=1700))
        txs.append(_tx(f"c{j}", d, en_route_on="2025-07-01"))
        txs.append(_tx(f"d{j}", d, en_route_on="2025-05-15", prior_notification=True, prior_certification=True))
    parties = [{"id": "acme", "hq": "BR", "located": "BR"}, {"id": "zeta", "hq": "BR", "located": "BR"}]
    return {"parties": parties, "items": [H100, B200], "transactions": txs,
            "ledger": [_tx("l0", "2025-06-25", authorization="LPP")],
            "parameters": {"lpp_annual_cap_tpp": 100_000, "country_allocation_tpp": 2_000_000, **parameters},
            "assume": assume}



def _key(s: Screener, sc_dict: dict[str, Any], tid: str) -> tuple[Any, ...]:
    sc = scenario_from_dict(sc_dict)
    (t,) = [t for t in sc.transactions if t.id == tid]
    return s.field_keys.key(_tx_values(t))


def test_the_policy_reads_dates_only_against_parameters_and_through_the_year() -> None:
    """dates.in_force compares tx_date with compliance_date/2, dates.savings_* join
    tx_en_route_on with param/2, tx.year divides the date by 10000: all abstracted.  The
    quantity goes into @mul (tx.shipment_tpp), so it stays exact."""
    uses = {u.field: u for u in contract(load_policy()).field_uses}
    date = uses["date"]
    assert date.exact is None
    assert {("compliance_date", 1), ("param", 1)} <= {(p, j) for p, j, _pattern in date.sources}
    assert ("param", 1, ((0, "ai_diffusion_savings_until_date"),)) in date.sources
    assert [evaluate(t, 20270315) for t in date.terms] == [2027]
    assert uses["en_route_on"].exact is None
    assert {p for p, _j, _pattern in uses["en_route_on"].sources} == {"param"}
    assert "tx.shipment_tpp" in (uses["quantity"].exact or "")


def test_clingo_division_truncates_toward_zero() -> None:
    """The year term is computed in Python as clingo computes it."""
    div = ("/", ("v",), ("n", 2))
    mod = ("\\", ("v",), ("n", 2))
    assert [evaluate(div, x) for x in (7, -7)] == [3, -3]
    assert [evaluate(mod, x) for x in (7, -7)] == [1, -1]
    assert evaluate(("/", ("v",), ("n", 0)), 5) is None


@pytest.mark.parametrize("assume", [{}, {"allocation_after_2027": "last_cap_each_year"}])
@pytest.mark.parametrize("parameters", [
    {},
    # the breakpoints come from the overlay: moved compliance and savings dates
    {"ai_diffusion_compliance_date": 20250701, "ai_diffusion_savings_until_date": 20251215,
     "allocation_period_end_date": 20261231, "authorized_ic_designer_end_date": 20250701},
])
def test_rows_differing_only_in_date_share_keys_and_verdicts_stay_exact(parameters: dict, assume: dict) -> None:
    book = _book(parameters, assume)
    s, got, want = keyed_and_whole(book)
    assert len(got) == len(want) == len(book["transactions"])
    for w, g in zip(want, got, strict=True):
        diff = {k: (w[k], g[k]) for k in w if w[k] != g[k]}
        assert not diff, f"transaction {w['transaction']}: {diff}"
    assert s.stats["field_keys"]["date"].startswith("abstracted")
    # far fewer keys than rows: dates inside one interval share one
    assert s.stats["keys"] < len(got) * 0.8
    moved = bool(parameters)
    # 2025-07-01 is a breakpoint only when the overlay moves the compliance date there
    assert (_key(s, book, "a1") == _key(s, book, "a2")) is not moved  # 06-30 / 07-01
    assert _key(s, book, "a3") == _key(s, book, "a4") == _key(s, book, "a5")  # 07-02 .. 11-30
    assert _key(s, book, "a0") != _key(s, book, f"a{len(SAME) + ACROSS.index('2026-01-15')}")
    assert (20250701 in s.field_keys.breakpoints["date"]) is moved
    assert (20250515 in s.field_keys.breakpoints["date"]) is not moved


def _patched(tmp_path: Path, rule: str) -> str:
    return policy_copy(tmp_path, lambda root: (root / "zz_dates.lp").write_text(
        "%% @rule   test.date_read_otherwise\n%% @cite   none (a test rule)\n"
        "%% @text   A test rule that reads a date in a way the key abstraction does not follow.\n" + rule + "\n"))


@pytest.mark.parametrize("rule, fields", [
    ("en_route_before(T) :- tx_date(T, D), tx_en_route_on(T, E), E < D.", ("date", "en_route_on")),
    ("tx_day(T, D) :- tx_date(T, D).", ("date",)),
])
def test_a_date_read_otherwise_stays_exact_in_the_key(tmp_path: Path, rule: str, fields: tuple[str, ...]) -> None:
    """The sound fallback: comparing a date with another field, or carrying it into a
    conclusion, keeps the exact date in the key, names the rule, and the verdicts still
    equal the whole-scenario engine's."""
    d = _patched(tmp_path, rule)
    uses = {u.field: u for u in contract(load_policy(d)).field_uses}
    for f in fields:
        assert "test.date_read_otherwise" in (uses[f].exact or "")
    book = _book({}, {})
    s, got, want = keyed_and_whole(book, policy_dir=d)
    assert got == want
    for f in fields:
        assert s.stats["field_keys"][f].startswith("exact: rule test.date_read_otherwise")
    # dates inside one interval no longer share a key
    assert _key(s, book, "a3") != _key(s, book, "a4")
