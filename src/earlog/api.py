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
    """Single evaluations (evaluate, the DSL, `earlog test`) use the whole-scenario engine unless
    EARLOG_ENGINE=keyed asks for the keyed one.  Why not keyed by default: on the corrected policy
    the VEU totals are value-keyed chains solved row by row (the allocation is folded by its
    declared tests since), which makes a single answer slower than the whole engine
    (bench/README.md); `earlog screen` uses the keyed engine, and tests/test_keyed_suites.py
    runs every suite on it so the two cannot drift apart."""
    import os

    return os.environ.get("EARLOG_ENGINE", "whole") == "keyed"


def evaluate_verdicts(scenario: Scenario, policy_dir: str | None = None) -> list[Verdict]:
    """The verdicts of a validated scenario: by the keyed engine (engine/screening.py), or by
    the whole-scenario engine (the default, and for a policy the keyed engine refuses: the
    refusal says why), on the policy kept on disk by engine/textcache.py."""
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
