"""Compliance dates and savings clauses (dates.lp): a transaction dated before a
provision applies is judged without it, and the verdict says so."""

from __future__ import annotations

from conftest import scenario, verdict


def not_applied(v: dict) -> set[tuple[str, str]]:
    return {(p["provision"], p["why"]) for p in v["provisions_not_applied"]}


def test_before_may_15_2025_the_worldwide_requirement_does_not_apply() -> None:
    # seed 004: "not required to comply with the changes made via that rule until May 15, 2025"
    v = verdict(scenario(tx={"date": "2025-05-14"}))
    assert v["license_required"] is False and v["outcome"] == "no_license_required"
    assert ("ai_diffusion_ifr", "not_yet_in_force") in not_applied(v)
    assert v["provisions_not_applied"][0]["compliance_date"] == "2025-05-15"


def test_on_may_15_2025_the_worldwide_requirement_applies() -> None:
    v = verdict(scenario(tx={"date": "2025-05-15"}))
    assert [r["rule"] for r in v["requirements"]] == ["req.rs_worldwide"]
    # only the delayed VEU security requirements are still ahead
    assert not_applied(v) == {("supp10_security", "not_yet_in_force")}


def test_before_compliance_the_existing_controls_still_reach_tier3() -> None:
    # seed 004: the rules "maintain the existing strict controls on advanced ICs destined for Macau, China and
    # other U.S. arms-embargoed jurisdictions"
    v = verdict(scenario(tx={"date": "2025-03-01", "to": "CN"}))
    assert [r["rule"] for r in v["requirements"]] == ["req.rs_existing_controls"]
    assert v["outcome"] == "license_presumption_denial"
    assert "LPP" not in v["exceptions"]  # LPP did not exist before the IFR applied


def test_en_route_on_may_15_proceeds_through_june_16() -> None:
    # seed 004: "en route aboard a carrier ... on May 15, 2025 ... may proceed to that destination without a
    # license through June 16, 2025"
    v = verdict(scenario(tx={"date": "2025-06-16", "en_route_on": "2025-05-15"}))
    assert v["license_required"] is False
    assert ("ai_diffusion_ifr", "en_route_savings_clause") in not_applied(v)
    assert v["provisions_not_applied"][0]["rule"] == "dates.savings_ai_diffusion"


def test_en_route_savings_end_after_june_16() -> None:
    v = verdict(scenario(tx={"date": "2025-06-17", "en_route_on": "2025-05-15"}))
    assert v["license_required"] is True


def test_en_route_on_another_day_is_not_saved() -> None:
    v = verdict(scenario(tx={"date": "2025-06-01", "en_route_on": "2025-05-20"}))
    assert v["license_required"] is True


def test_delayed_security_date_follows_the_interpretation() -> None:
    # seeds 000/001: "January 15, 2026"; seed 004: "January 25, 2026"
    s = {
        "parties": [{"id": "lab", "hq": "JP", "located": "JP"}],
        "items": [{"id": "w", "eccn": "4E091"}],
        "transactions": [{"id": "t1", "kind": "export", "item": "w", "quantity": 1, "from": "US", "to": "JP",
                          "consignee": "lab", "prior_certification": True, "date": "2026-01-20"}],
    }
    assert verdict(s)["exceptions"]["AIA"]["available"] is False
    s["assume"] = {"delayed_compliance_date": "january_25_2026"}
    v = verdict(s)
    assert v["exceptions"]["AIA"]["available"] is True
    assert ("supp10_security", "not_yet_in_force") in not_applied(v)
