"""The example scenarios of the README's tour (queries/scenarios/*.json): each is a
valid scenario, and each transaction gets the outcome the tour tells, decided by
the rules named here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import failed

import earlog

SCENARIOS = Path(__file__).resolve().parent.parent / "queries" / "scenarios"


def run(name: str) -> dict[str, dict]:
    return {v.transaction: v.to_json() for v in earlog.evaluate(SCENARIOS / name)}


def test_every_example_scenario_evaluates() -> None:
    files = sorted(SCENARIOS.glob("*.json"))
    assert len(files) >= 5
    for f in files:
        assert earlog.evaluate(f), f.name


def test_brazil_cloud() -> None:
    """Seed 004: LPP up to "a cumulative TPP of 26,900,000 per year per ultimate consignee": the first 1,000 H100s
    (15,832,000 TPP) go under LPP; the second 1,000 would pass the cap and need a license, reviewed "up to a
    per-country cumulative TPP installed base of 790,000,000"."""
    v = run("brazil_cloud.json")
    assert v["small-order"]["authorization"] == "LPP"
    assert v["small-order"]["exceptions"]["LPP"]["rule"] == "lpp.available"
    assert failed(v["second-order"], "LPP") == ["lpp.within_cap"]
    assert v["second-order"]["outcome_rule"] == "outcome.license_within_cap"
    assert v["second-order"]["allocation"]["counts"] is True


def test_singapore_subsidiary_of_chinese_parent() -> None:
    """Seed 004 Table 1, 3A090.a to Tier 2: "Denial for entities headquartered, or with an ultimate parent company
    headquartered, in Tier 3" and "NAC* for entities headquartered in or with an ultimate parent headquartered in
    Tier 3"; 3A090.b to a Tier 2 country outside D:1 and D:4 needs no license."""
    v = run("singapore_subsidiary_chinese_parent.json")
    assert v["sub-h100s"]["outcome"] == "license_presumption_denial"
    assert failed(v["sub-h100s"], "LPP") == ["lpp.consignee_not_tier3"]
    assert v["sub-workstations"]["authorization"] == "NAC"
    assert v["sub-3a090b"]["outcome"] == "no_license_required"
    assert v["local-startup-h100s"]["authorization"] == "LPP"


def test_japanese_lab_under_aia() -> None:
    """Seed 004: AIA "to parties located in Tier 1 destinations that are headquartered in, and do not have an
    ultimate parent company headquartered outside of, Tier 1"; a Japanese lab under an Indian parent must use LPP
    or, past its cap, a license reviewed under "Approval" (Table 1, Tier 1)."""
    v = run("japan_lab_aia.json")
    assert v["sakura-h100s"]["authorization"] == "AIA"
    assert v["sakura-h100s"]["exceptions"]["AIA"]["rule"] == "aia.available"
    assert v["fuji-dgx"]["authorization"] == "AIA"
    assert failed(v["kanto-h100s"], "AIA") == ["aia.no_parent_outside_tier1"]
    assert failed(v["kanto-h100s"], "LPP") == ["lpp.within_cap"]
    assert v["kanto-h100s"]["outcome"] == "license_presumption_approval"
    assert v["kanto-h100s"]["outcome_rule"] == "outcome.license_approval"


def test_malaysian_assembler_under_acm() -> None:
    """Seed 004: ACM for "a 'private sector end user' for the development, production, or storage" — not if "the
    end use of the items is training an AI model", nor for a firm "controlled, by any government (other than the
    U.S. government)"; 3A090.c to Tier 2 needs no license (Table 1)."""
    v = run("malaysia_assembler_acm.json")
    assert v["boards-for-us-servers"]["authorization"] == "ACM"
    assert v["boards-for-us-servers"]["exceptions"]["ACM"]["rule"] == "acm.available"
    assert failed(v["burn-in-cluster"], "ACM") == ["acm.end_use", "acm.destined_outside_tier3"]
    assert failed(v["state-fab-boards"], "ACM") == ["acm.private_sector"]
    assert v["hbm-for-assembly"]["outcome"] == "no_license_required"


@pytest.mark.parametrize("tx, used, outcome, authorization", [
    ("deccan-expansion", 775_768_000, "authorized_by_exception", "LPP"),
    ("indus-restock", 775_768_000, "license_presumption_approval", "license"),
    ("ganga-phase-2", 788_433_600, "license_policy_denial", "license"),
    ("monsoon-phase-2", 788_433_600, "authorized_by_veu", "NVEU"),
])
def test_tier2_country_reaching_its_allocation(tx: str, used: int, outcome: str, authorization: str) -> None:
    """Seed 004: "Once the country-wide TPP allocations are met, license applications will be reviewed under a
    policy of denial"; LPP and VEU shipments "do not count".  India's ledger: 49,000 licensed H100s
    (775,768,000 TPP), plus LPP and NVEU shipments that do not count."""
    v = run("tier2_allocation_ledger.json")[tx]
    assert v["allocation"]["used_tpp"] == used
    assert v["outcome"] == outcome
    assert v["authorization"] == authorization
