"""Missing facts never default to the permissive answer (issue 11 point 12, policy/missing_facts.lp):
a fact the verdict turns on is required, or the restrictive reading is taken and the
verdict says so under `warnings`; contradictions and empty scenarios are refused."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASE, scenario, verdict

from earlog.errors import InputError


def _warnings(v: dict) -> list[str]:
    return [w["rule"] for w in v["warnings"]]


def test_datacenter_not_given_is_taken_as_datacenter() -> None:
    """Seed 004 Table 1 note: "ACA and NAC are not available for items designed or marketed for use in
    datacenters and meeting the parameters of ECCN 3A090.a".  Without `datacenter` the H100 is
    taken as a datacenter chip (ACA not available, by aca.not_datacenter_3a090a), as with
    `datacenter: true`, and the verdict warns (missing.datacenter_warning)."""
    s = scenario()
    del s["items"][0]["datacenter"]
    unknown = verdict(s)
    known = verdict(scenario())
    assert unknown["outcome"] == known["outcome"]
    assert unknown["authorization"] == known["authorization"] == "LPP"
    assert [f.split(":")[0] for f in unknown["exceptions"]["ACA"]["failed"]] == ["aca.not_datacenter_3a090a"]
    assert "missing.datacenter_warning" in _warnings(unknown)
    assert _warnings(known) == []


def test_datacenter_false_is_not_warned() -> None:
    """Stated `datacenter: false`, the same H100 goes out under ACA (aca.available), without a warning."""
    v = verdict(scenario(item={"datacenter": False}))
    assert v["exceptions"]["ACA"]["rule"] == "aca.available"
    assert "missing.datacenter_warning" not in _warnings(v)


def test_end_user_location_not_given_raises_the_red_flag_reading() -> None:
    """15 CFR 740.27 / seed 004 ("entities headquartered or located ... outside of Tier 1"): an end
    user whose location is unknown is taken as possibly outside Tier 1 (missing.located_customer_red_flag)
    and the verdict warns."""
    s = scenario()
    del s["parties"][0]["located"]
    assert "missing.located_customer_warning" in _warnings(verdict(s))


def test_in_country_transfer_to_a_consignee_located_elsewhere_is_refused() -> None:
    from earlog.api import evaluate

    s = scenario(party={"located": "IN"}, tx={"kind": "in_country_transfer", "from": "BR"})
    with pytest.raises(InputError, match=r"in country transfer goes to BR, but its consignee 'buyer' is located in IN"):
        evaluate(s)


@pytest.mark.parametrize("kind", ["export", "reexport"])
def test_shipment_to_a_consignee_located_elsewhere_is_refused(kind: str) -> None:
    """15 CFR 772.1: the ultimate consignee is the party that receives the items.  A shipment to Brazil
    whose consignee is stated to be located in India is a contradiction, refused before evaluation
    (the warning missing.consignee_located_elsewhere_warning it used to get is gone)."""
    from earlog.api import evaluate

    with pytest.raises(InputError, match=rf"\$\.transactions\[0\]\.to: the {kind} goes to BR, but its consignee "
                                         r"'buyer' is located in IN \(\$\.parties\[0\]\); give the country"):
        evaluate(scenario(party={"located": "IN"}, tx={"kind": kind}))


def test_ultimate_destination_does_not_excuse_a_consignee_located_elsewhere() -> None:
    """`ultimate_destination` is where ACM's produced items go (15 CFR 740.28) and `distributor` who
    resells them: neither says the consignee receives the items anywhere but `to`."""
    from earlog.api import evaluate

    s = scenario(party={"located": "IN", "distributor": True}, tx={"ultimate_destination": "IN"})
    with pytest.raises(InputError, match=r"an onward shipment is a reexport transaction of its own"):
        evaluate(s)


def test_deemed_export_to_a_foreign_person_elsewhere_is_not_refused() -> None:
    """A deemed export releases technology to a foreign person wherever they are: no shipment, no check."""
    s = scenario(party={"located": "IN"}, tx={"kind": "deemed_export"})
    assert verdict(s)["outcome"]


def _cli(tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "earlog.cli", "eval", name], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def test_consignee_located_elsewhere_json_is_one_line_exit_2(tmp_path: Path) -> None:
    s = copy.deepcopy(BASE)
    s["parties"][0]["located"] = "IN"
    r = _cli(tmp_path, "s.json", json.dumps(s))
    assert r.returncode == 2, r.stdout
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("earlog: error: s.json: $.transactions[0].to: the export goes to BR, but its "
                               "consignee 'buyer' is located in IN (s.json: $.parties[0]); give the country "
                               "the consignee receives the items in, or the consignee's real location"), r.stderr


def test_consignee_located_elsewhere_dsl_is_one_line_exit_2(tmp_path: Path) -> None:
    text = ("item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }\n"
            "party buyer { hq: BR, located: IN }\n"
            "transaction t1 { export 1,000 h100 from US to BR, consignee: buyer, date: 2025-06-01 }\n")
    r = _cli(tmp_path, "s.earlog", text)
    assert r.returncode == 2, r.stdout
    # the DSL's usual error: one line of message, then the source line with the place marked
    first, *excerpt = r.stderr.splitlines()
    assert "Traceback" not in r.stderr and len(excerpt) == 2 and "to BR" in excerpt[0], r.stderr
    assert first.startswith("earlog: error: s.earlog:3:47: the export goes to BR, but its consignee 'buyer' is "
                            "located in IN (line 2); give the country the consignee receives the items in"), first


def test_quantity_zero_is_refused() -> None:
    from earlog.api import evaluate

    with pytest.raises(InputError, match=r"\$\.transactions\[0\]\.quantity: expected a quantity of one or more"):
        evaluate(scenario(tx={"quantity": 0}))


def test_empty_scenario_is_refused(tmp_path: Path) -> None:
    (tmp_path / "e.json").write_text("{}", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "eval", "e.json"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert "$.transactions: the scenario has no transactions" in r.stderr


def test_the_warning_is_in_the_json_and_the_text(tmp_path: Path) -> None:
    s = copy.deepcopy(BASE)
    del s["items"][0]["datacenter"]
    (tmp_path / "s.json").write_text(json.dumps(s), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "eval", "s.json"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Assumed [missing.datacenter_warning]" in r.stdout


def _facility_scenario(located: str | None) -> dict:
    """seed 004's facility-of-concern FDP rule: a Korean-made direct product shipped to a party that
    produces 5 nm logic ICs."""
    party = {"id": "fab", "hq": "SG", "produces_ics": {"ic_type": "logic", "node_nm": 5, "non_planar": True}}
    if located:
        party["located"] = located
    return {
        "parties": [party],
        "items": [{"id": "low_ic", "mac_tops": 1, "bit_length": 8, "foreign_produced": True,
                   "us_direct_product": True, "datacenter": False}],
        "transactions": [{"id": "t1", "kind": "export", "item": "low_ic", "quantity": 100, "from": "KR", "to": "SG",
                          "consignee": "fab", "end_user": "fab", "date": "2025-06-01"}],
    }


def test_producer_location_not_given_is_taken_as_a_facility_of_concern() -> None:
    """15 CFR 734.9(e)(3) / seed 004: a foreign direct product is subject to the EAR "when destined to
    facilities in Macau, China, or another Country Group D:5 destination where the production of logic
    ... 'advanced-node integrated circuits' occurs".  Located in Singapore, the fab is no such facility;
    its location not given, it is taken as one (missing.located_facility), subject by
    ear.facility_of_concern_fdp, and the verdict warns."""
    known = verdict(_facility_scenario("SG"))
    unknown = verdict(_facility_scenario(None))
    assert "ear.facility_of_concern_fdp" not in [r["rule"] for r in known["subject_to_ear_reason"]]
    assert "ear.facility_of_concern_fdp" in [r["rule"] for r in unknown["subject_to_ear_reason"]]
    assert "missing.located_facility_warning" in _warnings(unknown)


def _designer_scenario(located: str | None) -> dict:
    designer = {"id": "designer", "hq": "JP", "role": "ic_designer", "agrees_to_report": True}
    if located:
        designer["located"] = located
    return {
        "parties": [{"id": "fab", "hq": "TW", "located": "TW", "role": "front_end_fabricator"}, designer],
        "items": [{"id": "asic", "mac_tops": 1, "bit_length": 8, "logic_ic": True, "node_nm": 5,
                   "designed_by": "designer", "fabricated_by": "fab",
                   "attestations": [{"kind": "tpp_performance_density", "by": "designer", "tpp": 1000,
                                     "performance_density": 1.5}]}],
        "transactions": [{"id": "t1", "kind": "export", "item": "asic", "quantity": 1000, "from": "TW", "to": "JP",
                          "consignee": "designer", "end_user": "designer", "exporter": "fab",
                          "date": "2026-04-13"}],
    }


def test_designer_location_not_given_does_not_make_it_authorized() -> None:
    """ECCN 3A090.a Note 1 / seed 004: authorized IC designers are those "that are neither located in nor
    have an ultimate parent headquartered in China, Macau, or another destination in Country Group D:5".
    Located in Japan, the designer's attestation overcomes the presumption; its location not given, it
    is not taken as located outside D:5 (missing.located_designer), the presumption stands, and the
    verdict warns."""
    known = verdict(_designer_scenario("JP"))["classification"]
    unknown = verdict(_designer_scenario(None))
    assert known["presumption"] == "overcome"
    assert unknown["classification"]["presumption"] == "applies"
    assert "missing.located_designer_warning" in _warnings(unknown)


def test_the_kinds_that_ship_to_a_consignee_are_read_from_the_policy() -> None:
    """15 CFR 772.1: the ultimate consignee receives the items, so the check applies to the kinds
    transactions.lp declares with ships_to_consignee/1, and to no deemed export or IaaS service."""
    from earlog.engine import load_policy, vocabulary

    assert vocabulary(load_policy()).shipped_kinds == {"export", "reexport", "in_country_transfer"}
