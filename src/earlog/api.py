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
             explain: bool = False) -> list[Verdict]:
    """Evaluate a scenario (model, JSON-shaped dict, or path to a JSON or .earlog file).

    explain=True fills each verdict's `explanation` with the why-tree of its
    outcome (JSON schema earlog.explanation/1, docs/explanations.md).
    Raises InputError for a bad scenario before anything is evaluated.
    """
    if isinstance(scenario, (str, Path)):
        from earlog.scenario.load import load_scenario

        scenario = load_scenario(scenario)
    elif isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    policy = load_policy(policy_dir)
    validate(scenario, vocabulary(policy))
    if not explain:
        return build_verdicts(solve(scenario, policy, shown=VERDICT_READS))
    from earlog.explain.why import outcome_explanations

    ans = solve(scenario, policy, shown=VERDICT_READS, explain=True)
    verdicts = build_verdicts(ans)
    trees = outcome_explanations(ans, policy)
    for v in verdicts:
        v.explanation = trees[v.transaction].to_json() if v.transaction in trees else None
    return verdicts
