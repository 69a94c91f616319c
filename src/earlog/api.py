"""The Python entry point: `earlog.evaluate(scenario)` -> verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from earlog.engine import load_policy, solve, vocabulary
from earlog.scenario.json_input import load_json_file, scenario_from_dict
from earlog.scenario.model import Scenario
from earlog.scenario.validate import validate
from earlog.verdict import VERDICT_READS, Verdict, build_verdicts


def evaluate(scenario: Scenario | dict[str, Any] | str | Path, *, policy_dir: str | None = None) -> list[Verdict]:
    """Evaluate a scenario (model, JSON-shaped dict, or path to a JSON file).

    Raises InputError for a bad scenario before anything is evaluated.
    """
    if isinstance(scenario, (str, Path)):
        scenario = load_json_file(scenario)
    elif isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    policy = load_policy(policy_dir)
    validate(scenario, vocabulary(policy))
    return build_verdicts(solve(scenario, policy, shown=VERDICT_READS))
