"""Chip classification from specifications (policy/classification.lp).

ECCN 3A090.a: "1. A 'total processing performance' of 4800 or more; or 2. A 'total
processing performance' of 1600 or more and a 'performance density' of 5.92 or more".
ECCN 3A090.b: "1. ... 2400 or more and less than 4800 and a 'performance density' of 1.6
or more and less than 5.92; or 2. ... 1600 or more and a 'performance density' of 3.2 or
more and less than 5.92" (88 FR 73458).  TPP: "2 x 'MacTOPS' x 'bit length of the
operation', aggregated over all processing units" (seed 001 fn 5).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import verdict

from earlog.commands.classify import classify_report
from earlog.errors import InputError
from earlog.scenario.json_input import scenario_from_dict


def chip(**specs: Any) -> dict[str, Any]:
    return classify_report({"items": [{"id": "c", **specs}]})[0]


@pytest.mark.parametrize("specs, eccn, rule", [
    # 3A090.a.1: TPP 4800 exactly (2 x 300 x 8) is "4800 or more"
    ({"mac_tops": 300, "bit_length": 8, "die_area_mm2": 2000}, "3A090.a", "classify.a_tpp"),
    # 3A090.a.2: TPP 1600 and density 6.4 (1600 / 250)
    ({"mac_tops": 100, "bit_length": 8, "die_area_mm2": 250}, "3A090.a", "classify.a_density"),
    # 3A090.b.1: TPP 2400, density 1.6 exactly (2400 / 1500)
    ({"mac_tops": 150, "bit_length": 8, "die_area_mm2": 1500}, "3A090.b", "classify.b_mid"),
    # 3A090.b.2: TPP 1600, density 3.2 exactly (1600 / 500)
    ({"mac_tops": 100, "bit_length": 8, "die_area_mm2": 500}, "3A090.b", "classify.b_density"),
    # a declared performance density is used as given: 1600 TPP at 5.92
    ({"mac_tops": 100, "bit_length": 8, "performance_density": 5.92}, "3A090.a", "classify.a_density"),
])
def test_meets_a_paragraph(specs: dict[str, Any], eccn: str, rule: str) -> None:
    r = chip(**specs)
    assert (r["eccn"], r["by"], r["rule"]) == (eccn, "specs", rule)


@pytest.mark.parametrize("specs, rule", [
    # just under 3A090.a.1 and under every density prong: 4799.984 TPP, density 1.0
    ({"mac_tops": 299.999, "bit_length": 8, "die_area_mm2": 4800}, "classify.not_3a090_density"),
    # TPP 1600 at density 3.19: under 3.2 ("3.2 or more" fails) and 5.92
    ({"mac_tops": 100, "bit_length": 8, "performance_density": 3.19}, "classify.not_3a090_density"),
    # TPP 1599.984 ("1600 or more" fails) even at a high density
    ({"mac_tops": 99.999, "bit_length": 8, "performance_density": 50}, "classify.not_3a090_low_tpp"),
])
def test_meets_no_paragraph(specs: dict[str, Any], rule: str) -> None:
    r = chip(**specs)
    assert (r["eccn"], r["rule"]) == (None, rule)


def test_density_just_under_592_is_b_not_a() -> None:
    """"a 'performance density' of 5.92 or more": 5.91 at TPP 1600 is 3A090.b.2, not .a.2."""
    r = chip(mac_tops=100, bit_length=8, performance_density=5.91)
    assert (r["eccn"], r["rule"]) == ("3A090.b", "classify.b_density")


def test_tpp_aggregated_over_processing_units() -> None:
    """"aggregated over all processing units": two units of 1600 and 3200 TPP make 4800 -> 3A090.a."""
    r = chip(processing_units=[{"mac_tops": 100, "bit_length": 8}, {"mac_tops": 400, "bit_length": 4}],
             die_area_mm2=5000)
    assert (r["eccn"], r["rule"]) == ("3A090.a", "classify.a_tpp")


def test_mid_range_tpp_without_density_is_undetermined() -> None:
    """3A090.a.2 and .b turn on performance density: a 3000-TPP chip without a die area is not classified."""
    r = chip(mac_tops=187.5, bit_length=8)
    assert (r["eccn"], r["rule"]) == (None, "classify.needs_density")


def test_declared_eccn_kept_with_warning_when_specs_disagree() -> None:
    """A declared ECCN stands; specs meeting 3A090.a.1 under a declared 3A090.b give a warning."""
    r = chip(eccn="3A090.b", tpp=15832, mac_tops=989.5, bit_length=8, die_area_mm2=814)
    assert (r["eccn"], r["by"], r["rule"]) == ("3A090.b", "declared", "items.eccn_declared")
    assert r["warnings"] == [{"rule": "classification.conflict", "declared": "3A090.b", "specs": "3A090.a"}]


def test_declared_tpp_mismatch_warns() -> None:
    r = chip(eccn="3A090.a", tpp=16000, mac_tops=989.5, bit_length=8, die_area_mm2=814)
    assert r["warnings"] == [{"rule": "classify.tpp_mismatch", "declared_tpp": 16000, "specs_tpp": 15832}]


def test_classified_item_drives_the_license_requirement() -> None:
    """An H100 given by specs only is 3A090.a (seed 001 fn 5 formula) and needs a license worldwide
    (742.6(a)(6)(iii)(A)); its shipment TPP is the derived 15,832 per chip."""
    s = {"parties": [{"id": "b", "hq": "BR", "located": "BR"}],
         "items": [{"id": "h", "mac_tops": 989.5, "bit_length": 8, "die_area_mm2": 814, "datacenter": True,
                    "designer": "approved"}],
         "transactions": [{"id": "t1", "kind": "export", "item": "h", "quantity": 1000, "from": "US", "to": "BR",
                           "consignee": "b", "end_use": "inference", "date": "2025-06-01", "end_user": "b"}]}
    v = verdict(s)
    assert v["license_required"] is True
    assert v["classification"]["eccn"] == "3A090.a" and v["classification"]["by"] == "specs"
    assert [r["rule"] for r in v["requirements"]] == ["req.rs_worldwide"]


def test_h20_example_is_not_3a090() -> None:
    r = classify_report("queries/chips/h20.json")[0]
    assert (r["eccn"], r["rule"]) == (None, "classify.not_3a090_density")


def test_item_needs_an_eccn_or_specs() -> None:
    with pytest.raises(InputError, match=r"\$\.items\[0\]\.eccn: an item without mac_tops/bit_length needs"):
        scenario_from_dict({"items": [{"id": "c", "tpp": 100}]})
    with pytest.raises(InputError, match="at most three decimals"):
        scenario_from_dict({"items": [{"id": "c", "mac_tops": 1.23456, "bit_length": 8}]})
