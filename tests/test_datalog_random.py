"""Random valid scenarios: clingo and pyDatalog must give the same verdict JSON.

The generator draws every value from the policy's own vocabulary (countries,
ECCNs, interpretations, parameters, Entity List entries) and the scenario
schema's choices, so it needs no change when the law changes.  CI runs
EXAMPLES_CI examples; `EARLOG_BOTH_ENGINES=all pytest tests/test_datalog_random.py`
runs EXAMPLES_ALL.  A disagreement found here becomes a fixed case in
tests/datalog_regressions/ (run by test_engines_agree.py).
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earlog.datalog.agree import disagreements
from earlog.engine import load_policy, vocabulary
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.model import (
    ATTESTATION_KINDS,
    ATTRITION_CAUSES,
    DESIGNER_STATUSES,
    END_USES,
    IC_TYPES,
    PARTY_ROLES,
    TRANSACTION_KINDS,
    VEU_TYPES,
)
from earlog.scenario.validate import validate

EXAMPLES_CI = 200
EXAMPLES_ALL = 3000
ALL = os.environ.get("EARLOG_BOTH_ENGINES") == "all"

VOCAB = vocabulary(load_policy())
# a few countries of every tier and group, plus the US: enough to meet every rule
COUNTRIES = sorted(VOCAB.countries)
FAVOURITES = [c for c in ("US", "BR", "CN", "SG", "JP", "MY", "IN", "AE", "DE", "MO", "RU", "TW", "CY", "IL")
              if c in VOCAB.countries]
ECCNS = sorted(VOCAB.eccns)
NAMES = ["acme", "megacorp", 'x). license_required(y', "büro", "lab"]


def _country() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(FAVOURITES), st.sampled_from(COUNTRIES)) if FAVOURITES else \
        st.sampled_from(COUNTRIES)


def _date() -> st.SearchStrategy[str]:
    return st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)).map(lambda d: d.isoformat())


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    n_parties = draw(st.integers(1, 3))
    names = NAMES[:n_parties]
    parties = []
    for i, pid in enumerate(names):
        p: dict[str, Any] = {"id": pid, "hq": draw(_country())}
        if i and draw(st.booleans()):
            p["parent"] = names[draw(st.integers(0, i - 1))]
        if draw(st.booleans()):
            p["located"] = draw(_country())
        p["government_controlled"] = draw(st.one_of(st.booleans(), _country()))
        p["distributor"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            p["veu"] = {"type": draw(st.sampled_from(VEU_TYPES)),
                        "locations": draw(st.lists(_country(), max_size=2, unique=True))}
        if draw(st.integers(0, 3)) == 0:
            p["role"] = draw(st.sampled_from(PARTY_ROLES))
            p["approved_ic_designer"] = draw(st.booleans())
            p["approved_osat"] = draw(st.booleans())
            p["agrees_to_report"] = draw(st.booleans())
        if draw(st.integers(0, 4)) == 0:
            p["deployment"] = draw(st.dictionaries(_country(), st.integers(0, 10**9), max_size=3))
        el = draw(st.integers(0, 6))
        if el == 0 and VOCAB.entity_list_entries:
            p["entity_list"] = {"entry": draw(st.sampled_from(sorted(VOCAB.entity_list_entries)))}
        elif el == 1:
            p["entity_list"] = {"footnote": draw(st.sampled_from([4, 5, None]))}
        if draw(st.integers(0, 4)) == 0:
            p["permanent_employee_of"] = draw(st.sampled_from(names))
        p["storage_meets_supp10"] = draw(st.booleans())
        if draw(st.integers(0, 5)) == 0:
            p["produces_ics"] = {"ic_type": draw(st.sampled_from(IC_TYPES)), "node_nm": draw(st.integers(3, 40)),
                                 "non_planar": draw(st.booleans()), "advanced_node": draw(st.booleans())}
        parties.append(p)
    items = []
    for j in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["eccn", "specs", "weights"]))
        it: dict[str, Any] = {"id": f"item{j}"}
        if kind == "eccn":
            eccn = draw(st.sampled_from(ECCNS))
            if eccn in VOCAB.software_technology_eccns:  # software/technology names the hardware it is for
                it.update(eccn=eccn, for_eccn=draw(st.sampled_from(sorted(VOCAB.hardware_eccns))))
            else:
                it.update(eccn=eccn, tpp=draw(st.integers(0, 30000)))
        elif kind == "specs":
            it.update(mac_tops=draw(st.integers(1, 3000)), bit_length=draw(st.sampled_from([4, 8, 16, 32])))
            if draw(st.booleans()):
                it["die_area_mm2"] = draw(st.integers(100, 900))
            it["logic_ic"] = draw(st.booleans())
            it["node_nm"] = draw(st.integers(3, 30))
            it["non_planar"] = draw(st.booleans())
            if draw(st.booleans()):
                it["hbm"] = draw(st.booleans())
            for role in ("designed_by", "fabricated_by", "packaged_by"):
                if draw(st.booleans()):
                    it[role] = draw(st.sampled_from(names))
            if draw(st.booleans()):
                it["packaged_in"] = draw(_country())
            atts = []
            for _ in range(draw(st.integers(0, 2))):
                a: dict[str, Any] = {"kind": draw(st.sampled_from(ATTESTATION_KINDS)),
                                     "by": draw(st.sampled_from(names))}
                if a["kind"] == "tpp_performance_density":
                    a.update(tpp=draw(st.integers(1, 6000)), performance_density=draw(st.integers(1, 10)))
                else:
                    a["transistor_count"] = draw(st.integers(10**9, 60 * 10**9))
                    if draw(st.booleans()):
                        a["hbm"] = draw(st.booleans())
                atts.append(a)
            if atts:
                it["attestations"] = atts
        else:
            it["training_ops"] = draw(st.sampled_from([10**20, 10**26, 2 * 10**26]))
            it["published_weights"] = draw(st.booleans())
            it["below_best_open_weights"] = draw(st.booleans())
            it["produced_with"] = draw(st.lists(st.sampled_from(ECCNS), max_size=2, unique=True))
        it["datacenter"] = draw(st.booleans())
        if draw(st.booleans()):
            it["designer"] = draw(st.sampled_from(DESIGNER_STATUSES))
        for flag in ("foreign_produced", "us_direct_product", "us_content"):
            it[flag] = draw(st.booleans())
        items.append(it)

    def transaction(k: int, ledger: bool) -> dict[str, Any]:
        t: dict[str, Any] = {
            "id": f"{'l' if ledger else 't'}{k}", "kind": draw(st.sampled_from(TRANSACTION_KINDS)),
            "item": draw(st.sampled_from([i["id"] for i in items])),
            "quantity": draw(st.sampled_from([1, 10, 1000, 100000, 1500000])),
            "from": draw(st.sampled_from(["US", *FAVOURITES[:3]])), "to": draw(_country()),
            "consignee": draw(st.sampled_from(names)), "date": draw(_date()),
        }
        located = next(p.get("located") for p in parties if p["id"] == t["consignee"])
        if t["kind"] in ("export", "reexport", "in_country_transfer") and located is not None:
            t["to"] = located  # a shipment goes where its consignee is located (scenario/validate.py)
        if draw(st.booleans()):
            t["end_user"] = draw(st.sampled_from(names))
        if draw(st.booleans()):
            t["end_use"] = draw(st.sampled_from(END_USES))
        if draw(st.integers(0, 3)) == 0:
            t["ultimate_destination"] = draw(_country())
        if draw(st.integers(0, 3)) == 0:
            t["exporter"] = draw(st.sampled_from(names))
        if draw(st.integers(0, 5)) == 0:
            t["en_route_on"] = draw(_date())
        t["prior_certification"] = draw(st.booleans())
        if draw(st.integers(0, 4)) == 0:
            t["provider"] = draw(st.sampled_from(names))
        if draw(st.integers(0, 5)) == 0:
            t["replaces_attrition"] = draw(st.sampled_from(ATTRITION_CAUSES))
        if ledger and draw(st.booleans()):
            t["authorization"] = draw(st.sampled_from(sorted(VOCAB.authorizations)))
        return t

    out: dict[str, Any] = {
        "parties": parties, "items": items,
        "transactions": [transaction(k, False) for k in range(draw(st.integers(1, 3)))],
        "ledger": [transaction(k, True) for k in range(draw(st.integers(0, 2)))],
    }
    if draw(st.booleans()):
        q = draw(st.sampled_from(sorted(VOCAB.interpretations)))
        out["assume"] = {q: draw(st.sampled_from(sorted(VOCAB.interpretations[q])))}
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from(sorted(VOCAB.parameters)))
        out["parameters"] = {name: draw(st.integers(0, 3 * 10**9))}
    if draw(st.integers(0, 3)) == 0:
        out["countries"] = {draw(_country()): {"tier": draw(st.integers(1, 3))}}
    return out


@settings(max_examples=EXAMPLES_ALL if ALL else EXAMPLES_CI, deadline=None, derandomize=not ALL,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_random_scenarios_get_the_same_verdicts_on_both_engines(data: dict[str, Any]) -> None:
    sc = scenario_from_dict(data)
    validate(sc, VOCAB)
    found = disagreements(sc)
    assert not found, "\n".join(d.text() for d in found)
