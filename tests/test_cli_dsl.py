"""The DSL commands end to end: `earlog run`, `test`, `fmt`, `repl`, and the pytest
plugin, through the real entry point (exit codes, failure lines, JSON)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from earlog.commands.repl import Repl, complete, run_lines

ROOT = Path(__file__).resolve().parent.parent

SUITE = """\
# Baseline: a Brazilian cloud orders 1,000 datacenter H100s; LPP covers it.
party nuvem { hq: BR, located: BR }
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_use: inference,
                 prior_notification: yes, prior_certification: yes, date: 2025-06-01 }
expect outcome = authorized_by_exception by outcome.exception
expect authorization = AIA
case "A Chinese-headquartered consignee is reviewed with a presumption of denial" with nuvem.hq = CN {
  expect review_policy = denial by review.tier3_entity_denial
  expect exception LPP available
}
"""


def earlog(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "earlog.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=os.environ.copy())


def test_test_prints_one_line_per_failure_and_the_summary(tmp_path: Path) -> None:
    f = tmp_path / "suite.earlog"
    f.write_text(SUITE)
    r = earlog("test", str(tmp_path))
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [
        f"{f}:7: expect authorization = AIA — actual: LPP",
        f"{f}:10: expect exception LPP available — actual: LPP not available; failed lpp.consignee_not_tier3 "
        "[case: A Chinese-headquartered consignee is reviewed with a presumption of denial]",
        "2 passed, 2 failed",
    ]


def test_a_suite_with_no_expectations_fails(tmp_path: Path) -> None:
    f = tmp_path / "empty.earlog"
    f.write_text(SUITE.split("expect")[0] + "ask\n")
    r = earlog("test", str(f))
    assert r.returncode == 1
    assert r.stdout.splitlines()[-1] == "0 passed, 1 failed"
    assert "has no expectations" in r.stdout


def test_queries_pass() -> None:
    r = earlog("test", "queries/")
    assert r.returncode == 0, r.stdout[-3000:]
    summary = re.match(r"(\d+) passed, (\d+) failed", r.stdout.splitlines()[-1])
    assert summary and summary.group(2) == "0" and int(summary.group(1)) > 900


def test_run_answers_in_order_and_as_json(tmp_path: Path) -> None:
    f = tmp_path / "q.earlog"
    f.write_text(SUITE.split("expect")[0] + "ask outcome\nwhat if nuvem.hq = CN\nwhy not exception AIA available\n")
    r = earlog("run", str(f))
    assert r.returncode == 0, r.stderr
    assert "t1: outcome = authorized_by_exception" in r.stdout
    assert "outcome  authorized_by_exception -> license_presumption_denial" in " ".join(r.stdout.split("  "))\
        or "authorized_by_exception -> license_presumption_denial" in r.stdout
    r = earlog("run", "--format", "json", str(f))
    data = json.loads(r.stdout)
    assert [a["kind"] for a in data] == ["ask", "what_if", "why_not"]
    changed = {c["field"]: (c["before"], c["after"]) for c in data[1]["changes"][0]["fields"]}
    assert changed["outcome"] == ("authorized_by_exception", "license_presumption_denial")
    assert changed["review_policy"] == ("approval_up_to_cap", "denial")
    assert data[2]["atom"] == 'exception_available("t1",aia)' and data[2]["holds"] is False


def test_find_and_check_search_a_space_and_check_resolves_names(tmp_path: Path) -> None:
    f = tmp_path / "q.earlog"
    f.write_text(SUITE.split("expect")[0] + "find in owners where outcome = license_presumption_denial\n")
    r = earlog("run", str(f))
    assert r.returncode == 0, r.stderr
    assert "scenarios of owners where outcome = license_presumption_denial" in r.stdout
    f.write_text(SUITE.split("expect")[0] + "check in owners: exception LLP available\n")
    r = earlog("run", str(f))
    assert r.returncode == 2 and "did you mean 'LPP'?" in r.stderr and "Traceback" not in r.stderr


def test_fmt_rewrites_and_check_reports(tmp_path: Path) -> None:
    f = tmp_path / "q.earlog"
    f.write_text("party   nuvem {hq:BR,located:BR}   # the buyer\nask\n")
    r = earlog("fmt", "--check", str(f))
    assert r.returncode == 1 and "would reformat" in r.stdout
    assert earlog("fmt", str(f)).returncode == 0
    assert f.read_text() == "party nuvem { hq: BR, located: BR }  # the buyer\nask\n"
    assert earlog("fmt", "--check", str(f)).returncode == 0


def test_help_has_an_example_for_every_command() -> None:
    for cmd in ("run", "test", "fmt", "repl", "eval"):
        r = earlog(cmd, "--help")
        assert r.returncode == 0 and "Example: earlog" in r.stdout, cmd


def test_repl_loop_declares_asks_and_recovers_from_errors() -> None:
    out: list[str] = []
    run_lines(["party nuvem {", "  hq: BR, located: BR", "}",
               "item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }",
               "transaction t1 { export 1,000 h100 from US to BR,",
               " consignee: nuvem, prior_notification: yes, prior_certification: yes, date: 2025-06-01 }",
               "what if nuvm.hq = CN", "ask outcome", ":names", ":quit", "ask"], out.append)
    assert out[0].startswith("error: <repl 4>:1:9: nothing is named 'nuvm' (did you mean 'nuvem'?)")
    assert out[1] == "t1: outcome = authorized_by_exception"
    assert out[2] == "nuvem (party), h100 (item), t1 (transaction)"
    assert len(out) == 3  # nothing after :quit


def test_repl_input_is_complete_only_when_balanced() -> None:
    assert not complete("party x {")
    assert not complete("what if x.hq = CN,")
    assert complete('party x { name: "{" }')
    assert complete("ask  # {")
    r = Repl(lambda s: None)
    assert r.feed(":quit") is False


def test_pytest_collects_earlog_files_with_the_same_failure_text(tmp_path: Path) -> None:
    (tmp_path / "suite.earlog").write_text(SUITE)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path, env=os.environ.copy())
    assert "2 failed, 2 passed" in r.stdout, r.stdout
    assert f"{tmp_path / 'suite.earlog'}:7: expect authorization = AIA — actual: LPP" in r.stdout


def test_declarations_without_questions_are_still_checked(tmp_path) -> None:
    """A file of declarations only is validated too: bad input is never silently accepted."""
    import subprocess
    import sys

    f = tmp_path / "decl.earlog"
    f.write_text("party x { hq: BR, locatd: BR }\n")
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "run", str(f)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "decl.earlog:1:19: unknown field 'locatd'" in r.stderr and "did you mean 'located'" in r.stderr
    assert "Traceback" not in r.stderr


def test_expectations_on_the_veu_field(tmp_path: Path) -> None:
    """`veu` is a keyword, yet `expect veu.UVEU.obligations = ...` reaches the verdict's veu field.
    Seed 004 on UVEUs: "Such authorizations also impose certain BIS notification and reporting requirements"."""
    f = tmp_path / "veu.earlog"
    f.write_text(
        "item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }\n"
        "party cloud { hq: US, veu: { type: UVEU }, deployment: { US: 1_000_000_000 } }\n"
        "transaction t1 { export 10 h100 from US to IN, consignee: cloud, end_use: inference, date: 2025-06-01 }\n"
        "expect veu.UVEU.available = yes for t1\n"
        "expect veu.UVEU.obligations = notification, reporting for t1\n"
        "expect veu.NVEU.available = yes for t1\n"
    )
    r = earlog("test", str(f))
    assert r.returncode == 1
    assert "2 passed, 1 failed" in r.stdout
    assert "veu.earlog:6:" in r.stdout
