"""The Python entry point: `earlog.evaluate(scenario)` -> verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from earlog.engine import load_policy, solve, vocabulary
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.model import Scenario
from earlog.scenario.validate import validate
from earlog.verdict import VERDICT_READS, Verdict, build_verdicts


def evaluate(scenario: Scenario | dict[str, Any] | str | Path, *, policy_dir: str | None = None,
             explain: bool = False, engine: str = "clingo") -> list[Verdict]:
    """Evaluate a scenario (model, JSON-shaped dict, or path to a JSON or .earlog file).

    explain=True fills each verdict's `explanation` with the why-tree of its
    outcome (JSON schema earlog.explanation/1, docs/explanations.md).
    engine="pydatalog" evaluates the same policy with pyDatalog instead of clingo
    (docs/engines.md); the verdicts are read by the same code.
    Raises InputError for a bad scenario before anything is evaluated.
    """
    from earlog.datalog.engines import solver

    solve = solver(engine)
    if isinstance(scenario, (str, Path)):
        from earlog.scenario.load import load_scenario

        scenario = load_scenario(scenario)
    elif isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    if not explain and engine == "clingo":
        validate(scenario, vocabulary_for(policy_dir))
        return evaluate_verdicts(scenario, policy_dir)
    policy = load_policy(policy_dir)
    validate(scenario, vocabulary(policy))
    if not explain:  # another engine: the whole scenario at once, read by the same verdict code
        return build_verdicts(solve(scenario, policy, shown=VERDICT_READS))
    from earlog.explain.why import outcome_explanations

    ans = solve(scenario, policy, shown=VERDICT_READS, explain=True)
    verdicts = build_verdicts(ans)
    trees = outcome_explanations(ans, policy)
    for v in verdicts:
        v.explanation = trees[v.transaction].to_json() if v.transaction in trees else None
    return verdicts


def keyed_engine_enabled() -> bool:
    """Single evaluations (evaluate, the DSL, `what if`, the REPL, `earlog test`) use the keyed
    engine, as `earlog screen` does (issue 9: one engine for all of them); EARLOG_ENGINE=whole
    asks for the whole-scenario engine.  Explanations and `--coverage` always use the whole
    engine (they need every rule instance of the scenario).  Why keyed by default: it answers
    one transaction as fast as the whole engine and among 5,000 parties ~5x faster, its test
    suites run faster, and its ordered fold does not ground every total a long allocation chain
    could reach (bench/README.md).  What it costs: a scenario with many VEU holders' deployments
    is solved row by row (value-keyed chains), slower than the whole engine.
    tests/test_keyed_suites.py runs every suite on the other engine, so the two cannot drift apart."""
    import os

    from earlog.errors import InputError

    value = os.environ.get("EARLOG_ENGINE", "") or "keyed"
    if value not in ("keyed", "whole"):
        raise InputError("EARLOG_ENGINE", f"unknown engine {value!r}; expected 'keyed' or 'whole'")
    return value == "keyed"


def evaluate_verdicts(scenario: Scenario, policy_dir: str | None = None) -> list[Verdict]:
    """The verdicts of a validated scenario: by the keyed engine (engine/screening.py, the
    default), or by the whole-scenario engine (EARLOG_ENGINE=whole, and for a policy the keyed
    engine refuses: the refusal says why), on the policy kept on disk by engine/textcache.py."""
    if keyed_engine_enabled():
        from earlog.engine.contract import FastPathRefused
        from earlog.engine.screening import screen_scenario

        try:
            return screen_scenario(scenario, policy_dir=policy_dir)
        except FastPathRefused:
            pass
    from earlog.engine.textcache import whole_state

    return build_verdicts(solve(scenario, whole_state(policy_dir).policy, shown=VERDICT_READS))


def vocabulary_for(policy_dir: str | None = None):  # -> Vocabulary
    """The policy's vocabulary, from the disk cache (the keyed engine's prepared policy, or the
    whole-scenario engine's, engine/textcache.py), so a cold command need not parse the policy
    to check its input."""
    if keyed_engine_enabled():
        from earlog.engine.contract import FastPathRefused
        from earlog.engine.prepcache import keyed_state

        try:
            return keyed_state(policy_dir).vocabulary
        except FastPathRefused:
            pass
    from earlog.engine.textcache import whole_state

    return whole_state(policy_dir).vocabulary
