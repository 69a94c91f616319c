"""The declared tests of a running total (running_fit/2 in policy/running_totals.lp).

The keyed engine solves a chain member once per combination of outcomes of the tests its
chain declares, with a synthetic total before it, and the fold picks the variant from the
exact totals.  That is exact only if the declared tests are all the policy reads of the
total: the contract checker (engine/contract.py, `_check_tests`) refuses, naming the rule,
a policy that compares the total in any other way or decides anything from a value derived
from it.  The verdicts themselves are compared with the whole engine in
tests/test_screening_differential.py (both readings of allocation_crossing_application).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import policy_copy

from earlog.engine import load_policy, solve
from earlog.engine.contract import (
    REACHED,
    SUM_FIT,
    FastPathRefused,
    contract,
    fit_options,
    fit_outcome,
)
from earlog.engine.screening import Screener, ScreenRow
from earlog.scenario.json_input import scenario_from_dict
from earlog.verdict import VERDICT_READS, build_verdicts

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}


def _add_rule(root: Path, text: str) -> None:
    f = root / "allocations.lp"
    f.write_text(f.read_text() + "\n" + text)


def test_the_allocation_declares_both_comparisons_its_rules_make() -> None:
    """alloc.within / alloc.exceeded compare total before + TPP with the cap (seed 001),
    alloc.not_yet_reached / alloc.reached compare the total before with it (seed 004)."""
    c = contract(load_policy())
    assert c.tests["allocation"] == (SUM_FIT, REACHED)
    assert c.tests["lpp"] == (SUM_FIT,)
    assert "allocation" in c.sum_chains and "allocation" not in c.value_chains


@pytest.mark.parametrize(("amount", "cap"), [(10, 100), (0, 100), (200, 100), (0, 0), (5, 0), (100, 100), (1, 1)])
def test_the_variants_are_every_combination_some_total_gives(amount: int, cap: int) -> None:
    """The synthetic totals give exactly the combinations of outcomes that the totals 0..3*cap+9
    give, each by the least total giving it (the zero variant first)."""
    tests = (SUM_FIT, REACHED)
    options = fit_options(tests, amount, cap)
    brute: dict[tuple[bool, ...], int] = {}
    for v in range(3 * cap + 10):
        brute.setdefault(tuple(fit_outcome(t, v, amount, cap) for t in tests), v)
    assert {o: v for o, _p, v in options} == brute
    assert options[0][2] == 0
    for outcomes, _point, v in options:
        assert outcomes == tuple(fit_outcome(t, v, amount, cap) for t in tests)


def test_refuses_an_undeclared_reached_test(tmp_path: Path) -> None:
    """Without running_fit(allocation, before_at_least_cap), the rules of the approval-until-
    reached reading compare the total in a way the contract does not declare: refused, by name."""
    def drop_block(root: Path) -> None:
        f = root / "running_totals.lp"
        lines = f.read_text().splitlines(keepends=True)
        i = next(n for n, s in enumerate(lines) if s.startswith("%% @rule   running.allocation_reached_test"))
        f.write_text("".join(lines[:i] + lines[i + 4:]))

    with pytest.raises(FastPathRefused, match=r"rule alloc\.(not_yet_reached|reached) \(allocations\.lp:\d+\) "
                                              r"reads the running total of chain 'allocation'.*not a declared test"):
        contract(load_policy(policy_copy(tmp_path, drop_block)))


def test_refuses_a_comparison_no_test_declares(tmp_path: Path) -> None:
    """A rule comparing the allocation total with half the cap is no declared test: refused, by name."""
    def edit(root: Path) -> None:
        _add_rule(root, "%% @rule   test.half_used\n%% @cite   none\n"
                        "%% @text   A test rule comparing the total with half the allocation.\n"
                        "half_used(T) :- allocation_used_before(T, V), destination(T, C), allocation_cap(C, Cap),\n"
                        "    @leq(@div(Cap, 2), V) = 1.\n")

    with pytest.raises(FastPathRefused, match=r"rule test\.half_used .*allocation_used_before.*not a declared test"):
        contract(load_policy(policy_copy(tmp_path, edit)))


def test_refuses_a_decision_drawn_from_the_total_after(tmp_path: Path) -> None:
    """The total after a member is a value derived from the total: the engine fills it for the
    verdict, so no decision may be drawn from it."""
    def edit(root: Path) -> None:
        _add_rule(root, "%% @rule   test.big_after\n%% @cite   none\n"
                        "%% @text   A test rule deciding from the total after a shipment.\n"
                        "big_after(T) :- allocation_used_after(T, V), V > 1000.\n")

    with pytest.raises(FastPathRefused, match=r"rule test\.big_after .*allocation_used_after"):
        contract(load_policy(policy_copy(tmp_path, edit)))


def test_refuses_a_join_on_the_total(tmp_path: Path) -> None:
    """Matching the total against another atom's value is no declared test either."""
    def edit(root: Path) -> None:
        _add_rule(root, "%% @rule   test.same_as_cap\n%% @cite   none\n"
                        "%% @text   A test rule matching the total against the cap.\n"
                        "at_cap(T) :- allocation_used_before(T, V), destination(T, C), allocation_cap(C, V).\n")

    with pytest.raises(FastPathRefused, match=r"rule test\.same_as_cap .*allocation_cap"):
        contract(load_policy(policy_copy(tmp_path, edit)))


def test_refuses_a_declared_headroom_no_rule_derives_from_the_total(tmp_path: Path) -> None:
    """running_headroom/2 must name a predicate the rules derive from the chain's total."""
    def edit(root: Path) -> None:
        f = root / "running_totals.lp"
        f.write_text(f.read_text().replace("running_headroom(lpp, lpp_headroom).",
                                           "running_headroom(lpp, lpp_cap_tpp)."))

    with pytest.raises(FastPathRefused, match=r"running_headroom\(lpp, lpp_cap_tpp\)"):
        contract(load_policy(policy_copy(tmp_path, edit)))


def _book(reading: str) -> dict:
    txs = [{"id": f"t{i}", "kind": "export", "item": "h100", "quantity": 50, "from": "US", "to": "BR",
            "consignee": "acme", "end_use": "inference", "date": f"2025-06-0{i + 1}"} for i in range(3)]
    return {"parties": [{"id": "acme", "hq": "BR", "located": "BR"}], "items": [H100], "transactions": txs,
            "parameters": {"country_allocation_tpp": 1_000_000},  # 50 x 15,832 = 791,600 per shipment
            "assume": {"allocation_crossing_application": reading}}


def _both(book: dict, policy_dir: str | None = None) -> tuple[list, Screener]:
    sc = scenario_from_dict(book)
    want = build_verdicts(solve(sc, load_policy(policy_dir), shown=VERDICT_READS))
    s = Screener(sc, policy_dir=policy_dir)
    got = [v for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    assert [v.to_json() for v in got] == [v.to_json() for v in want]
    return got, s


def test_totals_after_and_headroom_come_from_the_declared_contract() -> None:
    """The fold fills the total after (running_after/2) and the headroom (running_headroom/2)
    itself: no row is solved a second time, and the values equal the whole engine's."""
    got, s = _both(_book("approval_until_reached"))
    assert s.stats["exact_rows"] == {"rows": 0, "solved": 0}
    assert [(v.allocation["used_tpp"], v.allocation["used_after_tpp"], v.allocation["headroom_tpp"])
            for v in got] == [(0, 791_600, 208_400), (791_600, 1_583_200, 0), (1_583_200, 1_583_200, 0)]


def test_an_undeclared_value_derived_from_the_total_is_solved_exactly(tmp_path: Path) -> None:
    """Without running_headroom(allocation, ...), the headroom is a value the fold cannot compute:
    the rows showing it are solved again with their actual totals, and still equal the whole engine."""
    def edit(root: Path) -> None:
        f = root / "running_totals.lp"
        lines = f.read_text().splitlines(keepends=True)
        i = next(n for n, s in enumerate(lines) if s.startswith("%% @rule   running.allocation_headroom"))
        f.write_text("".join(lines[:i] + lines[i + 4:]))

    d = policy_copy(tmp_path, edit)
    assert "allocation_headroom" not in contract(load_policy(d)).shown["allocation"]
    _got, s = _both(_book("approval_until_reached"), d)
    assert s.stats["exact_rows"]["rows"] == 3


@pytest.mark.parametrize("reading", ["approval_until_reached", "denied_in_whole"])
def test_a_crossing_application_under_each_reading(reading: str) -> None:
    """Seed 004: "Once the country-wide TPP allocations are met, license applications will be
    reviewed under a policy of denial" (approval_until_reached: the crossing application is
    approved, the next is denied: alloc.reached); seed 001: "a policy of denial will apply
    to applications for TPP beyond the applicable allocation cap" (denied_in_whole: the
    crossing application is denied: alloc.exceeded).  The outcome is decided by
    outcome.license_cap_reached; keyed and whole engines agree."""
    got, _s = _both(_book(reading))
    within = ("license_presumption_approval", "outcome.license_within_cap")
    denied = ("license_policy_denial", "outcome.license_cap_reached")
    want = [within, within, denied] if reading == "approval_until_reached" else [within, denied, denied]
    assert [(v.outcome, v.outcome_rule) for v in got] == want


def test_a_chain_link_does_not_hide_a_decision_from_the_total(tmp_path: Path) -> None:
    """Only a rule that links a chain into a total before is left to the fold; a rule reading
    chain_next to decide from the previous member's total is checked like any other."""
    def edit(root: Path) -> None:
        _add_rule(root, "%% @rule   test.after_previous\n%% @cite   none\n"
                        "%% @text   A test rule deciding from the previous member's total.\n"
                        "after_big(T2) :- chain_next(allocation, T, T2), allocation_used_after(T, V), V > 1000.\n")

    with pytest.raises(FastPathRefused, match=r"rule test\.after_previous .*allocation_used_after"):
        contract(load_policy(policy_copy(tmp_path, edit)))
