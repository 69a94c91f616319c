"""Jurisdiction (jurisdiction.lp): subject_to_ear and its reasons -- 734.3(a), the
Advanced Computing FDP rule now reaching every destination (734.9(h)(2)(i)), and the
AI Model Weights FDP rule (734.9(l))."""

from __future__ import annotations

from typing import Any

from conftest import scenario, verdict


def reasons(v: dict[str, Any]) -> set[str]:
    return {r["rule"] for r in v["subject_to_ear_reason"]}


def foreign_chip(to: str, date: str = "2025-06-01", **item: Any) -> dict[str, Any]:
    it = {"foreign_produced": True, "us_direct_product": True, **item}
    return scenario(item=it, tx={"from": "TW", "to": to, "date": date})


def test_us_export_is_subject_as_in_the_us_and_us_origin() -> None:
    # 15 CFR 734.3(a)(1)-(2)
    v = verdict(scenario())
    assert v["subject_to_ear"] is True
    assert reasons(v) == {"ear.in_united_states", "ear.us_origin"}


def test_advanced_computing_fdp_reaches_every_destination() -> None:
    # seed 004: "expanded the destination scope of the Advanced Computing FDP Rule to include all destinations
    # worldwide, such that ICs produced outside the United States and described in ECCN 3A090 ... will be
    # subject to the EAR when destined anywhere in the world"
    v = verdict(foreign_chip("BR"))
    assert reasons(v) == {"ear.advanced_computing_fdp_worldwide"}
    assert v["license_required"] is True


def test_foreign_chip_not_a_us_direct_product_is_not_subject() -> None:
    # seed 004: "if produced from certain U.S.-controlled software, technology, plants, or equipment"
    v = verdict(foreign_chip("BR", us_direct_product=False))
    assert v["subject_to_ear"] is False
    assert v["outcome"] == "not_subject" and v["outcome_rule"] == "outcome.not_subject"


def test_before_the_ifr_the_fdp_reached_only_d1_d4_d5() -> None:
    # seed 000: "Previously, the rule was limited to specific country groups (D:1, D:4, and D:5) and excluded
    # certain groups (A:5 and A:6)"
    assert verdict(foreign_chip("BR", date="2025-03-01"))["subject_to_ear"] is False
    v = verdict(foreign_chip("CN", date="2025-03-01"))
    assert reasons(v) == {"ear.advanced_computing_fdp_prior_scope"}


WEIGHTS_ABROAD: dict[str, Any] = {
    "parties": [{"id": "lab", "hq": "GB", "located": "GB"}, {"id": "buyer", "hq": "BR", "located": "BR"}],
    "items": [{"id": "w", "training_ops": 5e26, "foreign_produced": True, "produced_with": ["3A090.a"]}],
    "transactions": [{"id": "t1", "kind": "export", "item": "w", "quantity": 1, "from": "GB", "to": "BR",
                      "consignee": "buyer", "date": "2025-07-01"}],
}


def test_ai_model_weights_fdp_reaches_weights_trained_on_3a090() -> None:
    # seed 004: "makes subject to the EAR foreign-produced model weights described in ECCN 4E091 when destined to
    # any location worldwide if produced from advanced ICs ... classified under ECCN ... 3A090"
    v = verdict(WEIGHTS_ABROAD)
    assert reasons(v) == {"ear.ai_model_weights_fdp"}
    assert v["license_required"] is True


def test_ai_model_weights_fdp_needs_a_listed_eccn() -> None:
    # seed 004: the listed ECCNs are 3A001.z, 3A090, 4A003.z, 4A004.z, 4A005.z, 4A090, 5A002.z, 5A004.z, 5A992.z
    s = {**WEIGHTS_ABROAD, "items": [{**WEIGHTS_ABROAD["items"][0], "produced_with": ["EAR99"]}]}
    v = verdict(s)
    assert v["subject_to_ear"] is False and v["outcome"] == "not_subject"


def test_ai_model_weights_fdp_accepts_every_listed_heading() -> None:
    # seed 004's list, one heading at a time
    for eccn in ("3A001.z", "3A090", "4A003.z", "4A004.z", "4A005.z", "4A090", "5A002.z", "5A004.z", "5A992.z"):
        s = {**WEIGHTS_ABROAD, "items": [{**WEIGHTS_ABROAD["items"][0], "produced_with": [eccn]}]}
        assert reasons(verdict(s)) == {"ear.ai_model_weights_fdp"}, eccn
