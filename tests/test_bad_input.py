"""Bad input through the real command line: every problem is one line on stderr
naming the file, the JSON path (or line:column) and the offending value, exit code
2, no traceback, nothing printed on stdout.  Hostile names are just names.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE, failed, scenario, verdict


def earlog(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI the way a user does (the console script calls earlog.cli:main)."""
    return subprocess.run([sys.executable, "-m", "earlog.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def write(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], object]) -> Path:
    s = copy.deepcopy(BASE)
    change(s)
    p = tmp_path / name
    p.write_text(json.dumps(s, indent=2), encoding="utf-8")
    return p


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(s: dict[str, Any]) -> None:
        node: Any = s
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return change


def _cycle(s: dict[str, Any]) -> None:
    s["parties"][0]["parent"] = "hold"
    s["parties"] += [{"id": "hold", "hq": "US", "parent": "top"}, {"id": "top", "hq": "US", "parent": "buyer"}]


# (case id, change, JSON path the message must name, value the message must name)
CASES: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("unknown field in a party", _set(["parties", 0, "headquarters"], "BR"), "$.parties[0].headquarters",
     "headquarters"),
    ("unknown top-level field", _set(["ledgers"], []), "$.ledgers", "ledgers"),
    ("unknown field in a transaction", _set(["transactions", 0, "value_usd"], 10), "$.transactions[0].value_usd",
     "value_usd"),
    ("unknown country code", _set(["transactions", 0, "to"], "XX"), "$.transactions[0].to", "'XX'"),
    ("malformed country code", _set(["parties", 0, "hq"], "Brazil"), "$.parties[0].hq", "'Brazil'"),
    ("undeclared consignee", _set(["transactions", 0, "consignee"], "ghost"), "$.transactions[0].consignee",
     "'ghost'"),
    ("undeclared end user", _set(["transactions", 0, "end_user"], "ghost"), "$.transactions[0].end_user", "'ghost'"),
    ("undeclared item", _set(["transactions", 0, "item"], "b200"), "$.transactions[0].item", "'b200'"),
    ("undeclared parent", _set(["parties", 0, "parent"], "ghost"), "$.parties[0].parent", "'ghost'"),
    ("ownership cycle", _cycle, "$.parties[", "'buyer' -> 'hold' -> 'top' -> 'buyer'"),
    ("negative quantity", _set(["transactions", 0, "quantity"], -5), "$.transactions[0].quantity", "-5"),
    ("fractional quantity", _set(["transactions", 0, "quantity"], 2.5), "$.transactions[0].quantity", "2.5"),
    ("quantity as text", _set(["transactions", 0, "quantity"], "10"), "$.transactions[0].quantity", "'10'"),
    ("negative TPP", _set(["items", 0, "tpp"], -1), "$.items[0].tpp", "-1"),
    ("fractional TPP", _set(["items", 0, "tpp"], 15832.5), "$.items[0].tpp", "15832.5"),
    ("impossible date", _set(["transactions", 0, "date"], "2025-02-30"), "$.transactions[0].date", "'2025-02-30'"),
    ("date in words", _set(["transactions", 0, "date"], "June 1, 2025"), "$.transactions[0].date",
     "'June 1, 2025'"),
    ("unknown parameter", _set(["parameters"], {"lpp_cap": 1}), "$.parameters.lpp_cap", "'lpp_cap'"),
]


def assert_one_line_error(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.mark.parametrize("change, json_path, value", [pytest.param(c, p, v, id=i) for i, c, p, v in CASES])
def test_bad_scenario_is_one_line_exit_2(tmp_path: Path, change: Callable[[dict[str, Any]], object],
                                         json_path: str, value: str) -> None:
    """Issue 3, item 5: "a one-line error naming the field and value (file and JSON path), exit code 2, no
    traceback, nothing evaluated partially"."""
    p = write(tmp_path, "scenario.json", change)
    assert_one_line_error(earlog("eval", p.name, "--format", "json", cwd=tmp_path), "scenario.json", json_path, value)


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    """Malformed JSON cannot have a JSON path: the message names file:line:column instead."""
    (tmp_path / "broken.json").write_text('{\n  "parties": [\n    {"id": "a",}\n  ]\n}\n', encoding="utf-8")
    assert_one_line_error(earlog("eval", "broken.json", cwd=tmp_path), "broken.json:3:", "malformed JSON")


def test_missing_file(tmp_path: Path) -> None:
    r = earlog("eval", "nowhere.json", cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_bad_file_is_rejected_before_any_file_is_evaluated(tmp_path: Path) -> None:
    """Nothing evaluated partially: a good file and a malformed one give the error and no verdicts."""
    good = write(tmp_path, "good.json", lambda s: None)
    (tmp_path / "bad.json").write_text("[", encoding="utf-8")
    r = earlog("eval", good.name, "bad.json", "--format", "json", cwd=tmp_path)
    assert_one_line_error(r, "bad.json")


def test_semantic_error_in_later_file_prints_no_verdicts(tmp_path: Path) -> None:
    """Issue 3, item 5: "nothing evaluated partially": an unknown country code in the second file should
    stop the run before the first file's verdicts are printed."""
    good = write(tmp_path, "good.json", lambda s: None)
    write(tmp_path, "bad.json", _set(["transactions", 0, "to"], "XX"))
    assert_one_line_error(earlog("eval", good.name, "bad.json", cwd=tmp_path), "bad.json", "'XX'")


# ---------------------------------------------------------------------------
# Hostile names.  DESIGN.md: "User text never becomes ASP source: ... a party named
# `x). license_required(y` is just a name."
# ---------------------------------------------------------------------------

# (a name with a newline or NUL is refused: test_fuzz_repro.py)
HOSTILE = ['x). license_required(y', '"; #include "/etc/passwd', "a\\\"b). #show.", "%% @rule evil.rule"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_party_name_is_just_a_name(name: str) -> None:
    """Seed 004: LPP is available "directly to any single ultimate consignee located in a Tier 1 or 2
    destination" — whatever the consignee is called; and the name comes back unchanged."""
    s = scenario(party={"id": name}, tx={"consignee": name, "end_user": name, "id": name})
    v = verdict(s, name)
    assert v["transaction"] == name
    assert v["license_required"] is True
    assert v["exceptions"]["LPP"]["rule"] == "lpp.available"
    assert v["authorization"] == "LPP"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_parent_name_is_just_a_name(name: str) -> None:
    """Seed 004: LPP needs a consignee that does "not have an ultimate parent headquartered in, a Tier 3
    destination": a Chinese parent with a hostile name still decides it."""
    s = scenario(party={"parent": name})
    s["parties"].append({"id": name, "hq": "CN"})
    assert failed(verdict(s), "LPP") == ["lpp.consignee_not_tier3"]


def test_hostile_names_round_trip_through_the_cli(tmp_path: Path) -> None:
    """Through `earlog eval --format json` the hostile ids come back byte for byte, and the verdict is right."""
    party, item, tx = HOSTILE[0], HOSTILE[1], HOSTILE[1] + " #2"
    s = scenario(party={"id": party}, item={"id": item}, tx={"id": tx, "item": item, "consignee": party,
                                                             "end_user": party})
    (tmp_path / "hostile.json").write_text(json.dumps(s), encoding="utf-8")
    r = earlog("eval", "hostile.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [v["transaction"] for v in out] == [tx]
    assert out[0]["authorization"] == "LPP"
    r = earlog("eval", "hostile.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert party in r.stdout and tx in r.stdout


def test_unknown_policy_version_is_an_error(tmp_path: Path) -> None:
    """DESIGN.md: a scenario names its policy version ("policy": "ai-diffusion-2025"); a version the
    policy folder does not declare is bad input, not silently evaluated against another one."""
    write(tmp_path, "bad.json", lambda s: s.update(policy="ai-diffusion-2099"))
    r = earlog("eval", "bad.json", cwd=tmp_path)
    assert_one_line_error(r, "bad.json", "$.policy", "'ai-diffusion-2099'")


# --- leniency (issue 11 point 21) and spoofing (point 20) ---------------------------

LENIENT: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("dotless i folds to IN", _set(["transactions", 0, "to"], "ıN"), "$.transactions[0].to", "'ıN'"),
    ("ISO week date", _set(["transactions", 0, "date"], "2025-W23-7"), "$.transactions[0].date", "'2025-W23-7'"),
    ("quantity zero", _set(["transactions", 0, "quantity"], 0), "$.transactions[0].quantity", "got 0"),
    ("NUL in an item id", _set(["items", 0, "id"], "h100\u0000x"), "$.items[0].id", "U+0000"),
    ("bidi override in a party id", _set(["parties", 0, "id"], "abc\u202e"), "$.parties[0].id", "U+202E"),
    ("bit length past 32 bits", _set(["items", 0], {"id": "h100", "mac_tops": 1, "bit_length": 2**31}),
     "$.items[0].bit_length", "2,147,483,648"),
]


@pytest.mark.parametrize(("case", "change", "path", "value"), LENIENT, ids=[c[0] for c in LENIENT])
def test_lenient_input_is_refused(tmp_path: Path, case: str, change: Callable[[dict[str, Any]], object], path: str,
                                  value: str) -> None:
    p = write(tmp_path, "s.json", change)
    r = earlog("eval", p.name, cwd=tmp_path)
    assert r.returncode == 2, r.stdout
    assert r.stderr.count("\n") == 1 and path in r.stderr and value in r.stderr, r.stderr


def test_duplicate_json_key_is_refused(tmp_path: Path) -> None:
    text = json.dumps(BASE).replace('"hq": "BR"', '"hq": "CN", "hq": "BR"', 1)
    (tmp_path / "dup.json").write_text(text, encoding="utf-8")
    r = earlog("eval", "dup.json", cwd=tmp_path)
    assert r.returncode == 2
    assert "$.parties[0].hq: the key 'hq' is given twice in a party; JSON keys must be unique" in r.stderr


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    r = earlog("eval", "bom.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_control_character_in_a_dsl_string_is_refused(tmp_path: Path) -> None:
    """A case title or a quoted name is printed in reports: `\\n` in it could forge a line."""
    (tmp_path / "t.earlog").write_text('case "a\\nOutcome: no license required" {\n  ask\n}\n', encoding="utf-8")
    r = earlog("run", "t.earlog", cwd=tmp_path)
    assert r.returncode == 2
    assert "t.earlog:1:6: a quoted string may not hold control characters" in r.stderr
