"""A key the fold solves again (its value-keyed chains, its exact totals) is a step of the
Control that grounded its base part (engine/steps.py): each step must see exactly what a
Control of its own would, and a program the split does not handle must be grounded as before."""

from __future__ import annotations

import pytest
from test_grounding import _book

from earlog.engine import grounding, load_policy, screening, solve, steps
from earlog.engine.screening import screen_scenario
from earlog.scenario.json_input import scenario_from_dict
from earlog.verdict import VERDICT_READS, build_verdicts


def _singles() -> list[dict]:
    """Each transaction of the book alone with the book's ledger (so totals before are not 0)."""
    book = _book()
    return [dict(book, transactions=[tx]) for tx in book["transactions"]]


def _keyed(sc: dict) -> list[dict]:
    screening._CACHE.clear()
    steps.clear()
    return [v.to_json() for v in screen_scenario(scenario_from_dict(sc))]


def test_steps_answer_as_the_whole_engine_and_as_a_control_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every verdict field equals the whole-scenario engine's and the one-Control-per-call path's,
    and the calls after the first of a key were steps of its Control."""
    made: list[int] = []
    real = steps._Base.__init__

    def counting(self, *a, **k):  # type: ignore[no-untyped-def]
        made.append(1)
        real(self, *a, **k)

    stepped: list[int] = []
    real_step = steps.Step.__init__

    def counting_steps(self, *a, **k):  # type: ignore[no-untyped-def]
        stepped.append(1)
        real_step(self, *a, **k)

    monkeypatch.setattr(steps._Base, "__init__", counting)
    monkeypatch.setattr(steps.Step, "__init__", counting_steps)
    policy = load_policy()
    for sc in _singles():
        whole = [v.to_json() for v in build_verdicts(solve(scenario_from_dict(sc), policy, shown=VERDICT_READS))]
        monkeypatch.setenv("EARLOG_GROUNDING", "text")
        by_text = _keyed(sc)
        monkeypatch.delenv("EARLOG_GROUNDING")
        by_steps = _keyed(sc)
        assert by_steps == by_text == whole, sc["transactions"][0]["id"]
    assert len(stepped) > len(made) > 0, "no key was solved twice: the test would prove nothing"


def test_a_program_the_split_does_not_handle_is_grounded_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stepped predicate among the facts, a statement other than a rule or an external in the
    cumulative part, a classically negated head or the step parameter's name in the program
    cannot be split: `ground_step` refuses and the Control of the call is its own."""
    late = frozenset({"before"})
    assert steps._split_or_none("a(1).", ("#show b/1.",), "", late) is None
    assert steps._split_or_none("a(1).", ("b(X) :- a(X), earlogstep = X.",), "", late) is None
    assert steps._split_or_none("-a(1).", ("b :- -a(1).",), "", late) is None  # copies of -a would be missing
    assert steps._split_or_none("a(1).", ("b(X) :- a(X), before(X).",), "", late) is not None
    from clingo import Function, Number

    fact = Function("b", [Number(1)])
    assert steps.ground_step(("t",), "a(1).", ("b(X) :- a(X).",), "", late, (), frozenset(), [fact], [],
                             None) is None
    # through the engine: refused, the verdicts come from a Control of the call's own
    monkeypatch.setattr(steps, "_split_or_none", lambda *a: None)
    own: list[int] = []
    real = grounding.Grounded.__init__

    def counting(self, *a, **k):  # type: ignore[no-untyped-def]
        own.append(1)
        real(self, *a, **k)

    monkeypatch.setattr(grounding.Grounded, "__init__", counting)
    sc = _singles()[0]
    policy = load_policy()
    whole = [v.to_json() for v in build_verdicts(solve(scenario_from_dict(sc), policy, shown=VERDICT_READS))]
    assert _keyed(sc) == whole
    assert own


def test_a_step_reads_its_own_late_facts() -> None:
    """Two steps of one Control with different late facts give each its own conclusions."""
    import clingo

    base = "n(1). n(2)."
    cumulative = ("big(X) :- before(X, V), V > 5. small(X) :- n(X), not big(X).",)
    show = "#show big/1. #show small/1."
    late_names = frozenset({"before"})
    key = ("unit", id(base))
    s1 = steps.ground_step(key, base, cumulative, show, late_names, (), frozenset(), [],
                           [clingo.Function("before", [clingo.Number(1), clingo.Number(9)])], None)
    s2 = steps.ground_step(key, base, cumulative, show, late_names, (), frozenset(), [],
                           [clingo.Function("before", [clingo.Number(2), clingo.Number(9)])], None)
    assert s1 is not None and s2 is not None and s1.base is s2.base
    assert sorted(map(str, s1.solve()[0])) == ["big(1)", "small(2)"]
    assert sorted(map(str, s2.solve()[0])) == ["big(2)", "small(1)"]
    steps.clear()
