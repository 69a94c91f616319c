"""Headquarters and ultimate-parent chains (policy/ownership.lp).

The seeds test an entity by where it is "headquartered in, or whose ultimate parent
company is headquartered in" (seed 004).  These cases walk chains of depth three
and more both ways: a Tier 1 subsidiary whose ultimate parent is in Tier 3, and a
Tier 2 subsidiary whose ultimate parent is in Tier 1; and they pin that only the
ultimate parent (the top of the chain) counts, not an intermediate holding.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import H100_TPP, available, deciding_rules, failed, verdict


def chain(*hqs: str) -> list[dict[str, Any]]:
    """Parties p0 -> p1 -> ... -> pN, p0 the consignee, each owned by the next, headquartered in hqs."""
    parties = []
    for i, hq in enumerate(hqs):
        p: dict[str, Any] = {"id": f"p{i}", "hq": hq, "located": hq}
        if i + 1 < len(hqs):
            p["parent"] = f"p{i + 1}"
        parties.append(p)
    return parties


def shipment(parties: list[dict[str, Any]], to: str, datacenter: bool = True, **tx: Any) -> dict[str, Any]:
    t = {"id": "t1", "kind": "export", "item": "chip", "quantity": 10, "from": "US", "to": to,
         "consignee": "p0", "end_user": "p0", "end_use": "production", "ultimate_destination": "US",
         "date": "2025-06-01", "prior_certification": True, "prior_notification": True}
    t.update(tx)
    parties[0]["located"] = to  # the consignee receives the items where they go (15 CFR 772.1)
    return {
        "parties": parties,
        "items": [{"id": "chip", "eccn": "3A090.a", "tpp": H100_TPP, "datacenter": datacenter,
                   "designer": "approved"}],
        "transactions": [t],
    }


# --- A Tier 1 subsidiary of a Tier 3 parent ---
# Japanese lab -> Dutch holding -> German holding -> Chinese group (depth 3 to the ultimate parent).
TIER1_UNDER_TIER3 = ("JP", "NL", "DE", "CN")


def test_tier1_subsidiary_of_tier3_parent_loses_aia() -> None:
    """Seed 004: AIA is for parties that "do not have an ultimate parent company headquartered outside of,
    Tier 1"; the Japanese lab's ultimate parent, three levels up, is Chinese."""
    v = verdict(shipment(chain(*TIER1_UNDER_TIER3), "JP"))
    assert failed(v, "AIA") == ["aia.no_parent_outside_tier1"]


def test_tier1_subsidiary_of_tier3_parent_loses_acm_and_lpp() -> None:
    """Seed 004: ACM and LPP require a party that "is not headquartered in, and does not have an ultimate
    parent headquartered in, a Tier 3 destination"."""
    v = verdict(shipment(chain(*TIER1_UNDER_TIER3), "JP"))
    assert failed(v, "ACM") == ["acm.entity_not_tier3"]
    assert failed(v, "LPP") == ["lpp.consignee_not_tier3"]
    assert available(v) == set()


@pytest.mark.parametrize("dest", ["JP", "BR"])
def test_tier1_subsidiary_of_tier3_parent_is_reviewed_under_denial(dest: str) -> None:
    """Seed 004 Table 1: "Approval, unless destined to an entity headquartered in or with an ultimate parent
    headquartered in Tier 3" (Tier 1) and "Denial for entities headquartered, or with an ultimate parent
    company headquartered, in Tier 3" (Tier 2): denial is the only policy derived."""
    s = shipment(chain(*TIER1_UNDER_TIER3), dest)
    v = verdict(s)
    assert v["review_policy"] == "denial"
    assert deciding_rules(s, "review_policy") == {"denial": {"review.tier3_entity_denial"}}
    assert v["outcome"] == "license_presumption_denial"
    assert v["outcome_rule"] == "outcome.license_denial"


def test_tier1_subsidiary_of_tier3_parent_can_use_nac() -> None:
    """Seed 004 Table 1: "NAC* for entities headquartered in or with an ultimate parent headquartered in
    Tier 3" (for items not designed or marketed for datacenters)."""
    v = verdict(shipment(chain(*TIER1_UNDER_TIER3), "JP", datacenter=False))
    assert available(v) == {"NAC"}
    assert v["exceptions"]["NAC"]["rule"] == "nac.available"
    assert v["authorization"] == "NAC"


# --- A Tier 2 subsidiary of a Tier 1 parent ---
# Brazilian cloud -> Mexican holding -> Irish holding -> US parent (depth 3).
TIER2_UNDER_TIER1 = ("BR", "MX", "IE", "US")


def test_tier2_subsidiary_of_tier1_parent_is_approved_without_cap() -> None:
    """Seed 004 Table 1, 3A090.a to Tier 2: "Approval for entities headquartered in, or with an ultimate
    parent company headquartered in, Tier 1"."""
    s = shipment(chain(*TIER2_UNDER_TIER1), "BR", end_use="training", quantity=5000)
    v = verdict(s)
    assert v["review_policy"] == "approval"
    assert deciding_rules(s, "review_policy") == {"approval": {"review.a_tier2_tier1_entity_approval"}}
    assert v["outcome"] == "license_presumption_approval"
    assert v["outcome_rule"] == "outcome.license_approval"


def test_tier2_subsidiary_of_tier1_parent_without_the_parent_is_capped() -> None:
    """Seed 004 Table 1: "Approval up to the applicable country cap for entities headquartered in, and that
    have an ultimate parent headquartered in, Tier 2": cut the chain below the US parent and the cap applies."""
    parties = chain("BR", "MX", "AR")
    s = shipment(parties, "BR", end_use="training", quantity=5000)
    assert deciding_rules(s, "review_policy") == {"approval_up_to_cap": {"review.a_tier2_up_to_cap"}}


def test_tier2_subsidiary_of_tier1_parent_still_lacks_aia() -> None:
    """Seed 004: AIA is for parties "headquartered in ... Tier 1 destinations"; a Tier 1 ultimate parent does
    not make the Brazilian subsidiary Tier-1 headquartered (740.27 text; see test_table1 on the Table's
    shorter wording)."""
    v = verdict(shipment(chain(*TIER2_UNDER_TIER1), "JP"))
    assert failed(v, "AIA") == ["aia.hq_tier1"]


def test_tier2_subsidiary_of_tier1_parent_qualifies_for_uveu() -> None:
    """Seed 004: UVEU for "companies headquartered in, or whose ultimate parent company is headquartered in, a
    Tier 1 destination"."""
    parties = chain(*TIER2_UNDER_TIER1)
    parties[0]["veu"] = {"type": "UVEU"}
    parties[0]["deployment"] = {"JP": 2_000_000_000}  # seed 003: at most 7% in Brazil, at least 75% in Tier 1
    v = verdict(shipment(parties, "BR", end_use="training", quantity=5000))
    assert v["veu"]["UVEU"]["available"] is True
    assert v["authorization"] == "UVEU"


# --- Only the ultimate parent counts ---


def test_intermediate_tier3_holding_does_not_taint() -> None:
    """Seed 004 tests the "ultimate parent company": a Japanese lab held through a Chinese intermediate by a
    US parent is not a Tier 3 entity, and AIA ("do not have an ultimate parent company headquartered outside
    of, Tier 1") is available."""
    s = shipment(chain("JP", "CN", "HK", "US"), "JP")
    v = verdict(s)
    assert v["exceptions"]["AIA"]["available"] is True
    assert v["review_policy"] == "approval"
    assert deciding_rules(s, "review_policy") == {"approval": {"review.a_tier1_approval"}}


def test_intermediate_tier1_holding_does_not_cleanse() -> None:
    """Seed 004: "headquartered in, or whose ultimate parent company is headquartered in" Tier 3: a Brazilian
    cloud held through US and Japanese holdings by a Macanese group is a Tier 3 entity."""
    s = shipment(chain("BR", "US", "JP", "MO"), "BR")
    v = verdict(s)
    assert failed(v, "LPP") == ["lpp.consignee_not_tier3"]
    assert deciding_rules(s, "review_policy") == {"denial": {"review.tier3_entity_denial"}}


def test_deep_chain_resolves_to_the_top() -> None:
    """Seed 004 ("ultimate parent company") sets no depth limit: a chain of seven owners still reaches a
    Tier 3 ultimate parent."""
    s = shipment(chain("BR", "MX", "CL", "AR", "PE", "CO", "UY", "CN"), "BR")
    assert failed(verdict(s), "LPP") == ["lpp.consignee_not_tier3"]


def test_end_user_chain_counts_as_well_as_consignee() -> None:
    """Seed 004: LPP requires that the ultimate consignee be "not headquartered in, and does not have an
    ultimate parent headquartered in, a Tier 3 destination", and Table 1 denies "entities headquartered, or
    with an ultimate parent company headquartered, in Tier 3": the Brazilian consignee has no parent, but the
    end user sits three levels under a Chinese group, so LPP fails on two counts (another firm's end user, a
    Tier 3 entity) and review is under denial."""
    parties = [{"id": "p0", "hq": "BR", "located": "BR"}, *chain("BR", "MX", "AR", "CN")]
    for p in parties[1:]:
        p["id"] = "ops" if p["id"] == "p0" else f"ops-{p['id']}"
        if "parent" in p:
            p["parent"] = f"ops-{p['parent']}"
    s = shipment(parties, "BR", end_user="ops")
    v = verdict(s)
    assert failed(v, "LPP") == ["lpp.direct_to_consignee", "lpp.consignee_not_tier3"]
    assert deciding_rules(s, "review_policy") == {"denial": {"review.tier3_entity_denial"}}


def test_lpp_ultimate_consignee_is_the_ultimate_parent() -> None:
    """Seed 004: "An 'ultimate consignee' for purposes of License Exception LPP means the ultimate parent
    entity that will have ultimate ownership over the eligible items": two subsidiaries three levels under
    the same Brazilian parent share one annual LPP quota (the second order would take it past 26,900,000)."""
    parties = chain("BR", "BR", "BR", "BR")
    parties.append({"id": "sister", "hq": "BR", "located": "BR", "parent": "p2"})
    s = shipment(parties, "BR", quantity=1000, end_use="inference")
    s["transactions"].append({**s["transactions"][0], "id": "t2", "consignee": "sister", "end_user": "sister",
                              "date": "2025-07-01", "quantity": 1000})
    first, second = verdict(s, "t1"), verdict(s, "t2")
    assert first["authorization"] == "LPP"
    assert failed(second, "LPP") == ["lpp.within_cap"]
