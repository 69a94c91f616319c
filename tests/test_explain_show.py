"""Browsing the policy (issue 11 point 9): `earlog show params | tiers | country XX |
interpretation NAME`, read from the policy's facts and rules, numbers and dates formatted."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from earlog.cli import app
from earlog.errors import EarlogError

runner = CliRunner()


def _ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_show_params_formats_values_by_unit() -> None:
    """Seed 004: "up to a cumulative TPP of 26,900,000 per year per ultimate consignee"."""
    out = _ok("show", "params")
    line = next(ln for ln in out.splitlines() if ln.startswith("lpp_annual_cap_tpp"))
    assert "26,900,000 TPP" in line and "(params.lp:" in line
    assert any(ln.startswith("ai_diffusion_compliance_date") and "2025-05-15" in ln for ln in out.splitlines())
    assert any(ln.startswith("uveu_tier1_min_pct") and "75%" in ln for ln in out.splitlines())
    assert any(ln.startswith("nveu_country_cap_tpp") and "no published value" in ln for ln in out.splitlines())
    rows = json.loads(_ok("show", "params", "--format", "json"))
    assert {"lpp_annual_cap_tpp", "country_allocation_tpp"} <= {r["parameter"] for r in rows}


def test_show_tiers_lists_the_three_tiers() -> None:
    """Seed 004: "Tier 1 is the United States and 18 low-risk destinations"."""
    data = json.loads(_ok("show", "tiers", "--format", "json"))
    assert len(data["1"]) == 19 and {"code": "US", "name": "United States"} in data["1"]
    assert any(c["code"] == "MO" for c in data["3"]) and any(c["code"] == "CN" for c in data["3"])
    assert any(c["code"] == "BR" for c in data["2"])
    assert "Tier 1 (19 countries):" in _ok("show", "tiers")


def test_show_country_gives_tier_groups_allocation_and_rules() -> None:
    out = _ok("show", "country", "cy")
    assert out.startswith("CY  Cyprus")
    assert "tier: 2" in out and "allocation: 790,000,000 TPP" in out
    assert "countries.cyprus_d5" in out  # the rule naming Cyprus (seed 001 fn 4 vs seed 004)
    cn = json.loads(_ok("show", "country", "CN", "--format", "json"))
    assert cn["tier"] == 3 and "D:5" in cn["groups"] and cn["allocation_tpp"] is None


def test_show_unknown_country_is_one_line_error() -> None:
    r = runner.invoke(app, ["show", "country", "XX"])  # the CLI's main() prints it as one line, exit 2
    assert r.exit_code != 0 and isinstance(r.exception, EarlogError)
    assert "no ISO 3166-1 code 'XX'" in r.output + str(r.exception)


def test_show_interpretation_names_its_alternatives_and_rules() -> None:
    out = _ok("show", "interpretation", "cyprus_in_d5")
    assert out.startswith("cyprus_in_d5: Is Cyprus in Country Group D:5")
    assert "no (default):" in out
    assert "applies: countries.cyprus_d5" in out
    r = runner.invoke(app, ["show", "interpretation", "cyprus_in_d6"])
    assert isinstance(r.exception, EarlogError) and "did you mean 'cyprus_in_d5'" in r.output + str(r.exception)
