"""The Entity List and facilities of concern (entity_list.lp), the is-informed savings
clause (dates.lp), and attrition outside the country allocation (allocations.lp)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import deciding_rules, scenario, verdict

import earlog
from earlog.errors import InputError


def listed(entity_list: Any, **tx: Any) -> dict[str, Any]:
    return scenario(party={"entity_list": entity_list}, tx=tx)


def test_listed_party_needs_a_license_for_any_item_under_presumption_of_denial() -> None:
    # seed 004: "A license is required for all items subject to the EAR, with a license review policy of a
    # presumption of denial"
    s = listed({"entry": "beijing_zhipu"}, to="CN")
    s["parties"][0].update(hq="CN", located="CN")
    s["items"][0] = {"id": "h100", "eccn": "3A090.c", "tpp": 100}
    v = verdict(s)
    assert "req.entity_list" in [r["rule"] for r in v["requirements"]]
    assert v["outcome"] == "license_presumption_denial"
    assert "review.entity_list_denial" in deciding_rules(s, "review_policy")["denial"]
    assert v["exceptions"] == {}  # no exception overcomes the Entity List requirement


def test_entry_is_listed_only_from_january_16_2025() -> None:
    # seed 004: "designated 27 entities to the Entity List effective January 16, 2025"
    s = listed({"entry": "sophgo"}, date="2025-01-15")
    s["items"][0] = {"id": "h100", "eccn": "3A090.c", "tpp": 100}
    assert verdict(s)["license_required"] is False
    s["transactions"][0]["date"] = "2025-01-16"
    assert verdict(s)["license_required"] is True


def test_user_listed_party_and_unknown_entry() -> None:
    s = listed({"footnote": None})
    s["items"][0] = {"id": "h100", "eccn": "3A090.c", "tpp": 100}
    assert verdict(s)["outcome"] == "license_presumption_denial"
    with pytest.raises(InputError, match=r"entity_list\.entry.*unknown Entity List entry 'sofgo'.*sophgo"):
        earlog.evaluate(listed({"entry": "sofgo"}))


def test_footnote4_fdp_reaches_foreign_items_for_a_footnote4_entity() -> None:
    # seed 004: "certain foreign-produced items are subject to the EAR pursuant to the Footnote 4 Entity List FDP
    # rule at EAR § 734.9(e)(2) when there is knowledge of a sufficient nexus to these entities"
    s = listed({"entry": "fujian_sophon"}, **{"from": "TW", "to": "SG"})
    # an item outside the advanced-computing ECCNs (a small model), so only the Footnote 4 rule can reach it
    s["items"][0] = {"id": "h100", "training_ops": 1000, "foreign_produced": True, "us_direct_product": True}
    v = verdict(s)
    assert {r["rule"] for r in v["subject_to_ear_reason"]} == {"ear.entity_list_footnote4_fdp"}
    s["parties"][0]["entity_list"] = {"entry": "beijing_zhipu"}  # no footnote 4
    assert verdict(s)["subject_to_ear"] is False


FAB: dict[str, Any] = {
    "parties": [{"id": "fab", "hq": "CN", "located": "CN",
                 "produces_ics": {"ic_type": "logic", "node_nm": 14}}],
    "items": [{"id": "tool-part", "eccn": "3A090.c", "tpp": 1, "foreign_produced": True, "us_content": True}],
    "transactions": [{"id": "t1", "kind": "export", "item": "tool-part", "quantity": 1, "from": "JP", "to": "CN",
                      "consignee": "fab", "date": "2025-03-01"}],
}


def test_de_minimis_reaches_foreign_items_for_a_16_14nm_logic_fab_in_d5() -> None:
    # seed 004: extended "to facilities in Macau, China, or another Country Group D:5 destination where the
    # production of logic or DRAM 'advanced-node integrated circuits' occurs"; "16/14 nanometer node"
    v = verdict(FAB)
    assert {r["rule"] for r in v["subject_to_ear_reason"]} == {"ear.facility_of_concern_de_minimis"}
    assert "req.facility_of_concern" in [r["rule"] for r in v["requirements"]]
    assert v["outcome"] == "license_presumption_denial"


def test_planar_28nm_fab_is_not_a_facility_of_concern() -> None:
    s = {**FAB, "parties": [{**FAB["parties"][0], "produces_ics": {"ic_type": "logic", "node_nm": 28}}]}
    assert verdict(s)["subject_to_ear"] is False
    s["parties"][0]["produces_ics"]["non_planar"] = True
    assert verdict(s)["subject_to_ear"] is True


def test_facility_rule_applies_only_from_january_31_2025() -> None:
    # seed 004: Due Diligence IFR "not required to comply ... until January 31, 2025"
    s = {**FAB, "transactions": [{**FAB["transactions"][0], "date": "2025-01-30"}]}
    v = verdict(s)
    assert v["subject_to_ear"] is False
    assert {"provision": "due_diligence_ifr", "why": "not_yet_in_force", "compliance_date": "2025-01-31",
            "rule": "dates.not_yet_in_force"} in v["provisions_not_applied"]


def test_is_informed_exemption_keeps_item_out_of_the_due_diligence_ifr() -> None:
    # seed 004: "If, in the twelve months prior to January 16, 2025, BIS exempted ... then ... indefinitely exempt
    # from any license requirement imposed by the Due Diligence IFR"
    s = {**FAB, "items": [{**FAB["items"][0], "is_informed_exemption": "2024-06-01"}]}
    v = verdict(s)
    assert v["license_required"] is False
    assert {"provision": "due_diligence_ifr", "why": "is_informed_exemption",
            "rule": "dates.savings_is_informed"} in v["provisions_not_applied"]
    s["items"][0]["is_informed_exemption"] = "2024-01-15"  # more than twelve months before
    assert verdict(s)["license_required"] is True


def test_attrition_replacement_does_not_count_toward_the_allocation() -> None:
    # seed 001 fn 5: "attrition of ICs due to loss, damage, failure, relocation, and resale will not count toward
    # the country allocation"
    big = {"quantity": 2000, "date": "2025-07-01"}
    s = scenario(tx={**big, "replaces_attrition": "failure"})
    v = verdict(s)
    assert v["allocation"]["counts"] is False and v["outcome"] == "license_presumption_approval"
    s["assume"] = {"attrition_and_allocation": "no_credit_for_attrition"}
    assert verdict(s)["allocation"]["counts"] is True
    assert verdict(scenario(tx=big))["allocation"]["counts"] is True
