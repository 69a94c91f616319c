"""The verdict as text a lawyer reads (issue 3, item 4): the outcome first, then each
exception with why it is or is not available, the provisions a transaction was judged
without, and red flags with the rule that raised them."""

from __future__ import annotations

from pathlib import Path

import earlog
from earlog.render.verdict_text import render_verdicts
from earlog.scenario.json_input import load_json_file

SCENARIOS = Path(__file__).resolve().parent.parent / "queries" / "scenarios"


def text_of(name: str) -> str:
    sc = load_json_file(SCENARIOS / name)
    return render_verdicts(earlog.evaluate(sc), sc)


def test_outcome_comes_first_then_exceptions_with_their_unmet_conditions() -> None:
    # seed 004: LPP "up to a cumulative TPP of 26,900,000 per year per ultimate consignee"
    block = text_of("brazil_cloud.json").split("\n\n")[1]
    lines = block.splitlines()
    assert lines[0].startswith("Transaction second-order: export of 1,000 x h100 (3A090.a), US -> BR")
    assert lines[1] == ("  Outcome: license required; reviewed under a presumption of approval  "
                        "[outcome.license_within_cap]")
    lpp = lines.index("    - LPP not available; conditions not met:")
    assert lines[lpp + 1].startswith("        lpp.within_cap: ")
    assert "  Subject to the EAR: yes (ear.in_united_states, ear.us_origin)" in lines


def test_provisions_judged_without_and_red_flags_name_their_rules() -> None:
    # seed 004: the IaaS red flag for "assisting in training an AI model with model weights specified in
    # ECCN 4E091 for an entity headquartered in ... any destination outside of Tier 1"
    text = text_of("weights_iaas_training.json")
    assert "  Red flag [red_flags.iaas_4e091_training]: an IaaS provider assists in training" in text
    # seeds 000/001: paragraphs 14, 15 and 18 of Supp. No. 10 "have a delayed compliance date of January 15, 2026"
    assert ("  Judged without supp10_security: not yet in force (compliance date 2026-01-15) "
            "[dates.not_yet_in_force]") in text


def test_allocation_and_lpp_lines_show_what_the_shipment_draws() -> None:
    # seed 004: LPP "up to a cumulative TPP of 26,900,000 per year per ultimate consignee"; the allocation
    # is a "per-country cumulative TPP installed base of 790,000,000"
    block = text_of("brazil_cloud.json").split("\n\n")[0]
    assert "  Decided under: 15 CFR 740.29  [lpp.available]" in block
    assert "    this shipment 15,832,000 TPP; after it 15,832,000 TPP used, 11,068,000 TPP left" in block
