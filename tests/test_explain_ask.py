"""`earlog ask --all-interpretations` (issue 11 point 4): each changed field by its
own path, from and to in full, under which reading; never a field that does not change."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from earlog.cli import app
from earlog.commands.ask import interpretation_dependence
from earlog.scenario.json_input import load_json_file

ROOT = Path(__file__).resolve().parent.parent
JAPAN = ROOT / "queries/scenarios/japan_lab_aia.json"


def test_nested_fields_are_reported_by_path_with_their_own_values() -> None:
    """kanto-h100s: under aia_entity_test = table_1, AIA becomes available (seed 004 Table 1)."""
    dep = interpretation_dependence(load_json_file(JAPAN), "kanto-h100s")
    mine = {c["field"]: (c["baseline"], c["value"]) for c in dep["changes"] if c["question"] == "aia_entity_test"}
    assert mine["exceptions.AIA.available"] == (False, True)
    assert mine["outcome"] == ("license_presumption_approval", "authorized_by_exception")
    assert "exceptions" not in mine  # the whole nested object is never one "field"


def test_only_fields_that_change_are_reported() -> None:
    dep = interpretation_dependence(load_json_file(JAPAN))
    assert dep["changes"]
    assert all(c["baseline"] != c["value"] for c in dep["changes"])


def test_text_shows_path_from_to_and_reading_untruncated() -> None:
    r = CliRunner().invoke(app, ["ask", str(JAPAN), "--all-interpretations", "--tx", "kanto-h100s"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "kanto-h100s: outcome license_presumption_approval"
    assert "  under aia_entity_test = table_1 (instead of text_740_27):" in lines
    row = next(ln for ln in lines if ln.strip().startswith("exceptions.AIA.available"))
    assert row.split()[-3:] == ["no", "->", "yes"]
    assert "..." not in r.output and "…" not in r.output
