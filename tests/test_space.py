"""Spaces of scenarios searched by the solver: find, check, smallest change, diff, dead rules.

Each test asserts content the solver must find (a known counterexample, an exact
threshold, exact counts, exactly the differing patterns), and the space's answers
are compared with the engine evaluating the same scenarios one by one.
"""

from __future__ import annotations

import copy
import random
import shutil
from pathlib import Path

import pytest
from clingo import Function, String

from earlog.dsl.parser import parse_text
from earlog.dsl.session import plan
from earlog.engine import load_policy, solve
from earlog.scenario.json_input import scenario_from_dict
from earlog.space import condition as C
from earlog.space.answers import answer_search, default_spaces
from earlog.space.diff import diff
from earlog.space.model import scenario_dict
from earlog.space.search import check, find, grounded

DEAL = """
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
party "Dragon Holdings" { hq: CN, located: CN }
party lionbyte { hq: SG, located: SG, parent: "Dragon Holdings" }
transaction order7 { export 2,000 h100 from US to BR, consignee: nuvem, end_user: nuvem, end_use: inference,
                     date: 2025-06-01, prior_notification: yes, prior_certification: yes }
transaction lion { export 500 h100 from US to SG, consignee: lionbyte, end_user: lionbyte, end_use: training,
                   date: 2025-06-01, prior_notification: yes, prior_certification: yes }
"""


def run(text: str) -> list:
    """(question text, answer text, data, passed) for every question of a document."""
    out = []
    for step in plan(parse_text(text, "<test>")):
        t, data, passed = answer_search(step)
        out.append((step.question.text, t, data, passed))
    return out


@pytest.fixture(scope="module")
def policy():
    return load_policy()


# --- the space agrees with the engine ------------------------------------------------

def test_every_sampled_scenario_of_core_gets_the_engines_verdict(policy) -> None:
    """The space's program must give each scenario exactly the atoms the engine gives
    it alone: the choice rules enter the same input facts the engine enters."""
    space = default_spaces()["core"]
    g = grounded(space, policy)
    rng = random.Random(12)
    tx = String(space.tx)
    names = ("outcome", "route", "review_policy", "exception_available", "license_required", "veu_available")
    g.ctl.configuration.solve.models = 1
    for _ in range(25):
        choice = [rng.randrange(len(s.combos)) for s in g.layout.slots]
        got: list[set[str]] = []
        g.ctl.solve(assumptions=[g.picks[i][k] for i, k in enumerate(choice)],
                    on_model=lambda m, got=got: got.append({str(s) for s in m.symbols(atoms=True)
                                                            if s.name in names and s.arguments[0] == tx}))
        sc = scenario_from_dict(scenario_dict(space, g.values_of(choice)))
        ans = solve(sc, policy, shown=None)
        engine = {str(s) for n in names for s in ans.get(n)}
        assert got == [engine], {k: v.label for k, v in g.values_of(choice).items()}


# --- check ------------------------------------------------------------------------------

def test_a_false_property_gets_a_known_counterexample_confirmed_by_the_engine(policy) -> None:
    """Seed 004 Table 1: 3A090.a to Tier 1 needs a license ("Destination-Based License
    Requirement? Yes").  The deliberately false property "no license is ever required
    for a Tier 1 destination" must fail, with a counterexample the engine confirms."""
    space = default_spaces()["owners"]
    prop = C.Implies(C.atom(policy, "field", "dest_tier", 1), C.Not(C.atom(policy, "field", "license_required", None)))
    r = check(space, policy, prop)
    assert not r.holds
    assert r.counterexample["destination"].tier == 1
    assert r.confirmed is True
    # the snippet is ready to run: parsed and evaluated alone, it needs a license
    steps = plan(parse_text(r.snippet, "<snippet>"))
    verdicts = steps[-1].context.verdicts()
    assert verdicts["deal"].license_required is True
    assert r.explanation is not None and r.outcome == verdicts["deal"].outcome


def test_a_true_property_holds_over_the_whole_space_with_its_size(policy) -> None:
    """Seed 004: LPP is for consignees "not headquartered in, and [without] an ultimate
    parent headquartered in, a Tier 3 destination"."""
    space = default_spaces()["core"]
    prop = C.Implies(C.atom(policy, "field", "tier3_entity", None),
                     C.Not(C.atom(policy, "exception", "LPP", None)))
    r = check(space, policy, prop)
    assert r.holds and r.size == 17 * 3 * 4 * 5 * 2 * 3 and r.counterexample is None


# --- find ---------------------------------------------------------------------------------

def test_find_counts_and_compresses_the_lpp_scenarios_of_owners(policy) -> None:
    """owners: destination, headquarters and parent each by tier (3 x 3 x 4 = 36).  LPP
    needs a Tier 1 or 2 destination, and neither the consignee nor its parent in Tier 3:
    2 x 2 x 3 = 12 scenarios, one pattern."""
    r = find(default_spaces()["owners"], policy, C.atom(policy, "exception", "LPP", None))
    assert (r.count, r.size, len(r.patterns)) == (12, 36, 1)
    parts = dict(r.patterns[0].parts())
    assert parts == {"destination": "Tier 1 (AU) or Tier 2 (AD)", "consignee.hq": "Tier 1 (AU) or Tier 2 (AD)",
                     "consignee.parent": "none or Tier 1 (AU) or Tier 2 (AD)"}


def test_find_reads_any_tier_when_every_representative_of_a_tier_matches(policy) -> None:
    r = find(default_spaces()["core"], policy,
             C.And((C.atom(policy, "field", "outcome", "license_presumption_denial"),
                    C.atom(policy, "field", "tx_family", "a"))))
    assert r.count > 0
    assert any("any Tier 3" in p.text() for p in r.patterns)
    assert sum(p.count for p in r.patterns) == r.count


def test_find_and_check_from_the_language_with_limit_and_json() -> None:
    out = run(DEAL + "\nfind in owners where exception LPP available limit 1\n"
              "check in owners: tier3_entity implies review_policy = denial\n")
    (q1, t1, d1, _), (q2, t2, d2, p2) = out
    assert d1["count"] == 12 and d1["patterns"][0]["count"] == 12 and "12 of 36" in t1
    assert p2 is True and d2["holds"] is True and d2["size"] == 36 and "holds in all 36" in t2


# --- smallest change ----------------------------------------------------------------------

def test_smallest_change_finds_the_exact_lpp_quantity() -> None:
    """15,832 TPP x 1,699 = 26,898,568 <= 26,900,000 < 15,832 x 1,700 (seed 004: "up to
    a cumulative TPP of 26,900,000 per year per ultimate consignee"); the threshold comes
    from the solver minimising over the quantities the grounder compared with the cap."""
    (_q, text, data, _p), = run(DEAL + "\nwhy not exception LPP available for order7 -- smallest change\n")
    assert data["fewest_changes"] == 1
    [quantity] = [c for c in data["changes"] if "quantity" in c["changes"]]
    assert quantity["changes"]["quantity"] == {"values": ["1,699"], "bound": "at most", "now": "2,000"}
    assert "LPP would be available with a quantity of at most 1,699 (now 2,000)" in text


def test_smallest_change_names_the_parent_tiers_that_would_make_lpp_available() -> None:
    (_q, text, data, _p), = run(DEAL + "\nwhy not exception LPP available for lion -- smallest change "
                                "varying consignee.parent, quantity\n")
    [parent] = [c for c in data["changes"] if "consignee.parent" in c["changes"]]
    assert set(parent["changes"]["consignee.parent"]["values"]) == {"none", "Tier 1 (AU)", "Tier 2 (AD)"}
    assert "if the consignee's ultimate parent were headquartered in a Tier 1 or Tier 2 country" in text
    assert not [c for c in data["changes"] if "quantity" in c["changes"]]  # no quantity makes it available


def test_smallest_change_when_the_conclusion_already_holds() -> None:
    (_q, text, data, _p), = run(DEAL.replace("2,000", "10") + "\nwhy not exception LPP available for order7 "
                                "-- smallest change varying quantity\n")
    assert data["holds_now"] is True and text == "LPP is available already: nothing to change"


def test_smallest_change_to_undo_a_conclusion_that_already_fails_reads_as_english() -> None:
    """The goal "LPP would not be available" already met reads "LPP is not available already"."""
    (_q, text, data, _p), = run(DEAL + "\nwhy exception LPP available for lion -- smallest change varying quantity\n")
    assert data["holds_now"] is True
    assert text == "LPP is not available already: nothing to change"


# --- diff -----------------------------------------------------------------------------------

def test_diff_of_the_cyprus_reading_is_exactly_the_cyprus_scenarios(policy) -> None:
    """Seed 001 fn 4 lists Cyprus in D:5, seed 004 does not: the verdicts that differ are
    exactly those of scenarios touching Cyprus, checked here against the engine run
    on every scenario of a small space under both readings."""
    text = DEAL + """
space cy around order7 {
  destination: [CY, BR],
  consignee.hq: [tier 1, CY],
  item: [3A090.a, 3A090.b, 3A090.c],
}
find in cy where license_required
"""
    space = plan(parse_text(text, "<test>"))[0].spaces["cy"]
    r = diff(space, ("as written", policy, {}), ("yes", policy, {"assume": {"cyprus_in_d5": "yes"}}))
    expected: dict[tuple[str, str], int] = {}
    import itertools

    from earlog.space.diff import summary

    for dest, hq, item in itertools.product(*(d.values for d in space.dims)):
        picks = {"destination": dest, "consignee.hq": hq, "item": item}
        data = scenario_dict(space, picks)
        outs = []
        for assume in ({}, {"cyprus_in_d5": "yes"}):
            d = copy.deepcopy(data)
            d["assume"] = assume
            ans = solve(scenario_from_dict(d), policy, shown=frozenset({"outcome", "route"}))
            o = ans.get("outcome")[0].arguments[1].name
            rt = [s.arguments[1].name for s in ans.get("route")]
            outs.append(summary(o, rt[0] if rt else None))
        if outs[0] != outs[1]:
            expected[(outs[0], outs[1])] = expected.get((outs[0], outs[1]), 0) + 1
            assert "CY" in (dest.raw, hq.raw)
    assert expected, "Cyprus in D:5 changes some verdict"
    assert {(g.before, g.after): g.count for g in r.groups} == expected
    assert r.count == sum(expected.values())
    assert all("countries.cyprus_d5" in g.only_b for g in r.groups)


def test_diff_with_a_tier_overlay_adds_the_moved_country() -> None:
    (_q, text, data, _p), = run(DEAL + "\ndiff in owners with tier SG = 1\n")
    assert data["differing"] > 0 and "SG" in text
    assert any("countries.tier_override" in g["rules_only_after"] for g in data["groups"])


# --- dead rules -------------------------------------------------------------------------------

def test_a_rule_that_can_never_fire_is_found_dead(tmp_path: Path, policy) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(policy.root, folder)
    lpp = folder / "exceptions" / "lpp.lp"
    lpp.write_text(lpp.read_text() + """
%% @rule   lpp.test_never
%% @cite   test only
%% @text   A destination in a tier the policy does not have (so this never fires).
lpp_test_never(T) :- exception_relevant(T, lpp), dest_tier(T, 4).
""")
    from earlog.space.dead import default_dead_rules

    dead = {r.id for r in default_dead_rules(load_policy(str(folder)), "core").dead}
    assert "lpp.test_never" in dead
    assert "lpp.available" not in dead and "review.tier3_entity_denial" not in dead


# --- hostile names ------------------------------------------------------------------------------

HOSTILE = 'x). license_required(y'


def test_hostile_names_stay_names_in_spaces_snippets_and_changes() -> None:
    text = f"""
item "chip {HOSTILE}" {{ eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }}
party "{HOSTILE}" {{ hq: BR, located: BR }}
transaction "t\\" :- a." {{ export 2,000 "chip {HOSTILE}" from US to BR, consignee: "{HOSTILE}",
  end_user: "{HOSTILE}", end_use: inference, date: 2025-06-01, prior_notification: yes, prior_certification: yes }}
space evil around "t\\" :- a." {{ destination: [tier 1, tier 3], consignee.parent: [none, tier 3] }}
check in evil: exception LPP available
why not exception LPP available for "t\\" :- a." -- smallest change varying quantity
"""
    (_q1, t1, d1, p1), (_q2, t2, d2, _p2) = run(text)
    assert p1 is False and d1["confirmed_by_engine"] is True
    assert HOSTILE in d1["snippet"] and 'party "x). license_required(y"' in d1["snippet"]
    again = plan(parse_text(d1["snippet"], "<snippet>"))  # the snippet reads back as the same names
    assert again[-1].context.scenario.parties[0].id == HOSTILE
    assert d2["changes"][0]["changes"]["quantity"]["values"] == ["1,699"]


def test_bad_spaces_are_clear_errors() -> None:
    from earlog.dsl.errors import DslError

    for bad, words in ((DEAL + "find in nowhere where license_required", "no space named 'nowhere'"),
                       (DEAL + "space s around order7 { destiny: [BR] }", "no dimension named 'destiny'"),
                       (DEAL + "space s around order7 { quantity: [tier 1] }", "`tier N` stands for countries"),
                       (DEAL + "space s around order7 { destination: [ZZ] }", "unknown country code 'ZZ'"),
                       (DEAL + "space s around nothing { }", "no transaction named 'nothing'"),
                       (DEAL + "find in owners where exception LLP available", "did you mean 'LPP'?")):
        with pytest.raises(DslError) as e:
            plan(parse_text(bad, "<bad>"))
        assert words in str(e.value)


def test_conditions_name_atoms_the_policy_derives(policy) -> None:
    a = C.atom(policy, "field", "review_policy", "denial")
    assert a.symbol(String("t")) == Function("review_policy", [String("t"), Function("denial")])
    with pytest.raises(Exception, match="never 'maybe'"):
        C.atom(policy, "field", "review_policy", "maybe")
