"""Explanations: which rules a why-tree names and which condition a why-not marks
as the first that failed, for a case of every exception and VEU and every review
policy (seed 004, Table 1 and the text of 740.8, 740.25, 740.27-740.29 and Supp.
No. 7 to part 748).  Trees are depth-limited where the exact rule set is pinned,
so a change elsewhere in the policy does not move them."""

from __future__ import annotations

from typing import Any

from clingo import parse_term
from conftest import scenario

from earlog.explain import Explanation, explain
from earlog.explain.model import Application
from earlog.scenario.json_input import scenario_from_dict


def why(s: dict[str, Any], atom: str, depth: int | None = None) -> Explanation:
    return explain(scenario_from_dict(s), parse_term(atom), depth=depth)


def why_not(s: dict[str, Any], atom: str, depth: int | None = None, all_failed: bool = False) -> Explanation:
    return explain(scenario_from_dict(s), parse_term(atom), why_not=True, depth=depth, all_failed=all_failed)


def tried(e: Explanation, rule: str) -> Application:
    """The application of `rule` in the tree (the first one met, depth first)."""
    for n in e.root.walk():
        for a in n.rules:
            if a.rule == rule:
                return a
    raise AssertionError(f"{rule} is not in the tree; rules: {sorted(e.rule_ids())}")


def first_failed(e: Explanation, rule: str) -> str:
    c = tried(e, rule).first_failed()
    assert c is not None, f"{rule} has no failed condition"
    return c.literal


def us_buyer_in(country: str) -> dict[str, Any]:
    return scenario(party={"hq": "US", "located": country}, tx={"to": country, "end_use": "production",
                                                                 "ultimate_destination": "US"})


# --- exceptions ---------------------------------------------------------------------

def test_aia_why_not_brazil_stops_at_tier1_destination() -> None:
    """Seed 004: AIA reaches "parties located in Tier 1 destinations"; Brazil is Tier 2."""
    e = why_not(scenario(), 'exception_available("t1", aia)')
    assert first_failed(e, "aia.available") == "met(T,aia,dest_tier1)"
    assert first_failed(e, "aia.dest_tier1") == "dest_tier(T,1)"
    # what holds instead is shown with the rule that decided it: BR is Tier 2
    insteads = [n for n in e.root.walk() if n.text.startswith("instead") and n.atom == 'dest_tier("t1",2)']
    assert insteads and insteads[0].rules[0].rule == "tx.destination_tier"
    assert "countries.tier2" in {a.rule for n in insteads[0].walk() for a in n.rules} or insteads[0].rules


def test_aia_why_available_for_us_buyer_in_germany() -> None:
    """Seed 004: AIA for parties located in Tier 1 "that are headquartered in ... Tier 1 destinations"."""
    e = why(us_buyer_in("DE"), 'exception_available("t1", aia)', depth=2)
    assert e.fired_rule_ids() == {"aia.available", "exceptions.relevant", "tx.family", "aia.dest_tier1",
                                  "aia.hq_tier1", "aia.no_parent_outside_tier1", "aia.designer"}


def test_acm_why_not_inference_end_use() -> None:
    """Seed 004: ACM is "not available if the end use ... is ... any activity not related to the development,
    production, or storage of the eligible items"."""
    e = why_not(scenario(tx={"end_use": "inference", "ultimate_destination": "US"}), 'exception_available("t1", acm)')
    assert first_failed(e, "acm.available") == "met(T,acm,end_use)"
    assert first_failed(e, "acm.end_use") == "acm_end_use(U)"


def test_lpp_why_available_names_every_condition() -> None:
    """Seed 004: LPP "directly to any single ultimate consignee located in a Tier 1 or 2 destination"."""
    e = why(scenario(), 'exception_available("t1", lpp)', depth=2)
    lpp = {r for r in e.fired_rule_ids() if r.startswith("lpp.")}
    assert lpp == {"lpp.available", "lpp.export_or_reexport", "lpp.no_distributor", "lpp.direct_to_consignee",
                   "lpp.dest_tier12", "lpp.consignee_not_tier3", "lpp.within_cap"}


def test_lpp_why_not_over_cap_shows_the_numbers() -> None:
    """Seed 004: LPP "up to a cumulative TPP of 26,900,000 per year per ultimate consignee"."""
    s = scenario(tx={"quantity": 200})
    s["ledger"] = [dict(s["transactions"][0], id="l1", quantity=1600, date="2025-02-01", authorization="LPP")]
    e = why_not(s, 'met("t1", lpp, within_cap)')
    c = tried(e, "lpp.within_cap").first_failed()
    assert c is not None and c.literal == "@leq(@add(V,A),Cap) = 1"
    # 1,600 x 15,832 used before; 200 x 15,832 now; over the cap
    assert "25,331,200" in c.detail and "3,166,400" in c.detail and "28,497,600" in c.detail
    assert "> 26,900,000 [param lpp_annual_cap_tpp, 15 CFR 740.29]" in c.detail
    assert c.params == [{"name": "lpp_annual_cap_tpp", "value": "26900000", "cite": "15 CFR 740.29"}]


def test_aca_why_not_datacenter_chip() -> None:
    """Seed 004 Table 1 note: "ACA and NAC are not available for items designed or marketed for use in
    datacenters and meeting the parameters of ECCN 3A090.a"."""
    e = why_not(scenario(), 'exception_available("t1", aca)')
    assert first_failed(e, "aca.available") == "met(T,aca,not_datacenter_3a090a)"
    assert first_failed(e, "aca.not_datacenter_3a090a") == "not tx_datacenter_3a090a(T)"
    # the `not` failed because the atom holds: its why-tree names the rules that derived it
    assert {"tx.datacenter_3a090a", "items.datacenter_3a090a"} <= e.fired_rule_ids()


def test_nac_why_not_outside_tier3_tries_both_rules() -> None:
    """Seed 000: NAC authorizes exports "to Macau, Country Group D:5, and entities headquartered in or with
    ultimate parents headquartered in these locations"; a Brazilian buyer is neither."""
    e = why_not(scenario(item={"datacenter": False}), 'exception_available("t1", nac)')
    assert first_failed(e, "nac.available") == "met(T,nac,tier3_destination_or_entity)"
    assert first_failed(e, "nac.tier3_destination") == "dest_tier(T,3)"
    assert first_failed(e, "nac.tier3_entity") == "tier3_entity(T)"


def test_hbm_why_available_to_tier3() -> None:
    """Seed 004 Table 1: "3A090.c | Tier 3 | Yes | License Exception High Bandwidth Memory"."""
    s = scenario(item={"eccn": "3A090.c"}, tx={"to": "CN"}, party={"hq": "CN", "located": "CN"})
    e = why(s, 'exception_available("t1", hbm)', depth=2)
    assert e.fired_rule_ids() == {"hbm.available", "exceptions.relevant", "hbm.tier3_row"}


def test_uveu_why_not_operator_without_authorization() -> None:
    """Seed 004: "both the owner and operator must obtain a UVEU authorization"."""
    s = scenario(party={"hq": "US", "veu": {"type": "UVEU", "locations": ["BR"]}})
    s["parties"].append({"id": "operator", "hq": "US", "located": "BR"})
    s["transactions"][0]["end_user"] = "operator"
    e = why_not(s, 'veu_available("t1", uveu)')
    assert first_failed(e, "uveu.available") == "met(T,uveu,operator_authorized)"
    assert first_failed(e, "uveu.operator_authorized") == "veu_status(P,uveu)"


def test_nveu_why_available_at_authorized_location() -> None:
    """Seed 001: NVEUs may receive items "to build data centers in specified locations"."""
    s = scenario(party={"veu": {"type": "NVEU", "locations": ["BR"]}}, parameters={"nveu_country_cap_tpp": 10**9})
    e = why(s, 'veu_available("t1", nveu)', depth=2)
    assert e.fired_rule_ids() == {"nveu.available", "veu.relevant", "nveu.holder_authorized", "nveu.hq_outside_tier3",
                                  "nveu.authorized_location", "nveu.dest_not_tier3", "nveu.country_cap"}


# --- review policies -----------------------------------------------------------------

def test_review_approval_tier1_destination() -> None:
    """Seed 004 Table 1: 3A090.a to Tier 1, "Approval"."""
    e = why(us_buyer_in("DE"), 'review_policy("t1", approval)', depth=1)
    assert e.fired_rule_ids() == {"review.a_tier1_approval"}


def test_review_approval_up_to_cap_tier2_entity() -> None:
    """Seed 004 Table 1: "Approval up to the applicable country cap for entities headquartered in ... Tier 2"."""
    e = why(scenario(), 'review_policy("t1", approval_up_to_cap)', depth=1)
    assert e.fired_rule_ids() == {"review.a_tier2_up_to_cap"}
    n = why_not(scenario(), 'review_policy("t1", approval)', depth=1)
    assert first_failed(n, "review.a_tier1_approval") == "dest_tier(T,1)"
    assert first_failed(n, "review.a_tier2_tier1_entity_approval") == "tier1_entity(T)"


def test_review_denial_tier3_entity_and_destination() -> None:
    """Seed 004 Table 1: Tier 3, "Denial"; and denial "unless destined to an entity headquartered in ... Tier 3"."""
    s = scenario(tx={"to": "CN"}, party={"hq": "CN", "located": "CN"})
    e = why(s, 'review_policy("t1", denial)', depth=1)
    assert e.fired_rule_ids() == {"review.tier3_entity_denial", "review.tier3_destination_denial"}


def cap_reached() -> dict[str, Any]:
    # 2,000 H100s pass the LPP cap, so the shipment needs a license; a 1,000,000 TPP allocation is exceeded
    return scenario(tx={"quantity": 2000}, parameters={"country_allocation_tpp": 1000000})


def test_policy_denial_when_allocation_reached() -> None:
    """Seed 004: "Once the country-wide TPP allocations are met, license applications will be reviewed under a
    policy of denial"."""
    e = why(cap_reached(), 'outcome("t1", license_policy_denial)', depth=3)
    assert {"outcome.license_cap_reached", "route.license", "alloc.reached_denial_cap", "review.a_tier2_up_to_cap",
            "alloc.exceeded"} <= e.fired_rule_ids()
    n = why_not(cap_reached(), 'within_allocation("t1")')
    c = tried(n, "alloc.within").first_failed()
    assert c is not None and c.literal == "@leq(@add(V,A),Cap) = 1"
    assert "> 1,000,000 [Cap, allocation_cap(C,Cap)]" in c.detail and "31,664,000" in c.detail


# --- the tree itself ------------------------------------------------------------------

def test_shared_sub_derivations_shown_once() -> None:
    """exception_relevant(t1, lpp) supports every LPP condition: expanded once, referred to afterwards."""
    e = why(scenario(), 'exception_available("t1", lpp)')
    derived = [n for n in e.root.walk() if n.kind == "derived" and n.atom == 'exception_relevant("t1",lpp)']
    refs = [n for n in e.root.walk() if n.kind == "ref" and n.atom == 'exception_relevant("t1",lpp)']
    assert len(derived) == 1 and len(refs) >= 5 and all(r.ref == derived[0].id for r in refs)


def test_leaves_point_back_to_the_scenario_and_the_policy() -> None:
    e = why(scenario(), 'dest_tier("t1", 2)')
    leaves = {n.atom: n for n in e.root.walk() if n.kind in ("scenario_fact", "policy_fact", "engine_fact")}
    assert leaves['tx_to("t1",br)'].origin == {"where": "$.transactions[0].to", "what": "transaction t1, field to"}
    assert leaves["scenario_country(br)"].kind == "engine_fact"
    negs = [n for n in e.root.walk() if n.kind == "absent"]
    assert any(n.atom == "tier1_listed(br)" and n.expand == "why not tier1_listed(br)" for n in negs)


def test_all_failed_marks_every_failed_condition() -> None:
    """With --all, every failed condition of ACM is marked, not only the first."""
    s = scenario(tx={"end_use": "inference"})
    e = why_not(s, 'exception_available("t1", acm)', depth=0, all_failed=True)
    a = tried(e, "acm.available")
    assert [c.literal for c in a.conditions if c.status == "failed"] == [
        "met(T,acm,end_use)", "met(T,acm,destined_outside_tier3)"]
    assert [c.literal for c in a.conditions if c.first_failed] == ["met(T,acm,end_use)"]


def test_wrong_question_names_the_right_one() -> None:
    import pytest

    from earlog.errors import EarlogError

    with pytest.raises(EarlogError, match="ask why not"):
        why(scenario(), 'exception_available("t1", aia)')
    with pytest.raises(EarlogError, match="ask why, not why not"):
        why_not(scenario(), 'exception_available("t1", lpp)')


def test_verdict_explanation_is_the_outcome_tree() -> None:
    import earlog

    plain = earlog.evaluate(scenario())
    explained = earlog.evaluate(scenario(), explain=True)
    assert plain[0].explanation is None
    tree = explained[0].explanation
    assert tree["schema"] == "earlog.explanation/1" and tree["atom"] == 'outcome("t1",authorized_by_exception)'
    assert tree["root"]["rules"][0]["rule"] == "outcome.exception"
    # explanations do not change the verdict
    a, b = plain[0].to_json(), explained[0].to_json()
    a.pop("explanation")
    b.pop("explanation")
    assert a == b
