"""Every command that takes a scenario takes a .earlog file, a JSON file or `-` (stdin),
through one loader (scenario/load.py); `earlog export` converts a .earlog deal to
scenario JSON that `earlog eval` reads back to the same verdicts (issue 11 point 7)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DEAL = """# a deal written in the language
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
transaction nuvem_order {
  export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem, end_use: inference, date: 2025-06-01, prior_notification: yes, prior_certification: yes
}
ask nuvem_order
"""


def earlog(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "earlog.cli", *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=120)


@pytest.fixture
def deal(tmp_path: Path) -> Path:
    p = tmp_path / "deal.earlog"
    p.write_text(DEAL, encoding="utf-8")
    return p


def test_export_round_trips_with_eval(deal: Path, tmp_path: Path) -> None:
    """Seed 004: LPP authorizes "up to 1,700 ... H100 equivalents" to a Tier 2 consignee: the same
    verdict whether the deal is read from the .earlog file or from its exported JSON."""
    r = earlog("export", "deal.earlog", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (tmp_path / "deal.json").write_text(r.stdout, encoding="utf-8")
    assert json.loads(r.stdout)["transactions"][0]["quantity"] == 1000
    from_dsl = earlog("eval", "deal.earlog", "--format", "json", cwd=tmp_path)
    from_json = earlog("eval", "deal.json", "--format", "json", cwd=tmp_path)
    assert from_dsl.returncode == from_json.returncode == 0
    assert json.loads(from_dsl.stdout) == json.loads(from_json.stdout)
    assert json.loads(from_dsl.stdout)[0]["authorization"] == "LPP"


@pytest.mark.parametrize("command", [["eval"], ["ask"], ["ask", "--all-interpretations"], ["classify"],
                                     ["veu-limits", "_", "nuvem"]])
def test_every_command_takes_a_earlog_file(command: list[str], deal: Path, tmp_path: Path) -> None:
    args = [a if a != "_" else "deal.earlog" for a in command]
    if "deal.earlog" not in args:
        args.append("deal.earlog")
    r = earlog(*args, cwd=tmp_path)
    assert "malformed JSON" not in r.stderr
    assert "Traceback" not in r.stderr
    if command[0] == "veu-limits":  # nuvem has no deployment plan: a clean one-line refusal, not a JSON error
        assert r.returncode in (0, 2), r.stderr
    else:
        assert r.returncode == 0, r.stderr
        assert "nuvem_order" in r.stdout or "3A090.a" in r.stdout


@pytest.mark.parametrize("text", [DEAL, None])
def test_stdin_is_read_by_content(text: str | None, tmp_path: Path) -> None:
    if text is None:
        text = earlog("export", "-", cwd=tmp_path, stdin=DEAL).stdout
    r = earlog("eval", "-", "--format", "json", cwd=tmp_path, stdin=text)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["transaction"] == "nuvem_order"


def test_export_keeps_exact_numbers(tmp_path: Path) -> None:
    """1e26 operations (the 734.9(l)/4E091 threshold order) stay exactly 10^26 through export."""
    (tmp_path / "w.json").write_text(json.dumps({"items": [{"id": "w", "training_ops": "1"}]}).replace(
        '"1"', "1e26"), encoding="utf-8")
    r = earlog("export", "w.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert '"training_ops": 1e26' in r.stdout


def test_a_bad_earlog_file_is_a_dsl_error_not_a_json_one(tmp_path: Path) -> None:
    (tmp_path / "bad.earlog").write_text("party x { hq: Brazil }\n", encoding="utf-8")
    r = earlog("eval", "bad.earlog", cwd=tmp_path)
    assert r.returncode == 2
    assert "bad.earlog:1:" in r.stderr and "JSON" not in r.stderr
