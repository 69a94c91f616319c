"""Named interpretations (interpretations.lp): every question lists its alternatives
with sources and a default; the CLI shows them; `ask --all-interpretations` names the
verdict fields that depend on each; the legal-status reading names the conclusions
that rest on the AI Diffusion IFR alone; seed aliases are answered in the rule's names."""

from __future__ import annotations

import json

from conftest import failed as failed_conditions
from conftest import scenario, verdict
from typer.testing import CliRunner

from earlog.cli import app
from earlog.commands.ask import interpretation_dependence
from earlog.commands.interpretations import interpretation_catalogue
from earlog.scenario.json_input import scenario_from_dict

REQUIRED = {"cyprus_in_d5", "delayed_compliance_date", "transistor_threshold_2028",
            "below_best_open_weights_source", "legal_status"}


def test_every_question_has_sourced_alternatives_and_a_declared_default() -> None:
    cat = {q["question"]: q for q in interpretation_catalogue()}
    assert REQUIRED <= set(cat)
    for q in cat.values():
        names = [a["alternative"] for a in q["alternatives"]]
        assert len(names) >= 2 and q["default"] in names, q["question"]
        assert all(a["source"].strip() for a in q["alternatives"]), q["question"]
    for q in REQUIRED - {"transistor_threshold_2028"}:  # each alternative names the text it rests on
        assert all(any(w in a["source"] for w in ("seed", "BIS", "GAO", "Federal Register"))
                   for a in cat[q]["alternatives"]), q


def test_delayed_compliance_date_cites_both_dates() -> None:
    # seeds 000/001: "January 15, 2026"; seed 004: "January 25, 2026"
    alts = {a["alternative"]: a["source"] for q in interpretation_catalogue()
            if q["question"] == "delayed_compliance_date" for a in q["alternatives"]}
    assert "January 15, 2026" in alts["january_15_2026"] and "January 25, 2026" in alts["january_25_2026"]


def test_cli_lists_interpretations_as_json() -> None:
    r = CliRunner().invoke(app, ["interpretations", "--format", "json"])
    assert r.exit_code == 0
    assert REQUIRED <= {q["question"] for q in json.loads(r.output)}


def test_cyprus_reading_changes_the_tier_of_a_cyprus_shipment() -> None:
    # seed 001 fn 4 lists Cyprus in D:5; seed 004's list omits it
    s = scenario(tx={"to": "CY", "date": "2025-07-01"}, party={"hq": "CY", "located": "CY"})
    dep = interpretation_dependence(scenario_from_dict(s))
    fields = {c["field"] for c in dep["changes"] if c["question"] == "cyprus_in_d5"}
    assert {"outcome", "review_policy"} <= fields


def test_legal_status_names_conclusions_resting_on_the_ai_diffusion_rule_alone() -> None:
    # BIS, May 13, 2025: it would not enforce the AI Diffusion rule; GAO B-337935
    s = scenario(tx={"date": "2025-07-01"})
    assert verdict(s)["rests_on_ai_diffusion_rule"] is None
    s["assume"] = {"legal_status": "bis_non_enforcement"}
    v = verdict(s)
    assert v["legal_status"] == "bis_non_enforcement"
    # Brazil is outside D:1/D:4/D:5: only the IFR's worldwide requirement reaches it.  The list is every
    # verdict field that differs when the scenario is evaluated with the IFR's provisions withdrawn.
    assert {"license_required", "review_policy", "authorization", "outcome", "allocation"} <= set(
        v["rests_on_ai_diffusion_rule"])
    s["assume"] = {"legal_status": "withdrawn"}
    without = verdict(s)
    assert without["license_required"] is False and without["outcome"] == "no_license_required"
    assert set(v["rests_on_ai_diffusion_rule"]) == {
        k for k in v if k not in {"transaction", "legal_status", "rests_on_ai_diffusion_rule", "explanation",
                                  "provisions_not_applied"} and v[k] != without[k]}
    china = scenario(tx={"date": "2025-07-01", "to": "CN"}, party={"hq": "CN", "located": "CN"},
                     assume={"legal_status": "bis_non_enforcement"})
    assert "license_required" not in verdict(china)["rests_on_ai_diffusion_rule"]


def test_seed_001_names_are_answered_in_the_regulations_names() -> None:
    # seed 001: "License Exception TPP"; its Group 2 is the "Prohibited Country Group" (Tier 3)
    s = scenario(tx={"date": "2025-07-01"}, countries={"BR": {"group": 2, "numbering": "seed_001"}})
    s["ledger"] = [dict(s["transactions"][0], id="past", authorization="TPP")]
    sc = scenario_from_dict(s)
    assert sc.ledger[0].authorization == "LPP" and sc.countries["BR"].tier == 3
    assert verdict(s)["review_policy"] == "denial"
    s["countries"] = {"BR": {"group": 2, "numbering": "seed_000"}}
    assert scenario_from_dict(s).countries["BR"].tier == 2


# --- aia_entity_test: seed 004 states AIA's entity test twice, differently ---------------
# 740.27 text: "headquartered in, and do not have an ultimate parent company headquartered
# outside of, Tier 1"; Table 1: "AIA for entities headquartered in or with an ultimate
# parent headquartered in Tier 1".

def _aia_case(hq: str, parent_hq: str | None, reading: str | None) -> dict:
    parties = [{"id": "lab", "hq": hq, **({"parent": "owner"} if parent_hq else {})}]
    if parent_hq:
        parties.append({"id": "owner", "hq": parent_hq})
    s = scenario(parties=parties, tx={"to": "JP", "consignee": "lab", "end_user": "lab"})
    if reading:
        s["assume"] = {"aia_entity_test": reading}
    return s


def test_aia_tier2_subsidiary_of_us_parent_depends_on_the_reading() -> None:
    text = verdict(_aia_case("BR", "US", None))
    assert failed_conditions(text, "AIA") == ["aia.hq_tier1"]
    table = verdict(_aia_case("BR", "US", "table_1"))
    assert table["exceptions"]["AIA"] == {"available": True, "rule": "aia.available",
                                          "obligations": ["certification", "reporting"]}


def test_aia_tier1_company_with_tier3_parent_depends_on_the_reading() -> None:
    text = verdict(_aia_case("DE", "CN", None))
    assert failed_conditions(text, "AIA") == ["aia.no_parent_outside_tier1"]
    table = verdict(_aia_case("DE", "CN", "table_1"))
    assert table["exceptions"]["AIA"]["available"] is True
    # the Tier 3 parent still decides the review policy under either reading (Table 1, last column)
    assert table["review_policy"] == "denial"


# --- allocation_after_2027: seed 004 gives the allocation "for the period from 2025 to 2027
# (to be updated annually thereafter)"; nothing is published for 2028 ---------------------

def _order_2028(quantity: int, reading: str | None) -> dict:
    s = scenario(tx={"quantity": quantity, "date": "2028-03-01"})
    if reading:
        s["assume"] = {"allocation_after_2027": reading}
    return s


def test_after_2027_no_cap_is_applied_by_default() -> None:
    v = verdict(_order_2028(50_000, None))  # 791,600,000 TPP: over 790,000,000
    assert (v["outcome"], v["outcome_rule"]) == ("license_presumption_approval", "outcome.license_outside_period")
    assert v["allocation"] is None


def test_after_2027_the_last_cap_applies_each_year_under_the_alternative() -> None:
    over = verdict(_order_2028(50_000, "last_cap_each_year"))
    assert (over["outcome"], over["outcome_rule"]) == ("license_policy_denial", "outcome.license_cap_reached")
    assert over["allocation"]["cap_tpp"] == 790_000_000 and over["allocation"]["used_tpp"] == 0
    under = verdict(_order_2028(40_000, "last_cap_each_year"))
    assert (under["outcome"], under["outcome_rule"]) == ("license_presumption_approval", "outcome.license_within_cap")
