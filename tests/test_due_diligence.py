"""Note 1 to 3A090.a (policy/due_diligence.lp), seed 004: "to treat as controlled under ECCN
3A090.a any logic ICs produced at or below a 16/14 nanometer node or using a non-planar
transistor architecture, unless the presumption is overcome in one of three ways"."""

from __future__ import annotations

import copy
from typing import Any

from conftest import verdict

BASE: dict[str, Any] = {
    "parties": [
        {"id": "fab", "hq": "TW", "located": "TW", "role": "front_end_fabricator"},
        {"id": "des", "hq": "JP", "located": "JP", "role": "ic_designer", "agrees_to_report": True},
        {"id": "buyer", "hq": "BR", "located": "BR"},
    ],
    "items": [{"id": "ic", "eccn": "3A090.b", "tpp": 3000, "logic_ic": True, "node_nm": 7,
               "designed_by": "des", "fabricated_by": "fab", "packaged_by": "fab", "packaged_in": "TW"}],
    "transactions": [{"id": "t1", "kind": "export", "item": "ic", "quantity": 1, "from": "TW", "to": "BR",
                      "consignee": "buyer", "end_use": "inference", "date": "2025-06-01", "exporter": "fab"}],
}
DESIGNER_ATT = {"kind": "tpp_performance_density", "by": "des", "tpp": 3000, "performance_density": 3.5}
FAB_ATT = {"kind": "transistor_count", "by": "fab", "transistor_count": 29_000_000_000}


def case(item: dict[str, Any] | None = None, tx: dict[str, Any] | None = None,
         des: dict[str, Any] | None = None) -> dict[str, Any]:
    s = copy.deepcopy(BASE)
    s["items"][0].update(item or {})
    s["transactions"][0].update(tx or {})
    s["parties"][1].update(des or {})
    return s


def cls(s: dict[str, Any]) -> dict[str, Any]:
    return verdict(s)["classification"]


def test_presumption_applies_to_fab_export_of_7nm_logic_ic() -> None:
    c = cls(case())
    assert (c["eccn"], c["by"], c["presumption"], c["rule"]) == ("3A090.a", "presumption", "applies", "dd.presumed")
    assert verdict(case())["license_required"] is True
    # "quarterly reporting requirements for front-end fabricators producing any IC ... presumed to be
    # classified under ECCN 3A090.a ... for authorized IC designers" (15 CFR 743.9)
    assert c["obligations"] == [{"rule": "dd.fab_quarterly_report", "party": "fab"}]


def test_non_planar_also_triggers_presumption() -> None:
    """"or using a non-planar transistor architecture": a 28 nm FinFET logic IC."""
    assert cls(case({"node_nm": 28, "non_planar": True}))["presumption"] == "applies"


def test_presumption_not_applicable_above_16nm_planar_or_non_fab_exporter() -> None:
    assert cls(case({"node_nm": 28}))["presumption"] == "not_applicable"
    assert cls(case(tx={"exporter": "buyer"}))["presumption"] == "not_applicable"


def test_presumption_excluded_for_4a090() -> None:
    """"does not apply to items classified under ECCNs 4A003.z, 4A004.z, 4A005.z, or 4A090"."""
    assert cls(case({"eccn": "4A090.b"}))["presumption"] == "not_applicable"


def test_overcome_by_authorized_designer_attestation_until_april_13_2026() -> None:
    """Authorized designer (HQ in A:1, agrees to report) attests TPP 3000 / PD 3.5: not 3A090.a."""
    c = cls(case({"attestations": [DESIGNER_ATT]}))
    assert (c["eccn"], c["presumption"], c["presumption_rule"]) == ("3A090.b", "overcome", "dd.overcome_designer")
    assert "obligations" not in c  # a 3A090.b IC: no quarterly report
    # "Until April 13, 2026": the day after, the designer is no longer authorized
    assert cls(case({"attestations": [DESIGNER_ATT]}, tx={"date": "2026-04-14"}))["presumption"] == "applies"


def test_designer_conditions() -> None:
    att = {"attestations": [DESIGNER_ATT]}
    assert cls(case(att, des={"agrees_to_report": False}))["presumption"] == "applies"
    assert cls(case(att, des={"hq": "BR"}))["presumption"] == "applies"           # not TW, A:1 or A:5
    assert cls(case(att, des={"located": "CN"}))["presumption"] == "applies"      # located in D:5
    approved = cls(case(att, des={"hq": "BR", "approved_ic_designer": True}))
    assert approved["presumption"] == "overcome" and "obligations" not in approved  # no report for approved


def test_attestation_must_show_not_3a090a() -> None:
    bad = dict(DESIGNER_ATT, performance_density=6.0)  # 3000 TPP at 6.0 meets 3A090.a.2
    assert cls(case({"attestations": [bad]}))["presumption"] == "applies"


def test_overcome_by_fab_transistor_attestation() -> None:
    """"packaged by the front-end fabricator at a location outside of Macau ... or D:5" and below 30 billion."""
    c = cls(case({"attestations": [FAB_ATT]}))
    assert (c["presumption"], c["presumption_rule"]) == ("overcome", "dd.overcome_fab_packaging")
    assert cls(case({"attestations": [FAB_ATT], "packaged_in": "CN"}))["presumption"] == "applies"
    over = dict(FAB_ATT, transistor_count=30_000_000_000)
    assert cls(case({"attestations": [over]}))["presumption"] == "applies"


def test_no_hbm_thresholds_by_year_and_2028_interpretation() -> None:
    """No HBM: below 35 billion "completed in 2027"; 40 billion "in 2029 or thereafter"; 2028 is silent."""
    att = {"attestations": [dict(FAB_ATT, transistor_count=34_000_000_000, hbm=False)]}
    assert cls(case(att, tx={"date": "2027-03-01"}))["presumption"] == "overcome"
    assert cls(case(att, tx={"date": "2026-03-01"}))["presumption"] == "applies"
    assert cls(case(att, tx={"date": "2028-03-01"}))["presumption"] == "applies"  # default thirty_billion
    s = case(att, tx={"date": "2028-03-01"})
    s["assume"] = {"transistor_threshold_2028": "thirty_five_billion"}
    assert cls(s)["presumption"] == "overcome"
    att39 = {"attestations": [dict(FAB_ATT, transistor_count=39_000_000_000, hbm=False)]}
    assert cls(case(att39, tx={"date": "2029-01-02"}))["presumption"] == "overcome"


def test_overcome_by_approved_osat() -> None:
    """"packaged by an approved OSAT company listed at Supplement No. 7 ... makes the same attestation"."""
    s = case({"packaged_by": "osat", "attestations": [dict(FAB_ATT, by="osat")]})
    s["parties"].append({"id": "osat", "hq": "MY", "located": "MY", "role": "osat", "approved_osat": True})
    c = cls(s)
    assert (c["presumption"], c["presumption_rule"]) == ("overcome", "dd.overcome_approved_osat")
    s["parties"][-1]["approved_osat"] = False
    assert cls(s)["presumption"] == "applies"
