"""License exceptions AIA, ACM, LPP, ACA, NAC, HBM and the data-center VEUs: for each,
a case where it is available and, for each of its conditions, a twin that changes one
fact so exactly that condition fails.  Every case quotes the seed sentence it checks
and pins the condition ids (`failed`) or the rule that made the exception available.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import failed, scenario, ship_to, verdict

# ---------------------------------------------------------------------------
# AIA, 15 CFR 740.27.  Seed 004: "authorizes exports, reexports, and in-country transfers to
# parties located in Tier 1 destinations that are headquartered in, and do not have an ultimate
# parent company headquartered outside of, Tier 1 destinations of items classified under ...
# ECCNs 3A090.a ... in each case if designed by an approved or authorized IC designer".
# ---------------------------------------------------------------------------


def aia(**changes: Any) -> dict[str, Any]:
    """A Japanese lab buying datacenter H100s designed by an approved IC designer."""
    s = scenario(party={"hq": "JP", "located": "JP"}, tx={"to": "JP", "end_use": "training"})
    for key, value in changes.items():
        s[key] = value
    return s


def test_aia_available_to_a_tier1_lab() -> None:
    """Seed 004: AIA "authorizes exports ... to parties located in Tier 1 destinations that are
    headquartered in ... Tier 1 destinations"; it carries "(i) a prior ultimate consignee certification
    requirement ... and (ii) a BIS reporting requirement"."""
    v = verdict(aia())
    assert v["exceptions"]["AIA"] == {"available": True, "rule": "aia.available",
                                      "obligations": ["certification", "reporting"]}
    assert v["outcome"] == "authorized_by_exception"
    assert v["authorization"] == "AIA"


def test_aia_available_with_authorized_designer() -> None:
    """Seed 004: "if designed by an approved or authorized IC designer" — authorized suffices."""
    s = aia()
    s["items"][0]["designer"] = "authorized"
    assert verdict(s)["exceptions"]["AIA"]["available"] is True


@pytest.mark.parametrize("date, available", [("2026-04-13", True), ("2026-04-14", False)])
def test_aia_authorized_designer_ends_april_13_2026(date: str, available: bool) -> None:
    """Seed 004: "Until April 13, 2026, 'authorized' IC designers are ..."; "by April 13, 2026, the designer
    will no longer be authorized" (issue 10, point 6: the AIA designer condition is dated too)."""
    s = aia()
    s["items"][0]["designer"] = "authorized"
    s["transactions"][0]["date"] = date
    v = verdict(s)
    assert v["exceptions"]["AIA"]["available"] is available
    if not available:
        assert failed(v, "AIA") == ["aia.designer"]


def test_aia_fails_dest_tier1() -> None:
    """Seed 004: AIA reaches only "parties located in Tier 1 destinations"; a Japanese lab's site in Brazil."""
    s = aia()
    ship_to(s, "BR")
    assert failed(verdict(s), "AIA") == ["aia.dest_tier1"]


def test_aia_fails_hq_tier1() -> None:
    """Seed 004: the parties must be "headquartered in ... Tier 1 destinations"; a Brazilian firm in Japan."""
    s = aia()
    s["parties"][0]["hq"] = "BR"
    assert failed(verdict(s), "AIA") == ["aia.hq_tier1"]


def test_aia_fails_when_end_user_hq_outside_tier1() -> None:
    """Seed 004: "parties ... that are headquartered in ... Tier 1": the end user counts as well as the consignee."""
    s = aia()
    s["parties"].append({"id": "op", "hq": "IN", "located": "JP"})
    s["transactions"][0]["end_user"] = "op"
    assert failed(verdict(s), "AIA") == ["aia.hq_tier1"]


def test_aia_fails_no_parent_outside_tier1() -> None:
    """Seed 004: the parties must "not have an ultimate parent company headquartered outside of, Tier 1";
    a Japanese subsidiary of an Indian group."""
    s = aia()
    s["parties"][0]["parent"] = "group"
    s["parties"].append({"id": "group", "hq": "IN", "located": "IN"})
    assert failed(verdict(s), "AIA") == ["aia.no_parent_outside_tier1"]


@pytest.mark.parametrize("designer", ["other", None])
def test_aia_fails_designer(designer: str | None) -> None:
    """Seed 004: 3A090.a under AIA only "if designed by an approved or authorized IC designer"."""
    s = aia()
    s["items"][0]["designer"] = designer
    assert failed(verdict(s), "AIA") == ["aia.designer"]


def test_aia_designer_condition_only_for_listed_eccns() -> None:
    """Seed 004 lists 4A090.a among the AIA items without the designer proviso, which attaches only to
    "ECCNs 3A090.a; 5A002.z ...; and 5A992.z.1"."""
    s = aia()
    s["items"][0].update({"eccn": "4A090.a", "designer": "other"})
    assert verdict(s)["exceptions"]["AIA"]["available"] is True


# ---------------------------------------------------------------------------
# ACM, 15 CFR 740.28.  Seed 004: "authorizes the export, reexport, and in-country transfer of
# eligible items to a 'private sector end user' for the development, production, or storage ...
# provided that (i) the private sector end user is located in a Tier 1 or 2 destination and is not
# headquartered in, and does not have an ultimate parent headquartered in, a Tier 3 destination;
# and (ii) the items produced are ultimately destined for customers outside Tier 3 destinations".
# ---------------------------------------------------------------------------


def acm() -> dict[str, Any]:
    """A Malaysian server assembler building systems for US customers."""
    return scenario(party={"hq": "MY", "located": "MY"},
                    tx={"to": "MY", "end_use": "production", "ultimate_destination": "US"})


def test_acm_available_to_a_private_assembler() -> None:
    """Seed 004: ACM for a private sector end user "for the development, production, or storage"; "The
    private sector end user must maintain certain records ... updated at least every six months"."""
    v = verdict(acm())
    assert v["exceptions"]["ACM"] == {"available": True, "rule": "acm.available", "obligations": ["recordkeeping"]}
    assert v["authorization"] == "ACM"


@pytest.mark.parametrize("end_use", ["development", "production", "storage"])
def test_acm_end_uses(end_use: str) -> None:
    """Seed 004: "for the development, production, or storage (in a warehouse or other similar facility)"."""
    s = acm()
    s["transactions"][0]["end_use"] = end_use
    assert verdict(s)["exceptions"]["ACM"]["available"] is True


@pytest.mark.parametrize("control", [True, "MY", "CN"])
def test_acm_fails_private_sector(control: bool | str) -> None:
    """Seed 004: a private sector end user is a firm "not wholly owned, or otherwise controlled, by any
    government (other than the U.S. government)"."""
    s = acm()
    s["parties"][0]["government_controlled"] = control
    assert failed(verdict(s), "ACM") == ["acm.private_sector"]


def test_acm_us_government_control_is_private_sector() -> None:
    """Seed 004: "(other than the U.S. government)": control by the US government keeps ACM."""
    s = acm()
    s["parties"][0]["government_controlled"] = "US"
    assert verdict(s)["exceptions"]["ACM"]["available"] is True


def test_acm_fails_private_sector_through_parent() -> None:
    """Seed 004: "a commercial firm (including its subsidiary and parent firms, and other subsidiaries of
    the same parent)": a state-controlled parent taints its subsidiary."""
    s = acm()
    s["parties"][0]["parent"] = "state-holding"
    s["parties"].append({"id": "state-holding", "hq": "MY", "located": "MY", "government_controlled": "MY"})
    assert failed(verdict(s), "ACM") == ["acm.private_sector"]


def test_acm_fails_dest_tier12() -> None:
    """Seed 004: "the private sector end user is located in a Tier 1 or 2 destination"."""
    s = acm()
    s["parties"][0]["hq"] = "US"
    ship_to(s, "CN")
    assert failed(verdict(s), "ACM") == ["acm.dest_tier12"]


@pytest.mark.parametrize("hq, parent_hq", [("CN", None), ("MY", "MO")])
def test_acm_fails_entity_not_tier3(hq: str, parent_hq: str | None) -> None:
    """Seed 004: the end user "is not headquartered in, and does not have an ultimate parent
    headquartered in, a Tier 3 destination"."""
    s = acm()
    s["parties"][0]["hq"] = hq
    if parent_hq:
        s["parties"][0]["parent"] = "p"
        s["parties"].append({"id": "p", "hq": parent_hq})
    assert failed(verdict(s), "ACM") == ["acm.entity_not_tier3"]


@pytest.mark.parametrize("end_use", ["training", "inference", "research", None])
def test_acm_fails_end_use(end_use: str | None) -> None:
    """Seed 004: "License Exception ACM is not available if the end use of the items is training an AI
    model or any activity not related to the development, production, or storage of the eligible items"."""
    s = acm()
    s["transactions"][0]["end_use"] = end_use
    assert failed(verdict(s), "ACM") == ["acm.end_use"]


@pytest.mark.parametrize("ultimate", ["CN", None])
def test_acm_fails_destined_outside_tier3(ultimate: str | None) -> None:
    """Seed 004: "(ii) the items produced are ultimately destined for customers outside Tier 3
    destinations"; an unstated ultimate destination does not show it."""
    s = acm()
    s["transactions"][0]["ultimate_destination"] = ultimate
    assert failed(verdict(s), "ACM") == ["acm.destined_outside_tier3"]


def test_acm_fails_designer() -> None:
    """Seed 004: ACM covers "ECCNs 3A090.a ... in each case if designed by an approved or authorized IC designer"."""
    s = acm()
    s["items"][0]["designer"] = "other"
    assert failed(verdict(s), "ACM") == ["acm.designer"]


# ---------------------------------------------------------------------------
# LPP, 15 CFR 740.29.  Seed 004: "authorizes the export and reexport directly to any single ultimate
# consignee located in a Tier 1 or 2 destination that is not headquartered in, and does not have an
# ultimate parent headquartered in, a Tier 3 destination ... up to a cumulative TPP of 26,900,000 per
# year per ultimate consignee ... License Exception LPP does not authorize exports or reexports
# through distributors or any in-country transfers."
# ---------------------------------------------------------------------------


def test_lpp_available_to_a_brazilian_cloud() -> None:
    """Seed 004: LPP "directly to any single ultimate consignee located in a Tier 1 or 2 destination";
    "subject to certain certification, reporting, and notification requirements"."""
    v = verdict(scenario())
    assert v["exceptions"]["LPP"] == {"available": True, "rule": "lpp.available",
                                      "obligations": ["certification", "notification", "reporting"]}
    assert v["authorization"] == "LPP"


def test_lpp_available_for_reexport() -> None:
    """Seed 004: LPP "authorizes the export and reexport"."""
    v = verdict(scenario(tx={"kind": "reexport", "from": "MX"}))
    assert v["exceptions"]["LPP"]["available"] is True


def test_lpp_fails_export_or_reexport() -> None:
    """Seed 004: "License Exception LPP does not authorize ... any in-country transfers"."""
    v = verdict(scenario(tx={"kind": "in_country_transfer", "from": "BR"}))
    assert failed(v, "LPP") == ["lpp.export_or_reexport"]


def test_lpp_fails_no_distributor() -> None:
    """Seed 004: "License Exception LPP does not authorize exports or reexports through distributors"."""
    v = verdict(scenario(party={"distributor": True}))
    assert failed(v, "LPP") == ["lpp.no_distributor"]


def test_lpp_fails_direct_to_consignee() -> None:
    """Seed 004: "directly to any single ultimate consignee"; "'ultimate consignee' ... means the ultimate
    parent entity that will have ultimate ownership": items bought by one firm for another firm's use."""
    s = scenario()
    s["parties"].append({"id": "other", "hq": "BR", "located": "BR"})
    s["transactions"][0]["end_user"] = "other"
    assert failed(verdict(s), "LPP") == ["lpp.direct_to_consignee"]


def test_lpp_direct_within_one_group() -> None:
    """Seed 004: the ultimate consignee is "the ultimate parent entity": a sister subsidiary of the same
    parent using the items is still a shipment directly to that ultimate consignee."""
    s = scenario(party={"parent": "group"})
    s["parties"] += [{"id": "group", "hq": "BR"}, {"id": "ops", "hq": "BR", "parent": "group"}]
    s["transactions"][0]["end_user"] = "ops"
    assert verdict(s)["exceptions"]["LPP"]["available"] is True


def test_lpp_fails_dest_tier12() -> None:
    """Seed 004: "any single ultimate consignee located in a Tier 1 or 2 destination"."""
    v = verdict(scenario(party={"hq": "US", "located": "CN"}, tx={"to": "CN"}))
    assert failed(v, "LPP") == ["lpp.dest_tier12"]


@pytest.mark.parametrize("hq, parent_hq", [("CN", None), ("BR", "CN"), ("BR", "MO")])
def test_lpp_fails_consignee_not_tier3(hq: str, parent_hq: str | None) -> None:
    """Seed 004: "that is not headquartered in, and does not have an ultimate parent headquartered in, a
    Tier 3 destination"."""
    s = scenario(party={"hq": hq})
    if parent_hq:
        s["parties"][0]["parent"] = "p"
        s["parties"].append({"id": "p", "hq": parent_hq})
    assert failed(verdict(s), "LPP") == ["lpp.consignee_not_tier3"]


def test_lpp_fails_within_cap() -> None:
    """Seed 004: "up to a cumulative TPP of 26,900,000 per year per ultimate consignee": 2,000 H100s
    (31,664,000 TPP) in one order."""
    v = verdict(scenario(tx={"quantity": 2000}))
    assert failed(v, "LPP") == ["lpp.within_cap"]


# ---------------------------------------------------------------------------
# ACA, 15 CFR 740.8.  Seed 004: "authorizes exports and reexports of eligible items ... except for
# items designed or marketed for use in a datacenter and meeting the parameters of 3A090.a—to any
# destination except for a Tier 3 destination or an entity wherever located that is headquartered in,
# or whose ultimate parent company is headquartered in, a Tier 3 destination, as well as in-country
# transfers of eligible items within Tier 3 destinations."
# ---------------------------------------------------------------------------


def aca(**tx: Any) -> dict[str, Any]:
    """A Brazilian studio buying workstation accelerators (3A090.a, not for datacenters)."""
    return scenario(item={"datacenter": False}, tx=tx)


def test_aca_available_for_non_datacenter_chips() -> None:
    """Seed 004: ACA for eligible items "to any destination except for a Tier 3 destination"."""
    v = verdict(aca())
    assert v["exceptions"]["ACA"] == {"available": True, "rule": "aca.available", "obligations": []}
    assert v["authorization"] == "ACA"


def test_aca_fails_not_datacenter_3a090a() -> None:
    """Seed 004 Table 1 note: "ACA and NAC are not available for items designed or marketed for use in
    datacenters and meeting the parameters of ECCN 3A090.a"."""
    s = aca()
    s["items"][0]["datacenter"] = True
    assert failed(verdict(s), "ACA") == ["aca.not_datacenter_3a090a"]


@pytest.mark.parametrize("field, condition", [("prior_notification", "lpp.prior_notification"),
                                              ("prior_certification", "lpp.certification")])
def test_lpp_notification_and_certification_not_stated_are_not_made(field: str, condition: str) -> None:
    """Seed 000: "Exports under the LPP exception require prior notification to BIS"; seed 004: LPP
    transactions "are subject to certain certification, reporting, and notification requirements".
    A fact the scenario does not state is read as not made (issue 10, point 5: fail closed)."""
    s = scenario()
    del s["transactions"][0][field]
    v = verdict(s)
    assert failed(v, "LPP") == [condition]
    assert v["outcome"] == "license_presumption_approval"


def test_aia_certification_contradicted_by_a_training_customer_outside_tier1() -> None:
    """Seed 004: the AIA certification "requires the ultimate consignee to agree not to train AI models
    specified in ECCN 4E091 for entities headquartered or located, or with ultimate parents headquartered,
    outside of Tier 1 destinations"."""
    s = aia()
    s["parties"][0]["trains_models_for"] = ["rio"]
    s["parties"].append({"id": "rio", "hq": "BR", "located": "BR"})
    assert failed(verdict(s), "AIA") == ["aia.certification_not_contradicted"]
    s["parties"][1].update({"hq": "DE", "located": "DE"})
    assert verdict(s)["exceptions"]["AIA"]["available"] is True


@pytest.mark.parametrize("eccn", ["4A090.a", "5A992.z.1", "4A003.z.1.a"])
def test_aca_datacenter_carve_out_follows_the_item(eccn: str) -> None:
    """Seed 000: "Items designed or marketed for use in data centers and meeting the parameters of ECCN
    3A090.a remain excluded from both exceptions": a datacenter 4A090.a server or .z item of the family
    to India loses ACA and goes out under LPP (issue 10, point 1; interpretation datacenter_carve_out_items)."""
    s = scenario(item={"eccn": eccn}, party={"located": "IN"}, tx={"to": "IN"})
    v = verdict(s)
    assert failed(v, "ACA") == ["aca.not_datacenter_3a090a"]
    assert v["authorization"] == "LPP"
    s["assume"] = {"datacenter_carve_out_items": "ic_parameters_only"}
    s["items"][0]["tpp"] = 3000
    assert verdict(s)["exceptions"]["ACA"]["available"] is True


def test_aca_fails_destination_allowed() -> None:
    """Seed 004: "to any destination except for a Tier 3 destination"."""
    v = verdict(scenario(item={"datacenter": False}, party={"hq": "US", "located": "CN"}, tx={"to": "CN"}))
    assert failed(v, "ACA") == ["aca.destination_allowed"]


def test_aca_in_country_transfer_within_tier3() -> None:
    """Seed 004: "as well as in-country transfers of eligible items within Tier 3 destinations"
    (default reading of aca_in_country_transfers)."""
    v = verdict(scenario(item={"datacenter": False}, party={"hq": "US", "located": "CN"},
                         tx={"kind": "in_country_transfer", "from": "CN", "to": "CN"}))
    assert v["exceptions"]["ACA"]["available"] is True


def test_aca_in_country_transfer_outside_tier3_depends_on_reading() -> None:
    """Seed 004 allows in-country transfers "within Tier 3 destinations"; seed 000 says ACA "permits
    exports, reexports, and in-country transfers ... to or within any destination worldwide, excluding
    Macau, destinations in Country Group D:5".  The named interpretation decides."""
    s = aca(kind="in_country_transfer", **{"from": "BR"})
    assert failed(verdict(s), "ACA") == ["aca.destination_allowed"]
    s["assume"] = {"aca_in_country_transfers": "outside_tier3"}
    assert verdict(s)["exceptions"]["ACA"]["available"] is True


@pytest.mark.parametrize("hq, parent_hq", [("CN", None), ("BR", "CN")])
def test_aca_fails_entity_not_tier3(hq: str, parent_hq: str | None) -> None:
    """Seed 004: not to "an entity wherever located that is headquartered in, or whose ultimate parent
    company is headquartered in, a Tier 3 destination"."""
    s = aca()
    s["parties"][0]["hq"] = hq
    if parent_hq:
        s["parties"][0]["parent"] = "p"
        s["parties"].append({"id": "p", "hq": parent_hq})
    assert failed(verdict(s), "ACA") == ["aca.entity_not_tier3"]


# ---------------------------------------------------------------------------
# NAC, 15 CFR 740.8.  Seed 004: "the notification process under which License Exception NAC
# authorizes certain exports and reexports to Tier 3 destinations of 3A090, 4A090, and related '.z'
# items unless they are marketed or designed for use in a datacenter and meet the parameters of
# 3A090.a"; Table 1: "NAC* for entities headquartered in or with an ultimate parent headquartered in
# Tier 3".
# ---------------------------------------------------------------------------


def nac() -> dict[str, Any]:
    """Workstation accelerators (not for datacenters) exported to a firm in China."""
    return scenario(item={"datacenter": False}, party={"hq": "CN", "located": "CN"}, tx={"to": "CN"})


def test_nac_available_to_tier3_with_notification() -> None:
    """Seed 004: NAC "authorizes certain exports and reexports to Tier 3 destinations" through "the
    notification process"."""
    v = verdict(nac())
    assert v["exceptions"]["NAC"] == {"available": True, "rule": "nac.available", "obligations": ["notification"]}
    assert v["authorization"] == "NAC"


def test_nac_available_to_tier3_entity_in_tier2() -> None:
    """Seed 004 Table 1, Tier 2 row: "NAC* for entities headquartered in or with an ultimate parent
    headquartered in Tier 3"."""
    s = nac()
    ship_to(s, "BR")
    assert verdict(s)["exceptions"]["NAC"]["available"] is True


def test_nac_fails_not_datacenter_3a090a() -> None:
    """Seed 004: "unless they are marketed or designed for use in a datacenter and meet the parameters of 3A090.a"."""
    s = nac()
    s["items"][0]["datacenter"] = True
    assert failed(verdict(s), "NAC") == ["nac.not_datacenter_3a090a"]


def test_nac_fails_for_a_datacenter_4a090a_server() -> None:
    """Seed 000: datacenter items "meeting the parameters of ECCN 3A090.a remain excluded from both
    exceptions": a datacenter 4A090.a server to China is not authorized by NAC (issue 10, point 1)."""
    s = nac()
    s["items"][0].update({"datacenter": True, "eccn": "4A090.a"})
    v = verdict(s)
    assert failed(v, "NAC") == ["nac.not_datacenter_3a090a"]
    assert v["outcome"] == "license_presumption_denial"


def test_nac_fails_export_or_reexport() -> None:
    """Seed 004: NAC "authorizes certain exports and reexports" (not in-country transfers)."""
    s = nac()
    s["transactions"][0].update({"kind": "in_country_transfer", "from": "CN"})
    assert failed(verdict(s), "NAC") == ["nac.export_or_reexport"]


def test_nac_fails_tier3_destination_or_entity() -> None:
    """Seed 004: NAC is for "Tier 3 destinations" and, per Table 1, "entities headquartered in or with an
    ultimate parent headquartered in Tier 3"; a Brazilian firm in Brazil is neither."""
    v = verdict(aca())
    assert failed(v, "NAC") == ["nac.tier3_destination_or_entity"]


# ---------------------------------------------------------------------------
# HBM, 15 CFR 740.25.  Seed 004 Table 1: "3A090.c | Tier 3 | Yes | License Exception High Bandwidth
# Memory ("HBM")".  Its only encoded condition (the Tier 3 row) holds whenever HBM is relevant at all,
# because 3A090.c needs a license only to Tier 3; the failing twin is the Tier 2 row, where HBM does
# not arise because "No" license is required.
# ---------------------------------------------------------------------------


def hbm(to: str) -> dict[str, Any]:
    return scenario(item={"eccn": "3A090.c", "datacenter": False, "tpp": 0},
                    party={"hq": "US", "located": to}, tx={"to": to})


def test_hbm_available_for_3a090c_to_tier3() -> None:
    """Seed 004 Table 1: 3A090.c to "Tier 3 | Yes | License Exception High Bandwidth Memory"."""
    v = verdict(hbm("CN"))
    assert v["exceptions"]["HBM"] == {"available": True, "rule": "hbm.available", "obligations": []}
    assert v["authorization"] == "HBM"


def test_hbm_not_in_play_for_3a090c_to_tier2() -> None:
    """Seed 004 Table 1: 3A090.c to "Tier 2 | No | N/A | N/A"."""
    v = verdict(hbm("BR"))
    assert "HBM" not in v["exceptions"]
    assert v["outcome"] == "no_license_required"


# ---------------------------------------------------------------------------
# Data-center VEUs, Supp. No. 7 to part 748.  Seed 004: UVEU for "companies headquartered in, or
# whose ultimate parent company is headquartered in, a Tier 1 destination ... to build datacenters
# anywhere in the world except for China, Macau, or other Country Group D:5 destinations"; "If the
# operator of the advanced ICs differs from the owner of the advanced ICs, both the owner and operator
# must obtain a UVEU authorization."  NVEU for "companies headquartered in, or whose ultimate parent
# is headquartered in, Tier 1 or Tier 2 destinations".
# ---------------------------------------------------------------------------


def uveu() -> dict[str, Any]:
    """A US hyperscaler holding a UVEU building a datacenter in Brazil."""
    return scenario(party={"hq": "US", "located": "BR", "veu": {"type": "UVEU"}, "deployment": {"US": 20_000_000_000}},
                    tx={"quantity": 50000})


def test_uveu_available() -> None:
    """Seed 004: UVEU lets Tier-1-headquartered companies "receive items to build datacenters anywhere in
    the world except for China, Macau, or other Country Group D:5 destinations"; "certain BIS
    notification and reporting requirements"."""
    v = verdict(uveu())
    u = v["veu"]["UVEU"]
    assert {k: u[k] for k in ("available", "rule", "obligations")} == {
        "available": True, "rule": "uveu.available", "obligations": ["notification", "reporting"]}
    # seed 003: the portfolio limits, measured before and after the shipment (veu_limits.lp)
    assert {lim["limit"]: lim["exceeded"] for lim in u["limits"]} == {
        "tier1_share": False, "single_country": False, "us_share": False}
    assert v["outcome"] == "authorized_by_veu"
    assert v["outcome_rule"] == "outcome.veu"
    assert v["authorization"] == "UVEU"


def test_uveu_fails_owner_authorized() -> None:
    """Seed 004: "both the owner and operator must obtain a UVEU authorization": the owner lacks one."""
    s = uveu()
    s["parties"][0]["veu"] = None
    s["parties"].append({"id": "op", "hq": "US", "located": "BR", "veu": {"type": "UVEU"}})
    s["transactions"][0]["end_user"] = "op"
    assert failed(verdict(s), "UVEU") == ["uveu.owner_authorized"]


def test_uveu_fails_operator_authorized() -> None:
    """Seed 004: "both the owner and operator must obtain a UVEU authorization": the operator lacks one."""
    s = uveu()
    s["parties"].append({"id": "op", "hq": "US", "located": "BR"})
    s["transactions"][0]["end_user"] = "op"
    assert failed(verdict(s), "UVEU") == ["uveu.operator_authorized"]


def test_uveu_hq_tier1_through_ultimate_parent() -> None:
    """Seed 004: "headquartered in, or whose ultimate parent company is headquartered in, a Tier 1
    destination": a Brazilian subsidiary of a US parent qualifies."""
    s = uveu()
    s["parties"][0].update({"hq": "BR", "parent": "us-parent"})
    s["parties"].append({"id": "us-parent", "hq": "US"})
    assert verdict(s)["veu"]["UVEU"]["available"] is True


def test_uveu_fails_hq_tier1() -> None:
    """Seed 004: UVEU is for companies "headquartered in, or whose ultimate parent company is headquartered
    in, a Tier 1 destination"; a Brazilian company is neither."""
    s = uveu()
    s["parties"][0]["hq"] = "BR"
    assert failed(verdict(s), "UVEU") == ["uveu.hq_tier1"]


def test_uveu_fails_dest_not_tier3() -> None:
    """Seed 004: "anywhere in the world except for China, Macau, or other Country Group D:5 destinations"."""
    s = uveu()
    ship_to(s, "MO")
    assert failed(verdict(s), "UVEU") == ["uveu.dest_not_tier3"]


def nveu() -> dict[str, Any]:
    """A Brazilian cloud holding an NVEU for its Brazilian sites."""
    return scenario(party={"veu": {"type": "NVEU", "locations": ["BR"]}}, tx={"quantity": 50000},
                    parameters={"nveu_country_cap_tpp": 1_000_000_000})


def test_nveu_available() -> None:
    """Seed 004: NVEU for "companies headquartered in, or whose ultimate parent is headquartered in, Tier 1
    or Tier 2 destinations ... to receive large amounts of advanced ICs"; seed 003: "certain reporting
    requirements to BIS"."""
    v = verdict(nveu())
    n = v["veu"]["NVEU"]
    assert {k: n[k] for k in ("available", "rule", "obligations")} == {
        "available": True, "rule": "nveu.available", "obligations": ["reporting"]}
    assert [(lim["limit"], lim["after_tpp"], lim["value"]) for lim in n["limits"]] == [
        ("country_cap", 50000 * 15832, 1_000_000_000)]
    assert v["outcome"] == "authorized_by_veu"
    assert v["authorization"] == "NVEU"


def test_nveu_fails_holder_authorized() -> None:
    """Seed 004: the NVEU authorization is granted to "certain companies ... that have undergone a rigorous
    application and vetting process"; a UVEU-type record is not an NVEU."""
    s = nveu()
    s["parties"][0]["veu"] = {"type": "UVEU", "locations": ["BR"]}
    assert failed(verdict(s), "NVEU") == ["nveu.holder_authorized"]


@pytest.mark.parametrize("hq, parent_hq", [("CN", None), ("BR", "CN")])
def test_nveu_fails_hq_tier12(hq: str, parent_hq: str | None) -> None:
    """Seed 004: NVEU for companies "headquartered in, or whose ultimate parent is headquartered in, Tier 1
    or Tier 2 destinations"; seed 000: "entities headquartered outside arms embargoed countries"."""
    s = nveu()
    s["parties"][0]["hq"] = hq
    if parent_hq:
        s["parties"][0]["parent"] = "p"
        s["parties"].append({"id": "p", "hq": parent_hq})
    assert failed(verdict(s), "NVEU") == ["nveu.hq_tier12"]


def test_nveu_fails_authorized_location() -> None:
    """Seed 001: NVEU lets companies "build data centers in specified locations"; a site in Mexico is not one."""
    s = nveu()
    ship_to(s, "MX")
    assert failed(verdict(s), "NVEU") == ["nveu.authorized_location"]


def test_nveu_fails_dest_not_tier3() -> None:
    """Seed 003: VEUs may receive items "without additional authorizations, except in arms-embargoed
    countries"; even a listed location in China does not help."""
    s = nveu()
    s["parties"][0]["veu"]["locations"] = ["BR", "CN"]
    ship_to(s, "CN")
    assert failed(verdict(s), "NVEU") == ["nveu.dest_not_tier3"]
