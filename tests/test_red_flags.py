"""Red flags and conditions about training 4E091 models (red_flags.lp): the IaaS red
flag of Supp. No. 3 to part 732, the VEU guideline of Supp. No. 10 to part 748, and
the AIA certification of 740.27."""

from __future__ import annotations

import copy
from typing import Any

from conftest import verdicts

TRAINING: dict[str, Any] = {
    "parties": [
        {"id": "cloud-us", "hq": "US", "located": "US"},
        {"id": "customer", "hq": "BR", "located": "US"},
        {"id": "customer-t1", "hq": "DE", "located": "US"},
        {"id": "veu-dc", "hq": "US", "located": "MY", "veu": {"type": "UVEU"}},
    ],
    "items": [{"id": "model", "training_ops": 3e26}],
    "transactions": [{"id": "t1", "kind": "iaas_service", "item": "model", "quantity": 1, "from": "US",
                      "to": "US", "consignee": "customer", "end_use": "training", "provider": "cloud-us",
                      "date": "2025-07-01"}],
}


def flags(s: dict[str, Any], tx: str = "t1") -> set[str]:
    return {f["rule"] for f in verdicts(s)[tx]["red_flags"]}


def training(**tx: Any) -> dict[str, Any]:
    s = copy.deepcopy(TRAINING)
    s["transactions"][0].update(tx)
    return s


def test_iaas_training_for_non_tier1_entity_is_a_red_flag() -> None:
    # seed 004: "assisting in training an AI model with model weights specified in ECCN 4E091 for an entity
    # headquartered in, or whose ultimate parent is headquartered in, any destination outside of Tier 1"
    v = verdicts(training())["t1"]
    assert {f["rule"] for f in v["red_flags"]} == {"red_flags.iaas_4e091_training"}
    assert v["red_flags"][0]["cite"].startswith("Supp. No. 3 to part 732")
    assert v["outcome"] == "no_license_required"


def test_iaas_training_for_tier1_entity_raises_no_flag() -> None:
    # seed 004: the flag concerns entities headquartered outside Tier 1
    assert flags(training(consignee="customer-t1")) == set()


def test_iaas_training_for_tier1_located_subsidiary_of_non_tier1_parent_is_flagged() -> None:
    # seed 001: "US subsidiaries of entities headquartered outside a Whitelist Country Group country use a US
    # Infrastructure as a Service (IaaS) provider to assist in training an advanced AI model"
    s = training(consignee="customer-t1")
    s["parties"][2]["parent"] = "customer"
    assert flags(s) == {"red_flags.iaas_4e091_training"}


def test_inference_service_is_not_training() -> None:
    # seed 004: "assisting in training"
    assert flags(training(end_use="inference")) == set()


def test_model_below_threshold_raises_no_flag() -> None:
    s = training()
    s["items"][0]["training_ops"] = "99999999999999999999999999"
    assert flags(s) == set()


def test_veu_training_outside_tier1_breaches_the_guideline() -> None:
    # seed 004: "a prohibition on training advanced AI models that meet the parameters specified in ECCN 4E091
    # outside of Tier 1 destinations, or as IaaS for entities headquartered outside of Tier 1 destinations,
    # absent BIS authorization"
    s = training(provider="veu-dc", to="MY", consignee="customer-t1")
    assert flags(s) == {"red_flags.veu_training_outside_tier1"}
    s = training(provider="veu-dc", to="MY")
    assert flags(s) == {"red_flags.iaas_4e091_training", "red_flags.veu_training_outside_tier1",
                        "red_flags.veu_iaas_for_non_tier1"}


def test_veu_guideline_yields_to_bis_authorization() -> None:
    # seed 004: "absent BIS authorization"
    s = training(provider="veu-dc", to="MY", consignee="customer-t1", training_authorized_by_bis=True)
    assert flags(s) == set()


def test_aia_recipient_training_for_non_tier1_entity_breaches_its_certification() -> None:
    # seed 004: AIA's certification "requires the ultimate consignee to agree not to train AI models specified in
    # ECCN 4E091 for entities headquartered or located, or with ultimate parents headquartered, outside of Tier 1"
    s = training(provider="lab-jp", to="JP", consignee="customer-t1")
    s["parties"].append({"id": "lab-jp", "hq": "JP", "located": "JP"})
    s["parties"][2]["located"] = "BR"
    s["items"].append({"id": "h100", "eccn": "3A090.a", "tpp": 15832, "designer": "approved"})
    s["ledger"] = [{"id": "chips", "kind": "export", "item": "h100", "quantity": 100, "from": "US", "to": "JP",
                    "consignee": "lab-jp", "date": "2025-06-01", "authorization": "AIA"}]
    assert flags(s) == {"red_flags.aia_certification_training"}
    s["parties"][2]["located"] = "DE"
    assert flags(s) == set()


def test_before_compliance_date_no_flag() -> None:
    # seed 004: the AI Diffusion IFR's changes need not be complied with "until May 15, 2025"
    assert flags(training(date="2025-04-01")) == set()


def test_example_scenario_weights_iaas_training() -> None:
    # queries/scenarios/weights_iaas_training.json: seed 001's US subsidiary of a foreign-headquartered entity,
    # and seed 004's 734.9(l) for weights trained abroad on 3A090 chips
    from pathlib import Path

    import earlog

    path = Path(__file__).parent.parent / "queries" / "scenarios" / "weights_iaas_training.json"
    v = {x.transaction: x.to_json() for x in earlog.evaluate(path)}
    assert [f["rule"] for f in v["train-for-us-subsidiary"]["red_flags"]] == ["red_flags.iaas_4e091_training"]
    assert v["uk-weights-to-brazil"]["outcome"] == "license_presumption_denial"
    assert [r["rule"] for r in v["uk-weights-to-brazil"]["subject_to_ear_reason"]] == ["ear.ai_model_weights_fdp"]
