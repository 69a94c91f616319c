"""The numbers behind classify and veu-limits (issue 11 point 11): the TPP and
performance density computed and the thresholds they were compared with; each VEU
limit with the share it measured and its limit, numbers formatted."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from earlog.cli import app
from earlog.commands.classify import classify_report

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_classify_prints_tpp_density_and_thresholds() -> None:
    """ECCN 3A090.a.1: "A 'total processing performance' of 4800 or more" (H100: 2 x 989.5 x 8 = 15,832)."""
    r = runner.invoke(app, ["classify", "--specs", "mac_tops=989.5,bit_length=8,die_area_mm2=814"])
    assert r.exit_code == 0, r.output
    assert "computed: TPP 15,832; performance density 19.45 (TPP / applicable die area, die area 814 mm2)" in r.output
    assert "TPP 15,832 >= 4,800  (eccn_3a090a_tpp)" in r.output
    assert "performance density 19.45 >= 5.92  (eccn_3a090a_pd_x100)" in r.output


def test_a_density_just_under_a_threshold_is_not_rounded_onto_it() -> None:
    """3A090.a.2 needs a performance density "of 5.92 or more": 1,183.84 / 200 = 5.9192 is below."""
    rows = classify_report({"items": [{"id": "c", "mac_tops": 73.99, "bit_length": 8, "die_area_mm2": 200}]})
    assert rows[0]["performance_density"] == "5.919"
    th = {t["parameter"]: t["result"] for t in rows[0]["thresholds"]}
    assert th["eccn_3a090a_pd_x100"] == "below" and th["eccn_3a090b_pd_x100"] == "at_least"


def test_classify_json_keeps_the_figures() -> None:
    r = runner.invoke(app, ["classify", str(ROOT / "queries/chips/h20.json"), "--format", "json"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.output)[0]
    assert row["tpp"] == 2368 and {t["result"] for t in row["thresholds"]} == {"at_least", "below"}


def _plan(tmp_path: Path, deployment: dict[str, int], hq: str = "GB") -> str:
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"parties": [{"id": "v", "hq": hq, "veu": {"type": "UVEU", "locations": ["IN"]},
                                          "deployment": deployment}]}))
    return str(f)


def test_veu_limits_print_each_share_and_its_limit(tmp_path: Path) -> None:
    """Seed 003: "keep at least 75% ... and ... not more than 7% ... in any single other country"."""
    plan = _plan(tmp_path, {"GB": 74_000, "IN": 6_000, "BR": 5_000, "MX": 5_000, "SA": 5_000, "AE": 5_000})
    r = runner.invoke(app, ["veu-limits", plan, "v", "--country", "IN"])
    assert r.exit_code == 0, r.output
    assert "v (UVEU): total 100,000 TPP deployed" in r.output
    assert "tier1_share: breached, 74.0% < 75% (uveu tier1 min)" in r.output
    assert "single_country in IN: met, 6.0% <= 7% (uveu single country max)" in r.output
    assert "can still go to IN: 0 TPP" in r.output


def test_a_share_just_under_its_limit_is_not_rounded_onto_it(tmp_path: Path) -> None:
    plan = _plan(tmp_path, {"GB": 74_999, "IN": 5_001, "BR": 5_000, "MX": 5_000, "SA": 5_000, "AE": 5_000})
    r = runner.invoke(app, ["veu-limits", plan, "v"])
    assert "tier1_share: breached, 74.999% < 75%" in r.output


def test_veu_limits_help_documents_the_deployment_input() -> None:
    r = runner.invoke(app, ["veu-limits", "--help"])
    text = " ".join(r.output.split())
    assert '"deployment"' in text and "TPP installed or planned per country" in text
