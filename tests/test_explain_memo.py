"""Memo-grade explanations (issue 11 point 1): the conclusion first, then the
decisive conditions in words with their numbers, citations naming the source
documents and the seed sentences; no solver atoms, helper predicates or raw dates.

Golden files (STYLE.md §12) pin the Markdown and text of a dozen conclusions:
tests/golden/memo/cases.json lists them, each expected file sits beside it.
After an intended change, regenerate with EARLOG_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earlog.cli import app
from earlog.commands.why import parse_conclusion
from earlog.engine import load_policy
from earlog.explain import explain
from earlog.explain.memo import Memo, build_memo, conclusion_words
from earlog.render.explanation_memo import render_memo_markdown, render_memo_text
from earlog.scenario.json_input import load_json_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "memo"
CASES = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))
runner = CliRunner()


def _memo(case: dict, depth: int | None = None) -> Memo:
    path = ROOT / case["scenario"]
    sc = load_json_text(path.read_text(encoding="utf-8"), file=path.name)
    atom = parse_conclusion(case["conclusion"], sc)
    return build_memo(explain(sc, atom, why_not=case["not"]), load_policy(), depth)


def _compare(path: Path, sentence: str, actual: str) -> None:
    if os.environ.get("EARLOG_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual == expected:
        return
    exp, act = expected.splitlines(), actual.splitlines()
    i = next((k for k in range(max(len(exp), len(act)))
              if k >= len(exp) or k >= len(act) or exp[k] != act[k]), 0)
    pytest.fail(f"{path}:{i + 1}: {sentence}\n  expected: {exp[i] if i < len(exp) else '(end of file)'}\n"
                f"  actual:   {act[i] if i < len(act) else '(end of output)'}", pytrace=False)


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
@pytest.mark.parametrize("ext", ["md", "txt"])
def test_golden_memo(case: dict, ext: str) -> None:
    m = _memo(case)
    text = render_memo_markdown(m) if ext == "md" else render_memo_text(m)
    _compare(GOLDEN / f"{case['case']}.{ext}", case["sentence"], text)


_SOLVER = re.compile(r'\b[a-z_]+\("|_earlog|@leq|@add|\b20,[0-9]{3},[0-9]{3}\b')


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_memo_has_no_solver_text(case: dict) -> None:
    """No atoms (`met("t1",...`), no @-functions, no dates printed as numbers (20,250,515)."""
    text = render_memo_markdown(_memo(case))
    bad = [ln for ln in text.splitlines() if _SOLVER.search(ln)]
    assert not bad, bad[:3]


def test_cap_memo_leads_with_the_conclusion_and_the_numbers() -> None:
    """Seed 004: "up to a cumulative TPP of 26,900,000 per year per ultimate consignee"."""
    m = _memo(CASES[0])
    text = render_memo_markdown(m)
    first = text.splitlines()[2]
    assert first.startswith("**Conclusion.** exception LPP available for second-order does not hold")
    assert "15,832,000 + 15,832,000 = 31,664,000 TPP > 26,900,000 TPP" in text
    assert "`lpp.within_cap`" in text and "15 CFR 740.29" in text
    assert "Covington client alert" in text and "seed 004" not in text.split("**Sources**")[0]
    assert "up to a cumulative TPP of 26,900,000 per year per ultimate consignee" in text


def test_helper_rules_are_folded_away() -> None:
    """The route.* rules are earlog conventions: the memo of an AIA outcome names AIA, not route(...)."""
    text = render_memo_markdown(_memo(CASES[5]))
    assert "route." not in text and "has_static_route" not in text and "exception_code" not in text


def test_facts_point_to_their_json_path() -> None:
    text = render_memo_text(_memo(CASES[1], depth=6))
    assert "transaction small-order: date = 2025-06-01 (brazil_cloud.json: $.transactions[0].date)" in text
    assert "transaction small-order: quantity = 1,000 (brazil_cloud.json: $.transactions[0].quantity)" in text


def test_facts_written_in_the_language_point_to_their_line(tmp_path: Path) -> None:
    f = tmp_path / "deal.earlog"
    f.write_text("party nuvem { hq: BR, located: BR }\n"
                 "item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }\n"
                 "transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem,\n"
                 "                 end_use: inference, date: 2025-06-01, prior_notification: yes, prior_certification: yes }\n")
    r = runner.invoke(app, ["why", str(f), "exception LPP available for t1", "--depth", "6"])
    assert r.exit_code == 0, r.output
    assert f"transaction t1: quantity = 1,000 ({f}:3)" in r.output
    assert f"item h100: tpp = 15,832 ({f}:2)" in r.output


def test_conclusion_words() -> None:
    assert conclusion_words('exception_available("t1",lpp)') == "exception LPP available for t1"
    assert conclusion_words('outcome("t1",license_policy_denial)') == "outcome = license_policy_denial for t1"
    assert conclusion_words('license_required("t1")') == "license_required for t1"


def test_cli_markdown_and_full_detail(tmp_path: Path) -> None:
    scen = str(ROOT / "queries/scenarios/brazil_cloud.json")
    r = runner.invoke(app, ["why", scen, "exception LPP available for second-order", "--not", "--format", "markdown"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("## Why not exception LPP available for second-order")
    assert "@leq" not in r.output
    r = runner.invoke(app, ["why", scen, "exception LPP available for second-order", "--not", "--detail", "full"])
    assert r.exit_code == 0, r.output
    assert "@leq(@add(V,A),Cap) = 1" in r.output  # the full proof keeps the rule's own text
    r = runner.invoke(app, ["why", scen, "exception LPP available for second-order", "--not", "--detail", "short"])
    assert r.exit_code != 0 and "--detail" in (r.output + str(r.exception))


def test_hostile_ids_cannot_forge_memo_lines() -> None:
    text = json.loads((ROOT / "queries/scenarios/brazil_cloud.json").read_text())
    text["parties"][0]["id"] = "nuvem*_<b>"
    for t in text["transactions"]:
        t["consignee"] = t["end_user"] = "nuvem*_<b>"
    sc = load_json_text(json.dumps(text), file="hostile.json")
    atom = parse_conclusion("exception LPP available for small-order", sc)
    md = render_memo_markdown(build_memo(explain(sc, atom), load_policy(), depth=3))
    assert "nuvem\\*\\_\\<b>" in md and "<b>" not in md.replace("\\<b>", "")
