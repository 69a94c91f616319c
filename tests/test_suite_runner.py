"""`earlog test` as a test runner users can trust (issue 11 points 13-16): a broken file is
an error and the rest still run; -k, -v, -x and --junit-xml; misspelt rule ids and
outcomes are caught at load time with a did-you-mean; `expect red_flags = []`; the pytest
plugin collects only suites; `earlog fmt` keeps comments where they were, with --check,
--diff and stdin; the package finds policy/ from the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

DEAL = """item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
transaction t1 {
  export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem, end_use: inference, date: 2025-06-01, prior_notification: yes, prior_certification: yes
}
"""
# seed 004: LPP authorizes exports to Tier 2 up to the cap, and no red flag is raised here
GOOD = DEAL + "expect outcome = authorized_by_exception by outcome.exception for t1\nexpect red_flags = [] for t1\n"
FAILING = DEAL + "expect license_required = no for t1\n"


def earlog(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "earlog.cli", *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=120)


def suite(tmp_path: Path) -> Path:
    d = tmp_path / "suite"
    d.mkdir()
    (d / "a_good.earlog").write_text(GOOD, encoding="utf-8")
    (d / "b_broken.earlog").write_text("party x {\n", encoding="utf-8")
    (d / "c_typo_rule.earlog").write_text(GOOD.replace("by outcome.exception", "by outcome.exceptoin"),
                                          encoding="utf-8")
    (d / "d_typo_value.earlog").write_text(GOOD.replace("= authorized_by_exception", "= authorised_by_exception"),
                                           encoding="utf-8")
    (d / "e_failing.earlog").write_text(FAILING, encoding="utf-8")
    return d


def test_a_broken_file_is_an_error_and_the_rest_still_run(tmp_path: Path) -> None:
    d = suite(tmp_path)
    r = earlog("test", str(d), cwd=tmp_path)
    assert r.returncode == 2
    assert "b_broken.earlog: error: line 1:10: the text ends in the middle of a statement" in r.stdout
    assert "unknown rule id 'outcome.exceptoin' (did you mean 'outcome.exception'?)" in r.stdout
    assert "outcome is never 'authorised_by_exception' (did you mean 'authorized_by_exception'?)" in r.stdout
    assert "e_failing.earlog:6: expect license_required = no for t1 — actual: yes" in r.stdout
    assert "2 passed, 1 failed, 3 errors" in r.stdout


def test_k_v_x_and_junit(tmp_path: Path) -> None:
    d = suite(tmp_path)
    r = earlog("test", "-k", "a_good", "-v", str(d / "a_good.earlog"), str(d / "e_failing.earlog"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert "expect red_flags = [] for t1 PASSED" in r.stdout
    assert "2 passed, 0 failed" in r.stdout
    r = earlog("test", "-x", str(d / "e_failing.earlog"), str(d / "a_good.earlog"), cwd=tmp_path)
    assert r.returncode == 1
    assert "0 passed, 1 failed" in r.stdout  # stopped at the first failure
    xml = tmp_path / "junit.xml"
    r = earlog("test", "--junit-xml", str(xml), str(d), cwd=tmp_path)
    root = ET.parse(xml).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == 6
    assert len(root.findall(".//failure")) == 1 and len(root.findall(".//error")) == 3


def test_json_output_does_not_repeat_labels(tmp_path: Path) -> None:
    d = suite(tmp_path)
    r = earlog("test", "--format", "json", str(d / "e_failing.earlog"), cwd=tmp_path)
    out = json.loads(r.stdout)
    assert out["results"][0]["actual"] == "yes"


def test_pytest_collects_only_suites(tmp_path: Path) -> None:
    """A scratch deal without `expect` is not a test; a suite beside it is."""
    (tmp_path / "scratch.earlog").write_text(DEAL + "ask t1\n", encoding="utf-8")
    (tmp_path / "suite.earlog").write_text(GOOD, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path, env=os.environ.copy(), timeout=300)
    assert "2 passed" in r.stdout, r.stdout
    assert "scratch" not in r.stdout


def test_pytest_collects_every_file_under_configured_suites(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nearlog_suites = suites\n", encoding="utf-8")
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "empty.earlog").write_text(DEAL, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], capture_output=True,
                       text=True, cwd=tmp_path, env=os.environ.copy(), timeout=300)
    assert "1 failed" in r.stdout, r.stdout
    assert "has no expectations" in r.stdout


COMMENTED = """# header
item h100 {
  eccn: 3A090.a,  # the eccn
  tpp: 15_832
}  # end of item

transaction t1 {
  # before the head
  export 1,000 h100 from US to BR, consignee: nuvem, end_use: inference, date: 2025-06-01, prior_notification: yes, prior_certification: yes
}
case "x" {  # opens
  ask t1  # trailing
  # last in case
}  # after case
"""


def test_fmt_keeps_comments_where_they_were(tmp_path: Path) -> None:
    r = earlog("fmt", "-", cwd=tmp_path, stdin=COMMENTED)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "  tpp: 15_832\n}  # end of item\n" in out
    assert "transaction t1 {\n  # before the head\n  export 1,000 h100 from US to BR,\n" in out
    assert "  # last in case\n}  # after case\n" in out
    again = earlog("fmt", "--check", "-", cwd=tmp_path, stdin=out)
    assert again.returncode == 0 and again.stdout == ""


def test_fmt_check_and_diff_change_nothing(tmp_path: Path) -> None:
    f = tmp_path / "c.earlog"
    f.write_text(COMMENTED, encoding="utf-8")
    r = earlog("fmt", "--check", "--diff", str(f), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith(f"--- {f} (as written)\n+++ {f} (formatted)\n")
    assert f.read_text(encoding="utf-8") == COMMENTED


def test_the_package_finds_policy_in_the_source_tree() -> None:
    """An editable install (`pip install -e .`) reads policy/ through the link src/earlog/policy."""
    from earlog.engine.policy import default_policy_dir

    if os.environ.get("EARLOG_POLICY"):
        return
    folder = Path(str(resources.files("earlog") / "policy"))
    assert folder.is_dir()
    names = {p.name for p in folder.glob("*.lp")}
    assert {"ownership.lp", "classification.lp", "missing_facts.lp", "params.lp"} <= names
    assert default_policy_dir() == folder


def test_a_misspelt_authorization_is_caught_at_load(tmp_path: Path) -> None:
    (tmp_path / "a.earlog").write_text(DEAL + "expect authorization = LPPP for t1\n", encoding="utf-8")
    r = earlog("test", "a.earlog", cwd=tmp_path)
    assert r.returncode == 2
    assert "authorization is never 'LPPP' (did you mean 'LPP'?)" in r.stdout
