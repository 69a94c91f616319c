"""`earlog test --coverage` (STYLE.md §11): every annotated rule is fired by some case
of the suites or listed, with its id, file:line and citation, as a gap or with the
reason in coverage_exceptions.txt; and `todo` cases, known gaps reported as skipped.

The suites here are small temporary ones on the LPP baseline of queries/exceptions/
lpp.earlog; which rules they fire is cross-checked against the explanation twins
(`_earlog_why`), a second, independent record the solver keeps of the rules it used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earlog.cli import app
from earlog.dsl.coverage import read_exceptions
from earlog.dsl.suite import expectations
from earlog.engine import load_policy, solve
from earlog.engine.program import FIRED, VERDICT_PREDICATES, WHY
from earlog.errors import InputError

BASELINE = """\
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem, end_use: inference,
                 prior_notification: yes, prior_certification: yes, date: 2025-06-01 }
case "LPP is available for a Tier 2 consignee within the annual cap" {
  expect exception LPP available by lpp.available
}
"""
# seed 004, Table 1: Tier 3 destinations and headquarters are reviewed under a presumption of denial
TIER3_CASE = """\
case "a consignee headquartered in Tier 3 is reviewed with a presumption of denial" with nuvem.hq = CN {
  expect review_policy = denial by review.tier3_entity_denial
}
"""
TIER3_RULE = "review.tier3_entity_denial"


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["test", *args])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.output


def coverage_json(*args: str) -> dict:
    code, out = run("--coverage", "--format", "json", *args)
    assert code == 0, out
    return json.loads(out)["coverage"]


def rules_in_why_twins(suite: Path) -> set[str]:
    """The rules the explanation twins record over the suite's scenarios."""
    policy = load_policy()
    scenarios = {id(s.context): s.context.scenario for s in expectations(suite)}
    out: set[str] = set()
    for sc in scenarios.values():
        out.update(a.arguments[0].string for a in solve(sc, policy, explain=True).get(WHY))
    return out


def test_the_unfired_list_is_exactly_the_rules_no_scenario_derived_anything_by(tmp_path: Path) -> None:
    suite = tmp_path / "lpp.earlog"
    suite.write_text(BASELINE)
    cov = coverage_json(str(tmp_path))
    policy = load_policy()
    unfired = [e["rule"] for e in cov["not_fired"]]
    expected = sorted(set(policy.rules) - rules_in_why_twins(suite),
                      key=lambda r: (policy.rules[r].file, policy.rules[r].line))
    assert unfired == expected
    assert cov["fired"] == len(policy.rules) - len(unfired) and cov["total"] == len(policy.rules)
    assert cov["scenarios"] == 1
    assert "lpp.available" not in unfired  # the case expects LPP available by it
    assert TIER3_RULE in unfired  # nothing in the suite is in Tier 3
    entry = next(e for e in cov["not_fired"] if e["rule"] == TIER3_RULE)
    rule = policy.rules[TIER3_RULE]
    assert entry == {"rule": TIER3_RULE, "file": f"{policy.name}/{rule.file}", "line": rule.line, "cite": rule.cite}

    # one more case, one fact changed: the denial rule it pins leaves the list, nothing else joins it
    suite.write_text(BASELINE + TIER3_CASE)
    cov2 = coverage_json(str(tmp_path))
    unfired2 = [e["rule"] for e in cov2["not_fired"]]
    assert TIER3_RULE not in unfired2 and set(unfired2) < set(unfired)
    assert set(unfired2) == set(policy.rules) - rules_in_why_twins(suite)
    assert cov2["scenarios"] == 2


def test_text_lists_each_gap_with_file_line_and_citation_after_the_results(tmp_path: Path) -> None:
    (tmp_path / "lpp.earlog").write_text(BASELINE)
    code, out = run("--coverage", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    policy = load_policy()
    rule = policy.rules[TIER3_RULE]
    assert lines[0] == "1 passed, 0 failed"
    assert lines[1].startswith("not fired by any case (")
    assert f"  {TIER3_RULE}  {policy.name}/{rule.file}:{rule.line}  {rule.cite}" in lines
    fired = len(policy.rules) - int(lines[1].split("(")[1].rstrip("):"))
    percent = round(100 * fired / len(policy.rules), 1)
    assert lines[-1] == f"coverage: {fired} of {len(policy.rules)} rules fired ({percent:g}%)"


def test_allowlisted_rules_are_reported_with_their_reason_and_stale_entries_are_named(tmp_path: Path) -> None:
    (tmp_path / "lpp.earlog").write_text(BASELINE)
    reason = "reached only by a what-if in the tour"
    (tmp_path / "coverage_exceptions.txt").write_text(
        f"# rules the suites cannot fire, and why\n{TIER3_RULE}   {reason}\nlpp.available  fires in every LPP case\n")
    cov = coverage_json(str(tmp_path))
    assert TIER3_RULE not in [e["rule"] for e in cov["not_fired"]]
    assert [(e["rule"], e["reason"]) for e in cov["not_fired_with_reason"]] == [(TIER3_RULE, reason)]
    assert cov["fired_but_excepted"] == ["lpp.available"]
    code, out = run("--coverage", str(tmp_path))
    assert "not fired, with reason (1):" in out
    assert f"  {TIER3_RULE}  " in out and out.count(reason) == 1
    assert "fired, yet listed in coverage_exceptions.txt (remove the entry): lpp.available" in out
    # --exceptions names the file explicitly (a file argument has no folder to look in)
    elsewhere = tmp_path / "other.txt"
    elsewhere.write_text(f"{TIER3_RULE} {reason}\n")
    code, out = run("--coverage", "--exceptions", str(elsewhere), "--format", "json", str(tmp_path / "lpp.earlog"))
    assert json.loads(out)["coverage"]["not_fired_with_reason"][0]["rule"] == TIER3_RULE


@pytest.mark.parametrize(("line", "message"), [
    ("lpp.availabel  a typo", "no rule 'lpp.availabel' in the policy (did you mean 'lpp.available'?)"),
    ("lpp.available", "lpp.available has no reason"),
])
def test_a_bad_allowlist_line_is_bad_input_at_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "coverage_exceptions.txt"
    f.write_text(f"# header\n{line}\n")
    with pytest.raises(InputError) as e:
        read_exceptions([f], load_policy())
    assert str(e.value).startswith(f"{f}:2: {message}")


def test_the_repository_allowlist_names_real_rules_with_reasons() -> None:
    root = Path(__file__).resolve().parent.parent
    reasons = read_exceptions([root / "queries" / "coverage_exceptions.txt"], load_policy())
    assert all(len(r.split()) >= 3 for r in reasons.values())


def test_without_coverage_only_the_verdict_rules_are_traced(tmp_path: Path) -> None:
    """Tracing every rule costs about twice an evaluation; a plain run must not pay it."""
    from earlog.dsl.suite import run_step

    suite = tmp_path / "lpp.earlog"
    suite.write_text(BASELINE)
    step = expectations(suite)[0]
    assert run_step(step).passed
    heads = {a.arguments[1].name for a in step.context.evaluate()[1].get(FIRED)}
    assert heads and heads <= VERDICT_PREDICATES
    code, out = run("--format", "json", str(tmp_path))
    assert "coverage" not in json.loads(out)


TODO_CASE = """\
todo case "LPP for a later shipment once an earlier one is returned (not modelled yet)" with t1.quantity = 1_700 {
  expect exception LPP available
}
"""


def test_todo_cases_are_skipped_not_run_and_do_not_count_for_coverage(tmp_path: Path) -> None:
    suite = tmp_path / "lpp.earlog"
    suite.write_text(BASELINE + TODO_CASE)  # the todo's expectation is false today (past the cap)
    code, out = run(str(tmp_path))
    assert code == 0
    assert out.splitlines() == [
        f"{suite}:9: skipped (todo): expect exception LPP available "
        "[case: LPP for a later shipment once an earlier one is returned (not modelled yet)]",
        "1 passed, 0 failed, 1 skipped (todo)",
    ]
    data = json.loads(run("--coverage", "--format", "json", str(tmp_path))[1])
    assert (data["passed"], data["failed"], data["skipped"]) == (1, 0, 1)
    assert data["coverage"]["scenarios"] == 1


def test_a_suite_of_todo_cases_only_expects_nothing_and_fails(tmp_path: Path) -> None:
    (tmp_path / "gaps.earlog").write_text(BASELINE.split("case")[0] + TODO_CASE)
    code, out = run(str(tmp_path))
    assert code == 1
    assert "has no expectations but 1 in todo cases" in out


def test_todo_is_kept_by_fmt_and_checked_like_any_case(tmp_path: Path) -> None:
    from earlog.dsl.errors import DslError
    from earlog.dsl.formatter import format_document
    from earlog.dsl.parser import parse_text

    once = format_document(parse_text(BASELINE + "\n" + TODO_CASE))
    assert '\ntodo case "LPP for a later' in once
    assert format_document(parse_text(once)) == once
    bad = tmp_path / "bad.earlog"
    bad.write_text(BASELINE + TODO_CASE.replace("t1.quantity", "t1.quantty"))
    with pytest.raises(DslError):
        expectations(bad)


def test_pytest_reports_todo_cases_as_skipped(tmp_path: Path) -> None:
    (tmp_path / "lpp.earlog").write_text(BASELINE + TODO_CASE)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path, env=os.environ.copy())
    assert "1 passed, 1 skipped" in r.stdout, r.stdout
    assert "skipped (todo): expect exception LPP available" in r.stdout
