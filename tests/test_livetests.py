"""Declared tests that no rule able to fire compares are not solved for (engine/livetests.py).

The allocation total is tested two ways (running_totals.lp `running.allocation_fit_test`,
`running.allocation_reached_test`), one per reading of allocation_crossing_application:
under `denied_in_whole` (seed 001: "a policy of denial will apply to applications for TPP
beyond the applicable allocation cap") only alloc.within / alloc.exceeded compare the total
plus the shipment with the cap; under `approval_until_reached` (seed 004: "Once the
country-wide TPP allocations are met, license applications will be reviewed under a policy
of denial") only the rules of that reading compare the total before with the cap.  A key is
solved once per combination of the tests that can decide something, and every verdict stays
the whole-scenario engine's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from conftest import keyed_and_whole

from earlog.engine import keyed, load_policy, screening
from earlog.engine.contract import SUM_FIT, contract
from earlog.engine.livetests import live

REACHED = "before_at_least_cap"


def test_each_reading_compares_the_allocation_total_one_way() -> None:
    c = contract(load_policy())
    assert c.tests["allocation"] == (SUM_FIT, REACHED)
    q = "allocation_crossing_application"
    assert live(c, frozenset({(q, "denied_in_whole")}))["allocation"] == (SUM_FIT,)
    assert live(c, frozenset({(q, "approval_until_reached")}))["allocation"] == (REACHED,)
    assert live(c, None)["allocation"] == (SUM_FIT, REACHED)  # readings not known: every test
    assert live(c, frozenset({(q, "denied_in_whole")}))["lpp"] == (SUM_FIT,)  # read by lpp.within_cap alone


def _book(reading: str) -> dict[str, Any]:
    """Licence applications against IN's allocation (B200s, 36,000 TPP each, cap 2,000,000): the
    totals cross the cap and pass it."""
    qs = [9, 2, 30, 7, 1, 12, 5, 2, 40, 1, 6, 3]
    txs = [{"id": f"b{j}", "kind": "export", "item": "b200", "quantity": q, "from": "US", "to": "IN",
            "consignee": "indus", "end_use": "inference", "date": f"2025-07-{j + 1:02d}"} for j, q in enumerate(qs)]
    return {"parties": [{"id": "indus", "hq": "IN", "located": "IN", "distributor": True}],
            "items": [{"id": "b200", "eccn": "3A090.a", "tpp": 36000, "datacenter": True, "designer": "authorized"}],
            "transactions": txs, "parameters": {"country_allocation_tpp": 2_000_000},
            "assume": {"allocation_crossing_application": reading}}


def _screened(reading: str, filtered: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[int]]:
    """The screener, after checking its verdicts against the whole-scenario engine's, and the
    number of keys of each solve of a batch's Control."""
    solves: list[int] = []
    inner = keyed._BatchSolver.solve

    def solve(self: Any, assignment: Any, todo: list[int]) -> Any:
        solves.append(len(todo))
        return inner(self, assignment, todo)

    with monkeypatch.context() as m:
        m.setattr(keyed._BatchSolver, "solve", solve)
        if not filtered:  # every declared test solved for, as before
            m.setattr(keyed, "_live_tests", lambda state, overlay: dict(state.contract.tests))
        screening._CACHE.clear()
        try:
            s, got, want = keyed_and_whole(_book(reading))
        finally:
            screening._CACHE.clear()
    for w, g in zip(want, got, strict=True):
        diff = {k: (w[k], g[k]) for k in w if w[k] != g[k]}
        assert not diff, f"transaction {w['transaction']}: {diff}"
    outcomes = {v["outcome"] for v in want}
    assert "license_policy_denial" in outcomes and "license_presumption_approval" in outcomes
    return s, solves


@pytest.mark.parametrize("reading", ["denied_in_whole", "approval_until_reached"])
def test_a_test_no_live_rule_compares_is_not_solved_for(reading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s, filtered = _screened(reading, True, monkeypatch)
    s0, every = _screened(reading, False, monkeypatch)
    assert s.stats["misses"] == s0.stats["misses"] == 1  # one key: quantities by their sign
    assert s.stats["quantity_regimes"] == s0.stats["quantity_regimes"]
    # the key and its regimes are in the allocation chain: three options of its total each (0, past
    # the cap with the shipment, at the cap), two of which agree on the one live test
    assert sum(filtered) < sum(every), (filtered, every)


def test_a_declared_test_whose_comparing_rules_were_not_found_stays_live() -> None:
    """Fail closed: a test the analysis found no rule for is solved for under every reading."""
    c = contract(load_policy())
    q = "allocation_crossing_application"
    guards = {chain: dict(tests) for chain, tests in c.test_guards.items()}
    guards["allocation"][REACHED] = ()  # as if its comparisons had gone unrecognised
    blind = dataclasses.replace(c, test_guards=guards)
    assert live(blind, frozenset({(q, "denied_in_whole")}))["allocation"] == (SUM_FIT, REACHED)
    assert live(c, frozenset({(q, "denied_in_whole")}))["allocation"] == (SUM_FIT,)
