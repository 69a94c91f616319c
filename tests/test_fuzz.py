"""Hostile and random input, generated: every scenario JSON and every .earlog text ends in
exit 0, 1 or 2, an error is one line (JSON) with no traceback, and the verdict is monotone
where the law is (more TPP is never less controlled).

Bounded for CI (a few dozen examples each); the long run is documented in tests/README.md:
    EARLOG_FUZZ_EXAMPLES=5000 pytest -q -p no:cacheprovider tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import earlog
from earlog.cli import main

EXAMPLES = int(os.environ.get("EARLOG_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("EARLOG_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# values that broke earlog once (../shared/fuzz-repro) and their neighbours
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63, 10**59, 10**60, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, 1e-308, 989.5, 0.0005]),
    st.text(max_size=12),
    st.sampled_from(["", "US", "us", "ıN", "2025-W23-7", "2025-06-01", "3A090.a", "nuvem\0shadow", "a\nb",
                     "\ud800", "x). license_required(y", "LPP", "1e999999999"]),
)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                             st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=8)
PATHS = [
    ["parties", 0, "id"], ["parties", 0, "hq"], ["parties", 0, "located"], ["parties", 0, "parent"],
    ["parties", 0, "veu"], ["parties", 0, "entity_list"], ["parties", 0, "deployment"],
    ["items", 0, "id"], ["items", 0, "tpp"], ["items", 0, "eccn"], ["items", 0, "datacenter"],
    ["items", 0, "mac_tops"], ["items", 0, "bit_length"], ["items", 0, "training_ops"], ["items", 0, "node_nm"],
    ["items", 0, "die_area_mm2"], ["items", 0, "attestations"], ["items", 0, "processing_units"],
    ["transactions", 0, "id"], ["transactions", 0, "quantity"], ["transactions", 0, "date"],
    ["transactions", 0, "to"], ["transactions", 0, "kind"], ["transactions", 0, "consignee"],
    ["assume"], ["parameters"], ["countries"], ["ledger"], ["policy"],
]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    old, sys.argv = sys.argv, ["earlog", *args]
    code = 0
    try:
        main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


def _put(s: dict[str, Any], path: list[Any], value: Any) -> None:
    node: Any = s
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), JSON_VALUES), min_size=1, max_size=3))
def test_random_scenario_json(changes: list[tuple[list[Any], Any]], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    s = copy.deepcopy(BASE)
    for path, value in changes:
        _put(s, path, value)
    p = tmp_path / "s.json"
    p.write_text(json.dumps(s, allow_nan=True), encoding="utf-8", errors="surrogatepass")
    code, out, err = run_cli(["eval", str(p)], capsys)
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("earlog: error: ") and err.count("\n") == 1, err


DSL_TOKENS = st.sampled_from([
    "party", "item", "transaction", "ledger", "case", "expect", "ask", "why", "not", "what", "if", "for", "by",
    "{", "}", "[", "]", ",", ":", "=", ".", "\n", " ", "nuvem", "h100", "t1", "hq", "located", "BR", "US", "tpp",
    "15_832", "1e1000000", "1,000", "2147483648", "3A090.a", "2025-06-01", "yes", "no", "none", '"a\\"b"',
    '"x', "#", "export", "from", "to", "mac_tops", "bit_length", "datacenter", "outcome", "parameter", "assume",
])
PRELUDE = ("item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }\n"
           "party nuvem { hq: BR, located: BR }\n"
           "transaction t1 { export 10 h100 from US to BR, consignee: nuvem, end_use: inference, date: 2025-06-01 }\n")


@FUZZ
@given(tokens=st.lists(DSL_TOKENS, max_size=30), nesting=st.integers(min_value=0, max_value=200))
def test_random_earlog_text(tokens: list[str], nesting: int, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    text = PRELUDE + " ".join(tokens) + "\nparty deep { hq: BR, veu: " + "[" * nesting + "]" * nesting + " }\n"
    p = tmp_path / "f.earlog"
    p.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["run", str(p)], capsys)
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err


def _controlled(v: dict[str, Any]) -> tuple[int, int]:
    """How controlled a verdict is: the 3A090 paragraph (none < .b < .a), then a license or not."""
    eccn = (v.get("classification") or {}).get("eccn")
    return ({"3A090.b": 1, "3A090.a": 2}.get(eccn, 0), int(v["license_required"]))


@settings(max_examples=max(6, EXAMPLES // 4), deadline=None, derandomize=not os.environ.get("EARLOG_FUZZ_EXAMPLES"))
@given(mac=st.integers(min_value=1, max_value=2000), bits=st.sampled_from([4, 8, 16]),
       area=st.integers(min_value=50, max_value=2000), exponent=st.integers(min_value=1, max_value=27))
def test_more_tpp_is_never_less_controlled(mac: int, bits: int, area: int, exponent: int) -> None:
    """ECCN 3A090: "a 'total processing performance' of 4800 or more" — TPP is 2 x MacTOPS x bit
    length; multiplying MacTOPS by up to 10^27 (TPP past 10^30, far past 2^31) never moves a chip to a
    lower paragraph or drops a license requirement."""
    def verdict(m: int) -> dict[str, Any]:
        s = copy.deepcopy(BASE)
        s["items"][0] = {"id": "h100", "mac_tops": m, "bit_length": bits, "die_area_mm2": area,
                         "datacenter": True, "designer": "approved"}
        return earlog.evaluate(s)[0].to_json()

    small, big = verdict(mac), verdict(mac * 10**exponent)
    assert _controlled(big) >= _controlled(small)
    if 2 * mac * 10**exponent * bits >= 4800:  # 3A090.a.1, however far past 2^31
        assert _controlled(big)[0] == 2


# how restrictive an outcome is, for the monotonicity checks
_OUTCOME_RANK = {"not_subject": 0, "no_license_required": 0, "authorized_by_exception": 1, "authorized_by_veu": 1,
                 "license_presumption_approval": 2, "license_presumption_denial": 3, "license_policy_denial": 4}


@settings(max_examples=max(6, EXAMPLES // 4), deadline=None, derandomize=not os.environ.get("EARLOG_FUZZ_EXAMPLES"))
@given(quantity=st.integers(min_value=1, max_value=5000), exponent=st.integers(min_value=1, max_value=26),
       to=st.sampled_from(["BR", "IN", "SG", "CN", "DE"]))
def test_more_units_are_never_less_restricted(quantity: int, exponent: int, to: str) -> None:
    """Seed 004: LPP covers exports "up to 1,700 ... H100 equivalents" and Tier 2 countries have a
    capped allocation: shipping 10^exponent times as many H100s (up to 10^30 units) is never answered
    with a less restrictive outcome, however far the TPP total passes 2^31."""
    def outcome(q: int) -> str:
        s = copy.deepcopy(BASE)
        s["transactions"][0].update({"quantity": q, "to": to})
        s["parties"][0]["located"] = to
        return earlog.evaluate(s)[0].to_json()["outcome"]

    assert _OUTCOME_RANK[outcome(quantity * 10**exponent)] >= _OUTCOME_RANK[outcome(quantity)]
