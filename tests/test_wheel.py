"""The wheel ships the policy (STYLE.md §8: "a test installs the wheel and loads it").

Builds the wheel from the source tree, checks that every policy/*.lp file is inside
it as earlog/policy/..., then unpacks it into a temporary folder and, in a fresh
interpreter with that folder first on sys.path and $EARLOG_POLICY unset, checks
that `load_policy()` finds the packaged policy through importlib.resources and
that an evaluation works.  Runs in CI with the rest of the suite (about 5-20 s).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import earlog
from earlog.engine.policy import load_policy
p = load_policy()
v = earlog.evaluate(json.loads(sys.argv[1]))[0].to_json()
print(json.dumps({"module": earlog.__file__, "root": p.root, "files": sorted(p.files),
                  "rules": len(p.rules), "authorization": v["authorization"]}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(out), "-q"]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-build-isolation")  # the build backend is here already: no download needed
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("earlog-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_contains_every_policy_file(wheel: Path) -> None:
    source = {p.relative_to(ROOT / "policy").as_posix() for p in (ROOT / "policy").rglob("*.lp")}
    with zipfile.ZipFile(wheel) as z:
        shipped = {n.removeprefix("earlog/policy/") for n in z.namelist()
                   if n.startswith("earlog/policy/") and n.endswith(".lp")}
    assert source, "no policy files in the source tree"
    assert shipped == source


@pytest.mark.slow
def test_installed_copy_loads_its_own_policy(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "EARLOG_POLICY"}
    env["PYTHONPATH"] = str(site)
    scenario = {
        "parties": [{"id": "buyer", "hq": "BR"}],
        "items": [{"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}],
        "transactions": [{"id": "t1", "kind": "export", "item": "h100", "quantity": 10, "from": "US", "to": "BR",
                          "consignee": "buyer", "date": "2025-06-01",
                          "prior_certification": True, "prior_notification": True}],
    }
    r = subprocess.run([sys.executable, "-c", PROBE, json.dumps(scenario)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert Path(got["module"]).is_relative_to(site), got["module"]
    assert Path(got["root"]) == site / "earlog" / "policy"
    assert set(got["files"]) == {p.relative_to(ROOT / "policy").as_posix() for p in (ROOT / "policy").rglob("*.lp")}
    assert got["rules"] > 100
    # seed 004: LPP "directly to any single ultimate consignee located in a Tier 1 or 2 destination"
    assert got["authorization"] == "LPP"
