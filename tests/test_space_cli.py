"""The command line of spaces: earlog find, check, diff, why --fix, test --coverage (dead rules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACES = str(ROOT / "queries" / "spaces.earlog")

DEAL = """item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
transaction order7 { export 2,000 h100 from US to BR, consignee: nuvem, end_user: nuvem, end_use: inference,
                     date: 2025-06-01, prior_notification: yes, prior_certification: yes }
"""


def earlog(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "earlog.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=os.environ.copy())


def test_find_prints_counts_and_patterns_and_json() -> None:
    r = earlog("find", SPACES, "exception LPP available", "--space", "owners", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["count"], data["size"], data["patterns_total"]) == (12, 36, 1)
    r = earlog("find", SPACES, "review_policy = denial", "--space", "owners", "--limit", "1")
    assert r.returncode == 0 and "scenarios of owners where review_policy = denial" in r.stdout
    assert "more patterns (--limit)" in r.stdout


def test_check_holds_with_size_and_fails_with_a_snippet() -> None:
    r = earlog("check", SPACES, "tier3_entity implies not exception LPP available", "--space", "full")
    assert r.returncode == 0 and "holds in all" in r.stdout and "scenarios of full" in r.stdout
    r = earlog("check", SPACES, "not license_required", "--space", "owners")
    assert r.returncode == 1
    assert "FAILS in owners" in r.stdout and "transaction deal { export 1000 chip from US to" in r.stdout
    assert "why outcome(" in r.stdout


def test_diff_of_an_interpretation_in_one_line() -> None:
    r = earlog("diff", "--interpretation", "cyprus_in_d5", "--space", "core", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["differing"] > 0 and data["after"] == "cyprus_in_d5 = yes"
    for g in data["groups"]:
        assert "countries.cyprus_d5" in g["rules_only_after"]
        assert all(p["pattern"]["destination"].startswith("Tier 2 (CY") for p in g["patterns"])


def test_diff_of_a_ledger_under_two_readings(tmp_path: Path) -> None:
    f = tmp_path / "cy.earlog"
    f.write_text(DEAL.replace("to BR", "to CY").replace("located: BR", "located: CY"))
    r = earlog("diff", "--interpretation", "cyprus_in_d5", "--scenario", str(f))
    assert r.returncode == 0, r.stderr
    assert "order7" in r.stdout and "license_presumption_denial" in r.stdout


def test_why_fix_reports_the_exact_quantity(tmp_path: Path) -> None:
    f = tmp_path / "order.earlog"
    f.write_text(DEAL)
    r = earlog("why", str(f), "exception LPP available for order7", "--not", "--fix")
    assert r.returncode == 0, r.stderr
    assert "LPP would be available with a quantity of at most 1,699 (now 2,000)" in r.stdout
    r = earlog("why", str(f), "exception LPP available for order7", "--not", "--fix", "--vary", "destiny")
    assert r.returncode == 2 and "no dimension named 'destiny'" in r.stderr and "Traceback" not in r.stderr


def test_bad_options_are_one_line_errors() -> None:
    for args, words in ((("diff", "--interpretation", "cyprus"), "no interpretation named 'cyprus'"),
                        (("diff", "--space", "core"), "name what to compare"),
                        (("find", SPACES, "license_required", "--space", "nowhere"), "no space named 'nowhere'"),
                        (("find", SPACES, "exception LLP available", "--space", "core"), "did you mean 'LPP'?")):
        r = earlog(*args)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_coverage_lists_dead_rules_as_a_table_and_json(tmp_path: Path) -> None:
    (tmp_path / "s.earlog").write_text(DEAL + "expect license_required = yes for order7\n")
    r = earlog("test", "--coverage", "--format", "json", str(tmp_path))
    assert r.returncode == 0, r.stderr
    dead = json.loads(r.stdout)["dead_rules"]
    ids = {d["rule"] for d in dead["dead"]}
    assert dead["space"] == "full" and "lpp.used_next" in ids and "lpp.available" not in ids
    r = earlog("test", "--coverage", str(tmp_path))
    assert "dead rules:" in r.stdout and r.stdout.strip().splitlines()[-1].startswith("coverage:")
