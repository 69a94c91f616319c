"""ECCN 4E091 model weights: classification, the worldwide requirement of 742.6(a)(13)
with its deemed-export carve-out, License Exception AIA for weights, and the review
policy.  Each case changes one fact of a frontier model exported from the US."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import deciding_rules, failed, verdict

from earlog.errors import InputError
from earlog.scenario.json_input import load_json_text

WEIGHTS: dict[str, Any] = {
    "parties": [
        {"id": "lab-jp", "hq": "JP", "located": "JP", "storage_meets_supp10": True},
        {"id": "cloud-br", "hq": "BR", "located": "BR"},
        {"id": "lab-us", "hq": "US", "located": "US"},
        {"id": "engineer", "hq": "IN", "located": "US", "permanent_employee_of": "lab-us"},
    ],
    "items": [{"id": "w", "training_ops": 2e26}],
    "transactions": [{"id": "t1", "kind": "export", "item": "w", "quantity": 1, "from": "US", "to": "JP",
                      "consignee": "lab-jp", "end_use": "inference", "prior_certification": True,
                      "date": "2025-07-01"}],
}


def weights(item: dict[str, Any] | None = None, **tx: Any) -> dict[str, Any]:
    s = copy.deepcopy(WEIGHTS)
    s["items"][0].update(item or {})
    s["transactions"][0].update(tx)
    return s


# --- classification: 10^26 operations, published, less powerful than the best open model ---

def test_trained_with_1e26_operations_is_4e091() -> None:
    # seed 004: "advanced AI models, which are defined as having been trained utilizing 10^26 or more 'operations'"
    v = verdict(weights({"training_ops": "100000000000000000000000000"}))
    assert v["classification"]["eccn"] == "4E091"
    assert v["classification"]["rule"] == "weights.classified_4e091"
    assert v["requirements"][0]["rule"] == "req.rs_4e091_worldwide"


def test_exactly_1e26_operations_under_seed_002_reading() -> None:
    # seed 002: "trained on more than 10^26 computational operations" (interpretation eccn_4e091_threshold)
    s = weights({"training_ops": "100000000000000000000000000"})
    s["assume"] = {"eccn_4e091_threshold": "more_than"}
    assert verdict(s)["classification"]["eccn"] is None
    s["items"][0]["training_ops"] = "100000000000000000000000001"
    assert verdict(s)["classification"]["eccn"] == "4E091"


def test_one_operation_short_of_1e26_is_not_4e091() -> None:
    # seed 004: "10^26 or more 'operations'" -- 10^26 - 1 is below
    v = verdict(weights({"training_ops": "99999999999999999999999999"}))
    assert v["classification"]["eccn"] is None
    assert v["license_required"] is False and v["outcome"] == "no_license_required"


def test_published_weights_are_excluded() -> None:
    # seed 004: "ECCN 4E091 excludes from the control any 'published,' as defined in EAR § 734.7(a), open-weight models"
    v = verdict(weights({"published_weights": True}, to="BR", consignee="cloud-br"))
    assert v["classification"]["eccn"] is None
    assert v["outcome"] == "no_license_required"


def test_less_powerful_than_best_open_model_is_excluded_by_self_classification() -> None:
    # seed 004: "closed-weight models that are less powerful than the most powerful open-weight model";
    # "an exporter can either self-classify its model"
    v = verdict(weights({"below_best_open_weights": True}, to="BR", consignee="cloud-br"))
    assert v["outcome"] == "no_license_required"


def test_aisi_doe_reading_needs_their_determination() -> None:
    # seed 004: "as determined by the AI Safety Institute and the U.S. Department of Energy"
    s = weights({"below_best_open_weights": True}, to="BR", consignee="cloud-br")
    s["assume"] = {"below_best_open_weights_source": "aisi_doe_determination"}
    assert verdict(s)["classification"]["eccn"] == "4E091"
    s["items"][0]["below_best_open_weights_by"] = "aisi_and_doe"
    assert verdict(s)["outcome"] == "no_license_required"


def test_training_ops_accepts_exact_exponent_and_rejects_fractions() -> None:
    # 1e26 written in JSON is exactly 10^26, not the nearest binary float
    sc = load_json_text('{"items": [{"id": "w", "training_ops": 1e26}]}')
    assert sc.items[0].training_ops == 10**26
    with pytest.raises(InputError, match=r"\$\.items\[0\]\.training_ops.*whole number"):
        load_json_text('{"items": [{"id": "w", "training_ops": 1.5}]}')
    with pytest.raises(InputError, match="zero or more"):
        load_json_text('{"items": [{"id": "w", "training_ops": -1e26}]}')


# --- 742.6(a)(13): worldwide requirement, deemed-export carve-out ---

def test_worldwide_requirement_reaches_tier1() -> None:
    # seed 004: "The new ECCN 4E091 is subject to a worldwide RS license requirement pursuant to EAR § 742.6(a)(13)"
    v = verdict(weights())
    assert v["license_required"] is True
    assert [r["rule"] for r in v["requirements"]] == ["req.rs_4e091_worldwide"]


def test_deemed_export_to_permanent_employee_of_tier1_entity_needs_no_license() -> None:
    # seed 004: "does not apply to deemed exports or deemed reexports for permanent regular employees of entities
    # headquartered in or with an ultimate parent headquartered in the United States or a Tier 1 destination"
    v = verdict(weights(kind="deemed_export", to="IN", consignee="engineer"))
    assert v["license_required"] is False
    assert v["outcome"] == "no_license_required"


def test_deemed_export_to_employee_of_tier2_entity_needs_a_license() -> None:
    # seed 004: the carve-out is for employees of Tier-1-headquartered entities only
    s = weights(kind="deemed_export", to="IN", consignee="engineer")
    s["parties"][3]["permanent_employee_of"] = "cloud-br"
    v = verdict(s)
    assert [r["rule"] for r in v["requirements"]] == ["req.rs_4e091_worldwide"]


# --- 740.27: AIA for weights ---

def test_aia_available_for_tier1_lab_with_certification() -> None:
    # seed 004: AIA "authorizes the export ... of 4E091 technology to entities headquartered in ... Tier 1
    # destinations that are located outside of Tier 3 destinations"
    v = verdict(weights())
    assert v["exceptions"]["AIA"] == {"available": True, "rule": "aia.weights_available",
                                      "obligations": v["exceptions"]["AIA"]["obligations"]}
    assert v["outcome"] == "authorized_by_exception"


def test_aia_needs_prior_certification() -> None:
    # seed 004: "must receive a prior compliance certification from the ultimate consignee"
    v = verdict(weights(prior_certification=False))
    assert failed(v, "AIA") == ["aia.prior_certification"]


def test_aia_needs_tier1_headquarters() -> None:
    # seed 004: "to entities headquartered in, or whose ultimate parent company is headquartered in, Tier 1"
    v = verdict(weights(to="BR", consignee="cloud-br"))
    assert failed(v, "AIA") == ["aia.weights_hq_tier1"]


def test_aia_weights_denied_to_us_subsidiary_of_tier3_parent() -> None:
    # issue 10, point 2.  seed 004: the strict controls reach "entities headquartered in, or whose
    # ultimate parent company is headquartered in, Macau or a Country Group D:5 destination"; seed 001:
    # "the domestic transfer of a Controlled Model weight to the US subsidiary of the foreign-headquartered
    # entity".  A transfer inside the US to such a subsidiary is not authorized by AIA and is denied.
    s = weights(kind="in_country_transfer", to="US", consignee="dragon-us")
    s["parties"] += [{"id": "dragon", "hq": "CN", "located": "CN"},
                     {"id": "dragon-us", "hq": "US", "located": "US", "parent": "dragon",
                      "storage_meets_supp10": True}]
    v = verdict(s)
    assert v["license_required"] is True
    assert failed(v, "AIA") == ["aia.weights_not_tier3_linked"]
    assert v["outcome"] == "license_presumption_denial"


def test_aia_for_tier1_subsidiary_located_in_tier3_fails_location() -> None:
    # seed 004: "that are located outside of Tier 3 destinations"
    s = weights(to="CN", consignee="lab-jp")
    s["parties"][0]["located"] = "CN"  # its site in China receives the weights
    v = verdict(s)
    assert failed(v, "AIA") == ["aia.weights_outside_tier3"]


def test_aia_storage_condition_applies_from_the_delayed_compliance_date() -> None:
    # seed 004: "the technology must be stored in a facility that complies with the security requirements at
    # paragraphs 14, 15, and 18"; seeds 000/001: "a delayed compliance date of January 15, 2026"
    s = weights(date="2026-02-01")
    s["parties"][0]["storage_meets_supp10"] = False
    assert failed(verdict(s), "AIA") == ["aia.storage_security"]
    s["transactions"][0]["date"] = "2026-01-14"
    assert verdict(s)["exceptions"]["AIA"]["available"] is True


# --- 742.6(b)(14): review policy ---

def test_review_denial_outside_tier1() -> None:
    # seed 004: "presumption of denial for end users headquartered outside or with an ultimate parent
    # headquartered outside of Tier 1"
    s = weights(to="BR", consignee="cloud-br")
    v = verdict(s)
    assert v["review_policy"] == "denial" and v["outcome"] == "license_presumption_denial"
    assert deciding_rules(s, "review_policy")["denial"] == {"review.weights_destination_denial",
                                                           "review.weights_entity_denial"}


def test_review_approval_in_tier1() -> None:
    # seed 000: "License applications for destinations listed in paragraph (a) of Supplement No. 5 ...
    # presumption of approval"
    s = weights(prior_certification=False)
    assert verdict(s)["review_policy"] == "approval"
    assert deciding_rules(s, "review_policy") == {"approval": {"review.weights_tier1_approval"}}
