"""Every regression suite in queries/ on the keyed engine (issue 9): `earlog screen` answers with
it, single evaluations with the whole-scenario engine by default, so this test keeps the two from
drifting apart on the cases lawyers wrote.  It caught a keyed answer that said "AIA available"
where the whole engine (and the suite) said the AIA certification is contradicted
(`trains_models_for` was missing from the decision key)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_suite_passes_on_the_keyed_engine() -> None:
    env = {**os.environ, "EARLOG_ENGINE": "keyed"}
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "test", str(ROOT / "queries")],
                       capture_output=True, text=True, env=env)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
    assert r.returncode == 0, f"{last}\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"
    assert " 0 failed" in last
