"""Running caps, counted in transaction order: the LPP annual cap per ultimate
consignee (740.29) and the Tier 2 country allocations (742.6(b)(10)), at their
boundaries, with ledger entries as a compliance team records them, and past 2^31
(clingo's integers are 32-bit; earlog keeps totals in arbitrary precision).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import H100_TPP, failed, verdicts

LPP_CAP = 26_900_000
COUNTRY_CAP = 790_000_000


OLD_KEYS = ("country", "counts", "used_tpp", "cap_tpp")


def old_keys(allocation: dict[str, Any]) -> dict[str, Any]:
    """The allocation keys these tests were written against (issue 11 added what a shipment draws)."""
    return {k: allocation[k] for k in OLD_KEYS}


def order(tid: str, qty: int, item: str = "h100", date: str = "2025-06-01", consignee: str = "buyer",
          **extra: Any) -> dict[str, Any]:
    t = {"id": tid, "kind": "export", "item": item, "quantity": qty, "from": "US", "to": "BR",
         "consignee": consignee, "end_user": consignee, "end_use": "inference", "date": date}
    t.update(extra)
    return t


def book(transactions: list[dict[str, Any]], parties: list[dict[str, Any]] | None = None,
         ledger: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    """A Brazilian scenario with datacenter H100s, a 1,000-TPP unit and a 1-TPP unit of 3A090.a."""
    s: dict[str, Any] = {
        "parties": parties or [{"id": "buyer", "hq": "BR", "located": "BR"}],
        "items": [
            {"id": "h100", "eccn": "3A090.a", "tpp": H100_TPP, "datacenter": True, "designer": "approved"},
            {"id": "k", "eccn": "3A090.a", "tpp": 1000, "datacenter": True, "designer": "approved"},
            {"id": "one", "eccn": "3A090.a", "tpp": 1, "datacenter": True, "designer": "approved"},
        ],
        "transactions": transactions,
        "ledger": ledger or [],
    }
    s.update(top)
    return s


# A distributor cannot use LPP ("does not authorize exports or reexports through distributors",
# seed 004), so its orders are licensed and draw on the country allocation.
DISTRIBUTOR = [{"id": "dist", "hq": "BR", "located": "BR", "distributor": True}]


# ---------------------------------------------------------------------------
# LPP: "up to a cumulative TPP of 26,900,000 per year per ultimate consignee" (seed 004);
# "per calendar year basis" (seed 001); "An 'ultimate consignee' for purposes of License Exception
# LPP means the ultimate parent entity that will have ultimate ownership" (seed 004).
# ---------------------------------------------------------------------------


def test_lpp_exactly_at_cap_in_one_order_and_one_over() -> None:
    """Seed 004: "up to a cumulative TPP of 26,900,000": 26,900,000 TPP is within, 26,900,001 is not."""
    v = verdicts(book([order("at", LPP_CAP, "one")]))
    assert v["at"]["exceptions"]["LPP"]["available"] is True
    assert v["at"]["authorization"] == "LPP"
    v = verdicts(book([order("over", LPP_CAP + 1, "one")]))
    assert failed(v["over"], "LPP") == ["lpp.within_cap"]


def test_lpp_cumulative_exactly_at_cap_then_one_over() -> None:
    """Seed 004: "cumulative TPP of 26,900,000 per year per ultimate consignee": 26,899,000 + 1,000 reaches
    the cap exactly (LPP still available); one more TPP in the same year is over."""
    v = verdicts(book([order("a", 26_899, "k", "2025-05-20"), order("b", 1000, "one", "2025-05-21"),
                       order("c", 1, "one", "2025-05-22")]))
    assert [v[t]["authorization"] for t in "ab"] == ["LPP", "LPP"]
    assert failed(v["c"], "LPP") == ["lpp.within_cap"]
    assert v["c"]["authorization"] == "license"


def test_lpp_cap_shared_across_subsidiaries_of_one_parent() -> None:
    """Seed 004: the LPP ultimate consignee is "the ultimate parent entity": three subsidiaries of one parent
    share 26,900,000 TPP a year; the third order, one TPP over, fails."""
    parties = [{"id": "parent", "hq": "BR", "located": "BR"}] + [
        {"id": f"sub{i}", "hq": "BR", "located": "BR", "parent": "parent"} for i in (1, 2, 3)]
    v = verdicts(book([order("a", 26_000, "k", "2025-05-20", "sub1"),
                       order("b", 900_000, "one", "2025-05-21", "sub2"),
                       order("c", 1, "one", "2025-05-22", "sub3")], parties))
    assert [v[t]["authorization"] for t in "ab"] == ["LPP", "LPP"]
    assert failed(v["c"], "LPP") == ["lpp.within_cap"]


def test_lpp_cap_is_per_ultimate_consignee() -> None:
    """Seed 004: "per ultimate consignee": another, unrelated firm has its own 26,900,000."""
    parties = [{"id": "buyer", "hq": "BR"}, {"id": "other", "hq": "BR"}]
    v = verdicts(book([order("a", LPP_CAP, "one", consignee="buyer"),
                       order("b", LPP_CAP, "one", "2025-07-01", consignee="other")], parties))
    assert [v[t]["authorization"] for t in "ab"] == ["LPP", "LPP"]


def test_lpp_cap_resets_each_calendar_year() -> None:
    """Seed 001: LPP allows up to 26,900,000 TPP "per calendar year basis"; the full cap used on 31 December
    2025 is available again on 1 January 2026."""
    v = verdicts(book([order("dec", LPP_CAP, "one", "2025-12-31"), order("jan", LPP_CAP, "one", "2026-01-01"),
                       order("jan2", 1, "one", "2026-01-02")]))
    assert v["dec"]["authorization"] == "LPP"
    assert v["jan"]["authorization"] == "LPP"
    assert failed(v["jan2"], "LPP") == ["lpp.within_cap"]


def test_caps_count_in_date_order_not_file_order() -> None:
    """DESIGN.md: "Transactions are evaluated in date order, then file order; each sees those before it": the
    May order, listed second, spends the LPP quota first (seed 004: 26,900,000 "per year")."""
    v = verdicts(book([order("sept", 1000, date="2025-09-01"), order("may", 1000, date="2025-05-21")]))
    assert v["may"]["authorization"] == "LPP"
    assert failed(v["sept"], "LPP") == ["lpp.within_cap"]


# ---------------------------------------------------------------------------
# Country allocation: "License applications for shipments to or within Tier 2 destinations will be
# reviewed under a presumption of approval, up to a per-country cumulative TPP installed base of
# 790,000,000 for the period from 2025 to 2027 ... Once the country-wide TPP allocations are met,
# license applications will be reviewed under a policy of denial" (seed 004).
# ---------------------------------------------------------------------------


def test_allocation_exactly_at_cap_then_one_over() -> None:
    """Seed 004: "up to a per-country cumulative TPP installed base of 790,000,000"; "Once the country-wide TPP
    allocations are met, license applications will be reviewed under a policy of denial"."""
    v = verdicts(book([order("at", 790_000, "k", consignee="dist"),
                       order("over", 1, "one", "2025-07-01", consignee="dist")], DISTRIBUTOR))
    at, over = v["at"], v["over"]
    assert at["review_policy"] == "approval_up_to_cap"
    assert old_keys(at["allocation"]) == {"country": "BR", "counts": True, "used_tpp": 0, "cap_tpp": COUNTRY_CAP}
    assert at["allocation"]["used_after_tpp"] == COUNTRY_CAP and at["allocation"]["headroom_tpp"] == 0
    assert at["outcome"] == "license_presumption_approval"
    assert at["outcome_rule"] == "outcome.license_within_cap"
    assert old_keys(over["allocation"]) == {"country": "BR", "counts": False, "used_tpp": COUNTRY_CAP,
                                            "cap_tpp": COUNTRY_CAP}
    # seed 004 Table 1: "(but policy of denial once the country cap is reached)": the policy it meets
    assert over["review_policy"] == "denial"
    assert over["outcome"] == "license_policy_denial"
    assert over["outcome_rule"] == "outcome.license_cap_reached"


def test_allocation_one_over_in_a_single_application() -> None:
    """Seed 004: approval only "up to" 790,000,000: one application for 790,000,001 TPP is denied."""
    v = verdicts(book([order("over", COUNTRY_CAP + 1, "one", consignee="dist")], DISTRIBUTOR))
    assert v["over"]["outcome"] == "license_policy_denial"
    assert v["over"]["allocation"]["counts"] is False


def test_denied_application_does_not_use_the_allocation() -> None:
    """Seed 004: a denied application ships nothing, so a later, smaller application still fits
    ("Once the country-wide TPP allocations are met" refers to what was licensed)."""
    v = verdicts(book([order("big", 800_000, "k", consignee="dist"),
                       order("small", 790_000, "k", "2025-07-01", consignee="dist")], DISTRIBUTOR))
    assert v["big"]["outcome"] == "license_policy_denial"
    assert v["small"]["allocation"]["used_tpp"] == 0
    assert v["small"]["outcome"] == "license_presumption_approval"


def test_allocation_is_per_country() -> None:
    """Seed 004: "per-country cumulative TPP installed base": Brazil's full allocation leaves Mexico's untouched."""
    parties = DISTRIBUTOR + [{"id": "mx-dist", "hq": "MX", "located": "MX", "distributor": True}]
    v = verdicts(book([order("br", 790_000, "k", consignee="dist"),
                       order("mx", 790_000, "k", "2025-07-01", consignee="mx-dist", to="MX")], parties))
    assert old_keys(v["mx"]["allocation"]) == {"country": "MX", "counts": True, "used_tpp": 0, "cap_tpp": COUNTRY_CAP}
    assert v["mx"]["outcome"] == "license_presumption_approval"


def test_supp5_b_country_allocation_doubles() -> None:
    """Seed 004: for a country listed "in paragraph (b) to Supplement No. 5 to Part 740 ... the country-wide
    TPP allocation applicable to that country may be increased up to 100%": 1,580,000,000 TPP exactly is
    within, one more is not (alloc.cap_supp5_b)."""
    countries = {"BR": {"supp5_b": True}}
    v = verdicts(book([order("at", 1_580_000, "k", consignee="dist"),
                       order("over", 1, "one", "2025-07-01", consignee="dist")], DISTRIBUTOR, countries=countries))
    assert v["at"]["allocation"]["cap_tpp"] == 2 * COUNTRY_CAP
    assert v["at"]["outcome"] == "license_presumption_approval"
    assert v["over"]["allocation"]["used_tpp"] == 2 * COUNTRY_CAP
    assert v["over"]["outcome"] == "license_policy_denial"


def test_supp5_b_increase_is_a_parameter() -> None:
    """Seed 004: "may be increased up to 100%": a what-if granting 50% gives 1,185,000,000."""
    s = book([order("t", 1, "one", consignee="dist")], DISTRIBUTOR, countries={"BR": {"supp5_b": True}},
             parameters={"supp5_b_allocation_increase_pct": 50})
    assert verdicts(s)["t"]["allocation"]["cap_tpp"] == 1_185_000_000


def test_allocation_period_ends_in_2027() -> None:
    """Seed 004: the allocation is "for the period from 2025 to 2027 (to be updated annually thereafter)": an
    application dated 2028 is not measured against it."""
    v = verdicts(book([order("later", 800_000, "k", "2028-01-03", consignee="dist")], DISTRIBUTOR))
    assert v["later"]["allocation"] is None
    assert v["later"]["outcome"] == "license_presumption_approval"
    assert v["later"]["outcome_rule"] == "outcome.license_outside_period"


def test_lpp_exports_do_not_count_toward_allocation() -> None:
    """Seed 004: "Items exported or reexported pursuant to License Exception LPP do not count toward
    country-wide TPP allocations"."""
    parties = [{"id": "buyer", "hq": "BR"}] + DISTRIBUTOR
    v = verdicts(book([order("lpp", LPP_CAP, "one"), order("lic", 1000, "one", "2025-07-01", consignee="dist")],
                      parties))
    assert v["lpp"]["authorization"] == "LPP"
    assert v["lpp"]["allocation"]["counts"] is False
    assert v["lic"]["allocation"]["used_tpp"] == 0


@pytest.mark.parametrize("veu", [{"type": "UVEU"}, {"type": "NVEU", "locations": ["BR"]}])
def test_veu_exports_do_not_count_toward_allocation(veu: dict[str, Any]) -> None:
    """Seed 004: "Items exported ... pursuant to UVEU authorizations do not count toward the country-wide TPP
    licensing allocations"; the NVEU allocations "do not count towards country-wide TPP allocations"."""
    parties = [{"id": "veu", "hq": "US" if veu["type"] == "UVEU" else "BR", "located": "BR", "veu": veu,
                "deployment": {"US": 30_000_000_000}}] + DISTRIBUTOR
    v = verdicts(book([order("dc", 60_000, consignee="veu"),
                       order("lic", 1000, "one", "2025-07-01", consignee="dist")], parties,
                      parameters={"nveu_country_cap_tpp": 1_000_000_000}))
    assert v["dc"]["authorization"] == veu["type"]
    assert v["dc"]["outcome"] == "authorized_by_veu"
    assert v["dc"]["allocation"]["counts"] is False
    assert v["lic"]["allocation"]["used_tpp"] == 0


# ---------------------------------------------------------------------------
# Ledger entries as recorded: "A ledger entry may state how it went out ("authorization": "LPP",
# "license", "UVEU", ...); without it earlog decides it like any transaction" (issue 3, DESIGN.md).
# ---------------------------------------------------------------------------


def test_ledger_entry_recorded_as_lpp_counts_toward_lpp_cap() -> None:
    """Seed 004: 26,900,000 "cumulative ... per year per ultimate consignee": a recorded LPP shipment of
    26,000,000 TPP leaves 900,000, so 900,000 fits and 900,001 does not."""
    ledger = [order("past", 26_000, "k", "2025-05-16", authorization="LPP")]
    v = verdicts(book([order("fits", 900_000, "one")], ledger=ledger))
    assert v["fits"]["authorization"] == "LPP"
    v = verdicts(book([order("over", 900_001, "one")], ledger=ledger))
    assert failed(v["over"], "LPP") == ["lpp.within_cap"]


def test_ledger_entry_recorded_as_lpp_does_not_count_toward_allocation() -> None:
    """Seed 004: LPP exports "do not count toward country-wide TPP allocations", recorded ones included."""
    ledger = [order("past", 26_000, "k", "2025-05-16", consignee="buyer", authorization="LPP")]
    parties = [{"id": "buyer", "hq": "BR"}] + DISTRIBUTOR
    v = verdicts(book([order("lic", 1, "one", consignee="dist")], parties, ledger))
    assert v["lic"]["allocation"]["used_tpp"] == 0


def test_ledger_entry_recorded_as_licensed_counts_toward_allocation() -> None:
    """Seed 004: approval "up to a per-country cumulative TPP installed base of 790,000,000": licences already
    granted (recorded as "license") fill the allocation: 789,000,000 recorded leaves exactly 1,000,000."""
    ledger = [order("granted", 789_000, "k", "2025-05-20", consignee="dist", authorization="license")]
    v = verdicts(book([order("fits", 1000, "k", consignee="dist"),
                       order("over", 1, "one", "2025-07-01", consignee="dist")], DISTRIBUTOR, ledger))
    assert v["fits"]["allocation"]["used_tpp"] == 789_000_000
    assert v["fits"]["outcome"] == "license_presumption_approval"
    assert v["over"]["allocation"]["used_tpp"] == COUNTRY_CAP
    assert v["over"]["outcome"] == "license_policy_denial"


def test_ledger_entry_recorded_as_uveu_does_not_count() -> None:
    """Seed 004: shipments "pursuant to UVEU authorizations do not count toward the country-wide TPP licensing
    allocations", as recorded; even a huge one leaves Brazil's allocation untouched."""
    ledger = [order("dc", 200_000, "h100", "2025-05-20", consignee="dist", authorization="UVEU")]
    v = verdicts(book([order("lic", 1000, "k", consignee="dist")], DISTRIBUTOR, ledger))
    assert v["lic"]["allocation"]["used_tpp"] == 0


def test_ledger_entry_without_authorization_is_decided() -> None:
    """Without a stated authorization a ledger entry is decided like a transaction: 1,000 H100s (15,832,000 TPP)
    went out under LPP, so another 1,000 the same year would exceed 26,900,000 (seed 004)."""
    v = verdicts(book([order("now", 1000)], ledger=[order("past", 1000, date="2025-05-20")]))
    assert failed(v["now"], "LPP") == ["lpp.within_cap"]
    assert v["now"]["allocation"]["used_tpp"] == 0


# ---------------------------------------------------------------------------
# Past 2^31: 136,000 H100s at TPP 15,832 are 2,153,152,000 TPP > 2,147,483,647.
# ---------------------------------------------------------------------------


def test_country_total_past_2_31_is_exact() -> None:
    """Seed 004's "per-country cumulative TPP installed base", with the allocation raised (what-if) to
    3,000,000,000: ten recorded licences of 13,600 H100s each bring Brazil to 2,153,152,000 TPP, past 2^31; the
    next application sees that exact total and is approved, and one that would pass 3,000,000,000 is denied."""
    ledger = [order(f"granted{i}", 13_600, "h100", f"2025-05-{i + 16:02d}", consignee="dist",
                    authorization="license") for i in range(10)]
    used = 10 * 13_600 * H100_TPP
    assert used == 2_153_152_000 > 2**31 - 1
    s = book([order("next", 1000, consignee="dist"), order("too-much", 55_000, date="2025-07-01", consignee="dist")],
             DISTRIBUTOR, ledger, parameters={"country_allocation_tpp": 3_000_000_000})
    v = verdicts(s)
    assert old_keys(v["next"]["allocation"]) == {"country": "BR", "counts": True, "used_tpp": used,
                                                 "cap_tpp": 3_000_000_000}
    assert v["next"]["allocation"]["used_after_tpp"] == used + 1000 * H100_TPP > 2**31
    assert v["next"]["outcome"] == "license_presumption_approval"
    assert v["too-much"]["allocation"]["used_tpp"] == used + 1000 * H100_TPP
    assert v["too-much"]["outcome"] == "license_policy_denial"


def test_single_order_past_2_31_is_denied_not_wrapped() -> None:
    """Seed 004: approval only "up to" 790,000,000 TPP: 136,000 H100s (2,153,152,000 TPP) in one application is
    denied, and neither LPP's 26,900,000 nor the allocation is fooled by 32-bit wrap-around (300,000 H100s are
    4,749,600,000 TPP, which wraps to a small positive number in 32 bits)."""
    for qty in (136_000, 300_000):
        v = verdicts(book([order("huge", qty, consignee="buyer")]))
        assert failed(v["huge"], "LPP") == ["lpp.within_cap"]
        assert v["huge"]["outcome"] == "license_policy_denial"
        assert v["huge"]["allocation"]["counts"] is False


def test_lpp_total_past_2_31_with_raised_cap() -> None:
    """Seed 004's LPP cap "per year per ultimate consignee", raised by a what-if to 4,400,000,000: two orders
    of 136,000 H100s fit (4,306,304,000 in total, past 2^31), a third unit does not."""
    s = book([order("a", 136_000, date="2025-05-20"), order("b", 136_000, date="2025-05-21"),
              order("c", 6_000, date="2025-05-22")], parameters={"lpp_annual_cap_tpp": 4_400_000_000})
    v = verdicts(s)
    assert v["a"]["authorization"] == "LPP"
    assert v["b"]["authorization"] == "LPP"
    assert failed(v["c"], "LPP") == ["lpp.within_cap"]
