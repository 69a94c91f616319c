"""clingo and pyDatalog agree on the verdict JSON of the suites' scenarios.

Every scenario an `expect` of a suite in queries/ sees (and each what-if's changed
scenario), every scenario JSON file in queries/scenarios/, and the fixed
regression cases in tests/datalog_regressions/ are evaluated on both engines and
compared field by field.  CI runs a stated, deterministic sample: every STEP-th
suite scenario in file order, all JSON scenarios and all regression cases.
`EARLOG_BOTH_ENGINES=all pytest tests/test_engines_agree.py` (or
`earlog test --engine both queries/`) runs every suite scenario.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from earlog.datalog.agree import disagreements
from earlog.dsl.suite import expectations, find_files
from earlog.scenario.json_input import load_json_file
from earlog.scenario.model import Scenario

ROOT = Path(__file__).parents[1]
STEP = 10
ALL = os.environ.get("EARLOG_BOTH_ENGINES") == "all"


def _suite_scenarios() -> list[tuple[str, Scenario]]:
    out: list[tuple[str, Scenario]] = []
    # by identity, each context held while the walk lasts: an id freed by the garbage collector
    # could be given to a later context, which would then be skipped and the sample would vary
    seen: dict[int, object] = {}
    for f in find_files([ROOT / "queries"]):
        for s in expectations(f):
            if s.todo:
                continue
            for ctx in (s.context, s.changed):
                if ctx is not None and id(ctx) not in seen:
                    seen[id(ctx)] = ctx
                    out.append((f"{f.relative_to(ROOT)}:{s.question.span.line}", ctx.scenario))
    return out


SUITES = _suite_scenarios()
FILES = [(str(p.relative_to(ROOT)), p) for p in sorted((ROOT / "queries" / "scenarios").glob("*.json"))]
FILES += [(str(p.relative_to(ROOT)), p) for p in sorted((ROOT / "tests" / "datalog_regressions").glob("*.json"))]


def test_the_sample_is_stated_and_not_empty() -> None:
    assert len(SUITES) > 100
    assert len(SUITES[::STEP]) >= len(SUITES) // STEP


@pytest.mark.parametrize(("where", "sc"), SUITES if ALL else SUITES[::STEP], ids=[w for w, _ in (
    SUITES if ALL else SUITES[::STEP])])
def test_suite_scenario_gets_the_same_verdicts_on_both_engines(where: str, sc: Scenario) -> None:
    found = disagreements(sc)
    assert not found, f"{where}:\n" + "\n".join(d.text() for d in found)


@pytest.mark.parametrize(("where", "path"), FILES, ids=[w for w, _ in FILES])
def test_scenario_file_gets_the_same_verdicts_on_both_engines(where: str, path: Path) -> None:
    found = disagreements(load_json_file(path))
    assert not found, f"{where}:\n" + "\n".join(d.text() for d in found)
