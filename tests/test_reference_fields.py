"""The scenario schema says once which fields name a party or an item (model.refers_to).

Validation (scenario/validate.py) checks those fields and the keyed engine
(engine/screening.py) follows and tokenises them: a reference the engine did not
follow would leave a party out of a decision key's closure and give a verdict
computed without it.  These tests keep the two readers on the one declaration.
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from conftest import scenario

from earlog.engine import load_policy, screening, vocabulary
from earlog.errors import InputError
from earlog.scenario import model
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.validate import validate

FOLLOWED = {model.Transaction, model.Party, model.Item, model.Attestation}


@pytest.fixture(scope="module")
def vocab() -> model.Vocabulary:
    return vocabulary(load_policy())


def _classes_with_references() -> set[type]:
    out = set()
    for _name, cls in inspect.getmembers(model, inspect.isclass):
        if dataclasses.is_dataclass(cls) and any("refers_to" in f.metadata for f in dataclasses.fields(cls)):
            out.add(cls)
    return out


def test_every_class_with_references_is_followed_by_the_keyed_engine():
    assert _classes_with_references() == FOLLOWED


def test_the_keyed_engine_follows_exactly_the_declared_references():
    assert screening.TX_REFS == ("item", "consignee", "end_user", "exporter", "provider")
    assert screening.PARTY_REFS == ("parent", "permanent_employee_of")
    assert screening.PARTY_LIST_REFS == ("trains_models_for",)
    assert screening.ITEM_REFS == ("designed_by", "fabricated_by", "packaged_by")
    assert screening.ATTESTATION_REFS == ("by",)
    # the engine follows lists of party ids on parties only
    for cls in FOLLOWED - {model.Party}:
        assert model.reference_fields(cls, "party", many=True) == ()


@pytest.mark.parametrize(("where", "field", "label"), [
    ("transactions", "end_user", "end_user"),
    ("transactions", "provider", "provider"),
    ("parties", "parent", "parent"),
    ("parties", "permanent_employee_of", "employer"),
    ("items", "packaged_by", "packaged_by"),
])
def test_an_undeclared_reference_is_refused_with_its_field_and_label(vocab, where, field, label):
    d = scenario()
    d[where][0][field] = "ghost"
    with pytest.raises(InputError) as e:
        validate(scenario_from_dict(d), vocab)
    assert f"{label} 'ghost' is not a declared party" in str(e.value)
    assert field in str(e.value)


def test_a_list_reference_names_its_position(vocab):
    d = scenario()
    d["parties"][0]["trains_models_for"] = [d["parties"][0]["id"], "ghost"]
    with pytest.raises(InputError) as e:
        validate(scenario_from_dict(d), vocab)
    assert "trains_models_for[1]" in str(e.value)
    assert "trains_models_for 'ghost' is not a declared party" in str(e.value)


def test_an_attestation_by_an_undeclared_party_is_refused(vocab):
    d = scenario()
    d["items"][0]["attestations"] = [
        {"kind": "tpp_performance_density", "by": "ghost", "tpp": 3000, "performance_density": 3.5}]
    with pytest.raises(InputError) as e:
        validate(scenario_from_dict(d), vocab)
    assert "attestations[0].by" in str(e.value)
    assert "by 'ghost' is not a declared party" in str(e.value)
