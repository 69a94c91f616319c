"""Arithmetic on user numbers is exact and total (issue 11 points 17-18): the fuzz repros
in tests/fuzz_repro/ (from ../shared/fuzz-repro/, README there) end in exit 0 with the
right answer, never a traceback, a wrapped number or an engine-bug exit 3.

- `supp5_b_allocation_increase_pct` near 2^31 wrapped `100 + Pct` in allocations.lp; the
  cap is now 790,000,000 x (100 + Pct) / 100 exactly (@add, @mul, @div).
- UVEU share parameters of 0% (a minimum) or 100% (a maximum) divided by zero in the
  headroom of veu_limits.lp; such a limit now bounds nothing.  A minimum of 2^63 % made
  `-M` undefined for a big number and dropped the bound; it is now @mul(M, -1).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earlog.cli import app
from earlog.commands.veu_limits import veu_limits_report

REPRO = Path(__file__).parent / "fuzz_repro"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.output


def verdicts(name: str) -> dict[str, dict]:
    code, out = run("eval", str(REPRO / name), "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    items = data if isinstance(data, list) else data.get("verdicts", [data])
    return {v["transaction"]: v for v in items}


@pytest.mark.parametrize("name, pct", [("j_supp5b_pct_wraps_negative_cap.json", 2_147_483_600),
                                       ("j_supp5b_pct_2p31_zero_outcomes.json", 2**31)])
def test_supp5_b_increase_near_2_31_is_exact(name: str, pct: int) -> None:
    """Seed 004: the allocation of a country in Supp. No. 5 (b) 'may be increased up to 100%'; a
    what-if percentage past 2^31 gives the exact product, so the second order is approved."""
    v = verdicts(name)["second-order"]
    assert v["allocation"]["cap_tpp"] == 790_000_000 * (100 + pct) // 100
    assert v["outcome"] == "license_presumption_approval"
    assert v["outcome_rule"] == "outcome.license_within_cap"


@pytest.mark.parametrize("name, failed", [
    # a maximum of 100% in one country: the 1,000 H100s to Brazil (7.26% after) are covered
    ("j_param_uveu_single_pct_100_div0.json", []),
    # minimums of 0%: the 7% single-country limit still fails (5.61% before, 7.26% after)
    ("j_param_uveu_tier1_pct_0_div0.json", ["uveu.single_country"]),
    ("j_param_uveu_us_pct_0_div0.json", ["uveu.single_country"]),
    ("j_param_uveu_tier1_pct_2p63_headroom.json", ["uveu.tier1_share", "uveu.single_country"]),
])
def test_uveu_share_parameters_never_divide_by_zero(name: str, failed: list[str]) -> None:
    v = verdicts(name)["t1"]["veu"]["UVEU"]
    assert [f.split(":")[0] for f in v.get("failed", [])] == failed
    code, out = run("veu-limits", str(REPRO / name), "bigcloud", "--country", "BR")
    assert code == 0, out


def headroom(name: str) -> dict:
    return veu_limits_report(REPRO / name, "bigcloud", "BR")["headroom"]["BR"]


def test_limits_of_0_or_100_percent_bound_nothing() -> None:
    """US 800M, BR 50M, IN 40M.  A maximum single-country share of 100% leaves only the Tier 1 bound
    ((100 x 800M - 75 x 890M) / 75 = 176,666,666); a minimum Tier 1 or US share of 0% leaves the 7%
    bound ((7 x 890M - 100 x 50M) / 93 = 13,225,806)."""
    h = headroom("j_param_uveu_single_pct_100_div0.json")
    assert h["tpp"] == 176_666_666 and {b["limit"] for b in h["bounds"]} == {"tier1_share", "us_share"}
    h = headroom("j_param_uveu_tier1_pct_0_div0.json")
    assert h["tpp"] == 13_225_806 and "tier1_share" not in {b["limit"] for b in h["bounds"]}
    h = headroom("j_param_uveu_us_pct_0_div0.json")
    assert h["tpp"] == 13_225_806 and "us_share" not in {b["limit"] for b in h["bounds"]}


def test_a_breached_minimum_of_2_63_percent_leaves_no_headroom() -> None:
    """A Tier 1 minimum of 2^63 % cannot be met: the bound is negative and nothing more may go to BR
    (before, the bound was silently dropped and 13,225,806 TPP reported)."""
    h = headroom("j_param_uveu_tier1_pct_2p63_headroom.json")
    assert h["tpp"] == 0
    assert "tier1_share" in {b["limit"] for b in h["bounds"]}


@pytest.mark.parametrize("name", ["d_param_div0.earlog.repro", "d_whatif_div0.earlog.repro"])
def test_dsl_parameters_of_0_percent_run(name: str, tmp_path: Path) -> None:
    f = tmp_path / name.removesuffix(".repro")
    shutil.copy(REPRO / name, f)
    code, out = run("run", str(f))
    assert code == 0, out
    assert "Traceback" not in out
