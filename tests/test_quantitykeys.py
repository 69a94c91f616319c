"""A transaction's quantity in the keyed engine's decision key only as its sign
(engine/quantitykeys.py, issue 9 points 3 and 7: on an order book whose quantities are
drawn from 1-2,000, a key holding the exact quantity almost never repeats).

The policy reads a quantity once: transactions.lp `tx.shipment_tpp` ("The TPP of a
shipment is the quantity times the TPP of one item"), and reads that product only as
what a shipment adds to the LPP and allocation totals (running_totals.lp
`running.lpp_amount`, `running.allocation_amount`, the declared tests `lpp.within_cap`,
`alloc.within`, `alloc.exceeded`, the totals after and the headroom) and in the VEU
chains, which the fold solves with each member's actual totals.  Rows that differ only
in quantity then share one key, and every verdict field stays exactly the whole-scenario
engine's, cap crossings included.  A rule that reads the quantity or its product any
other way keeps the exact quantity in the key (the fallback), and says so in the
Screener's stats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import keyed_and_whole, policy_copy

from earlog.engine import load_policy
from earlog.engine.contract import contract
from earlog.engine.quantitykeys import scaled_field

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}
B200 = {"id": "b200", "eccn": "3A090.a", "tpp": 36000, "datacenter": True, "designer": "authorized"}
HBM = {"id": "hbm3", "eccn": "3A090.c", "tpp": 0}
# with an LPP cap of 100,000: 1-6 H100s fit (15,832 each), 7 or more pass the cap alone (the first
# row, whose answer the others share, among them)
QUANTITIES = [9, 2, 3, 7, 1, 1, 5, 2, 40, 1, 6, 2000, 3, 1, 4, 1, 1, 9, 2, 1]


def _tx(tid: str, q: int, date: str = "2025-07-01", **extra: Any) -> dict[str, Any]:
    t = {"id": tid, "kind": "export", "item": "h100", "quantity": q, "from": "US", "to": "BR",
         "consignee": "acme", "end_use": "inference", "date": date}
    t.update(extra)
    return t


def _book(assume: dict[str, str]) -> dict[str, Any]:
    """Rows that differ only in quantity: LPP shipments to one consignee, licence applications
    against one country's allocation, VEU shipments to a UVEU and an NVEU holder near their
    limits, a zero-TPP item, ledger entries before them."""
    txs = []
    for j, q in enumerate(QUANTITIES):
        txs.append(_tx(f"a{j}", q))  # LPP (Tier 2 consignee): the annual cap
        txs.append(_tx(f"b{j}", q * 3, item="b200", to="IN", consignee="indus"))  # allocation
        txs.append(_tx(f"u{j}", q, to="IN", consignee="veu_u", end_use="training"))  # UVEU limits
        txs.append(_tx(f"n{j}", q, to="IN", consignee="veu_n", end_use="training"))  # NVEU cap
        txs.append(_tx(f"z{j}", q, item="hbm3"))
    parties = [{"id": "acme", "hq": "BR", "located": "BR"},
               {"id": "indus", "hq": "IN", "located": "IN", "distributor": True},
               {"id": "veu_u", "hq": "US", "located": "IN", "veu": {"type": "UVEU"},
                "deployment": {"US": 1_000_000, "GB": 200_000, "IN": 50_000}},
               {"id": "veu_n", "hq": "IN", "located": "IN", "veu": {"type": "NVEU", "locations": ["IN"]},
                "deployment": {"IN": 3_000_000}}]
    ledger = [_tx("l0", 2, date="2025-06-25", authorization="LPP"),
              _tx("l1", 5, date="2025-06-26", item="b200", to="IN", consignee="indus", authorization="license"),
              _tx("l2", 3, date="2025-06-27", to="IN", consignee="veu_u", authorization="UVEU")]
    return {"parties": parties, "items": [H100, B200, HBM], "transactions": txs, "ledger": ledger,
            "parameters": {"lpp_annual_cap_tpp": 100_000, "country_allocation_tpp": 2_000_000,
                           "nveu_country_cap_tpp": 3_200_000},
            "assume": assume}



def test_the_policy_reads_the_quantity_only_as_a_factor_of_the_running_amounts() -> None:
    """tx.shipment_tpp multiplies the quantity by the item's TPP; the product is read only as the
    LPP and allocation amounts, by their declared tests and totals after, and in the VEU chains."""
    s = scaled_field(contract(load_policy()))
    assert s is not None and s.exact is None
    assert (s.field, s.product, s.position) == ("quantity", "shipment_tpp", 1)
    assert s.chains == {"lpp", "allocation"}
    others = {x.field: x for x in contract(load_policy()).scalings if x is not s}
    assert others["date"].exact is not None  # dates are datekeys.py's: not a factor


@pytest.mark.parametrize("reading", ["approval_until_reached", "denied_in_whole"])
def test_rows_differing_only_in_quantity_share_keys_and_verdicts_stay_exact(reading: str) -> None:
    book = _book({"allocation_crossing_application": reading})
    s, got, want = keyed_and_whole(book)
    assert len(got) == len(want) == len(book["transactions"])
    for w, g in zip(want, got, strict=True):
        diff = {k: (w[k], g[k]) for k in w if w[k] != g[k]}
        assert not diff, f"transaction {w['transaction']}: {diff}"
    assert s.stats["field_keys"]["quantity"].startswith("scaled")
    # five kinds of row and three ledger entries: a key each (and a few for the cross-transaction
    # re-keying), not one per quantity
    assert s.stats["keys"] <= 16, s.stats["keys"]
    # the first row passes the cap alone, so a row that fits is solved with its own quantity
    assert s.stats["quantity_regimes"] >= 1
    by_id = {v["transaction"]: v for v in want}
    # the caps are crossed: LPP refused past the cap, the allocation denied, the VEU limits failed
    assert any("lpp.within_cap" in f for v in want for f in (v["exceptions"].get("LPP") or {}).get("failed", []))
    assert any(v["outcome"] == "license_policy_denial" for v in want if v["transaction"].startswith("b"))
    veu_failed = {f.split(":")[0] for v in want for a in v["veu"].values() for f in a.get("failed", [])}
    assert {"uveu.single_country", "nveu.country_cap"} <= veu_failed
    # the verdict shows each row's own shipment TPP and totals
    assert by_id["a1"]["lpp"]["shipment_tpp"] == 2 * 15832
    assert by_id["b8"]["allocation"]["shipment_tpp"] == 120 * 36000


def test_an_answer_cached_by_an_earlier_screen_is_scaled_from_its_own_quantity() -> None:
    """Solved keys are kept across calls: a later book whose first row of a key has another
    quantity reuses the answer, scaled from the quantity it was solved with."""
    from earlog.engine import screening

    screening._CACHE.clear()
    book = _book({})
    _s, got, want = keyed_and_whole(book)
    assert got == want
    later = _book({})
    for t, q in zip(later["transactions"], [4, 1, 11, 3, 2] * len(QUANTITIES), strict=False):
        t["quantity"] = q
    s, got, want = keyed_and_whole(later)
    assert s.stats["hits"] > 0 and s.stats["misses"] == 0
    for w, g in zip(want, got, strict=True):
        diff = {k: (w[k], g[k]) for k in w if w[k] != g[k]}
        assert not diff, f"transaction {w['transaction']}: {diff}"
    screening._CACHE.clear()


def _patched(tmp_path: Path, rule: str) -> str:
    return policy_copy(tmp_path, lambda root: (root / "zz_quantity.lp").write_text(
        "%% @rule   test.quantity_read_otherwise\n%% @cite   none (a test rule)\n"
        "%% @text   A test rule that reads a quantity in a way the key abstraction does not follow.\n"
        + rule + "\n"))


@pytest.mark.parametrize("rule", [
    "big_shipment(T) :- shipment_tpp(T, A), @leq(A, 50000) = 0.",
    "bulk_order(T) :- tx_quantity(T, Q), Q > 4.",
])
def test_a_quantity_read_otherwise_stays_exact_in_the_key(tmp_path: Path, rule: str) -> None:
    """The sound fallback: comparing the product (or the quantity) with a number keeps the exact
    quantity in the key, names the rule, and the verdicts still equal the whole-scenario engine's."""
    d = _patched(tmp_path, rule)
    c = contract(load_policy(d))
    assert scaled_field(c) is None
    (q,) = [x for x in c.scalings if x.field == "quantity"]
    assert "test.quantity_read_otherwise" in (q.exact or "")
    book = _book({})
    book["transactions"] = [t for t in book["transactions"] if t["id"][0] in "az"]
    s, got, want = keyed_and_whole(book, policy_dir=d)
    assert got == want
    assert "test.quantity_read_otherwise" in s.stats["field_keys"]["quantity"]
    assert s.stats["quantity_regimes"] == 0
    # one key per distinct quantity and item, as before
    assert s.stats["keys"] >= len(set(QUANTITIES)) * 2


@pytest.mark.parametrize("rule, why", [
    ("running_amount(lpp, T, 1) :- chain_member(lpp, _, T), tx_kind(T, deemed_export).",
     "takes its running amount from shipment_tpp and from elsewhere"),
    ("veu_in_before(T, 0) :- veu_shipped(T), tx_kind(T, reexport).", "without a chain link"),
])
def test_an_amount_not_only_the_product_keeps_the_quantity_exact(tmp_path: Path, rule: str, why: str) -> None:
    """A chain whose amount is sometimes not the product could not be scaled; a value-keyed total
    that exists without the fold's chain link would let the VEU rules read the product in a row
    solved with another quantity: both keep the quantity exact, naming the rule."""
    c = contract(load_policy(_patched(tmp_path, rule)))
    assert scaled_field(c) is None
    (q,) = [x for x in c.scalings if x.field == "quantity"]
    assert why in (q.exact or "") and "test.quantity_read_otherwise" in (q.exact or "")
