"""Every regression suite in queries/ on the whole-scenario engine (issue 9): single evaluations,
`earlog test` and `earlog screen` answer with the keyed engine by default, and pytest collects the
suites on it; this test runs them again with EARLOG_ENGINE=whole, the reference the keyed engine
is checked against, so the two cannot drift apart on the cases lawyers wrote.  (Run the other way
round, it caught a keyed answer that said "AIA available" where the whole engine and the suite
said the AIA certification is contradicted: `trains_models_for` was missing from the decision
key.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_suite_passes_on_the_whole_scenario_engine() -> None:
    env = {**os.environ, "EARLOG_ENGINE": "whole"}
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "test", str(ROOT / "queries")],
                       capture_output=True, text=True, env=env)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
    assert r.returncode == 0, f"{last}\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"
    assert " 0 failed" in last


def test_single_evaluations_use_the_keyed_engine_by_default(monkeypatch) -> None:
    """Issue 9, point 4: "The DSL, `what if`, the REPL and the test suites use the same engine"
    as `earlog screen`: with EARLOG_ENGINE unset, `earlog.evaluate` answers from the keyed
    engine's decision keys; EARLOG_ENGINE=whole leaves them untouched."""
    import earlog
    from earlog.engine import screening

    sc = ROOT / "queries" / "scenarios" / "brazil_cloud.json"
    monkeypatch.setenv("EARLOG_ENGINE", "whole")
    screening._CACHE.clear()
    whole = [v.to_json() for v in earlog.evaluate(sc)]
    assert not screening._CACHE
    monkeypatch.delenv("EARLOG_ENGINE")
    keyed = [v.to_json() for v in earlog.evaluate(sc)]
    assert screening._CACHE  # the transaction's key was solved and kept
    assert keyed == whole


def test_an_unknown_engine_is_refused_in_one_line() -> None:
    env = {**os.environ, "EARLOG_ENGINE": "fastest"}
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "eval",
                        str(ROOT / "queries" / "scenarios" / "brazil_cloud.json")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2
    assert r.stderr.strip() == ("earlog: error: EARLOG_ENGINE: unknown engine 'fastest'; "
                                "expected 'keyed' or 'whole'")
    assert "Traceback" not in r.stderr
