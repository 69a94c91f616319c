"""Shared fixtures: a baseline scenario each provision test changes one fact of.

The baseline is a Brazilian buyer ordering ten datacenter H100s from the United
States; a provision test changes one fact of it and asserts the verdict field and
the rule ids that decided it (STYLE.md §9).
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clingo import String

import earlog
from earlog.engine import load_policy, solve, vocabulary
from earlog.engine.screening import Screener, ScreenRow
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.validate import validate
from earlog.verdict import VERDICT_READS, build_verdicts

# hostile inputs, run by test_fuzz_repro.py; one holds `expect`s yet is not a suite
collect_ignore = ["fuzz_repro"]

H100_TPP = 15832
POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"

BASE: dict[str, Any] = {
    "parties": [
        {"id": "buyer", "hq": "BR", "located": "BR"},
    ],
    "items": [
        {"id": "h100", "eccn": "3A090.a", "tpp": H100_TPP, "datacenter": True, "designer": "approved"},
    ],
    "transactions": [
        {"id": "t1", "kind": "export", "item": "h100", "quantity": 10, "from": "US", "to": "BR",
         "consignee": "buyer", "end_user": "buyer", "end_use": "inference", "date": "2025-06-01",
         # the certification and prior notification the exceptions require were given
         # (policy/exceptions/scope.lp: a fact not stated is read as not given)
         "prior_certification": True, "prior_notification": True},
    ],
}


def scenario(**changes: Any) -> dict[str, Any]:
    """The baseline with top-level fields replaced, and `tx`/`party`/`item` merged into the first entry."""
    s = copy.deepcopy(BASE)
    party_changes = changes.get("party", {})
    for key in ("tx", "party", "item"):
        if key in changes:
            target = {"tx": "transactions", "party": "parties", "item": "items"}[key]
            s[target][0].update(changes.pop(key))
    s.update(changes)
    # the consignee receives the items where they go (15 CFR 772.1; a consignee located
    # elsewhere is refused): moving the shipment moves the baseline buyer, unless stated
    t, buyer = s["transactions"][0], s["parties"][0]
    shipped = t.get("kind") in ("export", "reexport", "in_country_transfer")
    if shipped and t.get("consignee") == buyer["id"] and "located" not in party_changes and "to" in t:
        buyer["located"] = t["to"]
    return s


def policy_copy(tmp_path: Path, edit: Callable[[Path], None]) -> str:
    """A copy of policy/ under tmp_path, changed by `edit`: the patched policy a test of the
    engine's refusals or fallbacks needs (the real policy is never touched)."""
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, root)
    edit(root)
    return str(root)


def keyed_and_whole(sc_dict: dict[str, Any], policy_dir: str | None = None, map_misses: Any = None
                    ) -> tuple[Screener, list[dict[str, Any]], list[dict[str, Any]]]:
    """The keyed engine's verdicts of a scenario's transactions (through a Screener, kept for its
    stats; misses solved through map_misses when given) and the whole-scenario engine's, as JSON,
    in file order."""
    sc = scenario_from_dict(sc_dict)
    s = Screener(sc, policy_dir=policy_dir, map_misses=map_misses)
    got = [v.to_json() for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    want = [v.to_json() for v in build_verdicts(solve(sc, load_policy(policy_dir), shown=VERDICT_READS))]
    return s, got, want


def tx(tid: str, **fields: Any) -> dict[str, Any]:
    """A transaction like the baseline's, with its own id and the given fields changed."""
    t = copy.deepcopy(BASE["transactions"][0])
    t["id"] = tid
    t.update(fields)
    return t


def verdicts(s: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every verdict of a scenario, by transaction id."""
    return {v.transaction: v.to_json() for v in earlog.evaluate(s)}


def verdict(s: dict[str, Any], tx: str = "t1") -> dict[str, Any]:
    for v in earlog.evaluate(s):
        if v.transaction == tx:
            return v.to_json()
    raise KeyError(tx)


def failed(v: dict[str, Any], code: str) -> list[str]:
    """The ids of the conditions an unavailable exception or VEU failed, e.g. ["lpp.no_distributor"].

    The verdict writes each as "id: plain-English text"; suites pin the ids.
    """
    entry = v["exceptions"].get(code) or v["veu"].get(code)
    if entry is None:
        raise KeyError(f"{code} is not relevant to {v['transaction']}")
    if entry["available"]:
        return []
    return [f.split(":", 1)[0] for f in entry["failed"]]


def available(v: dict[str, Any]) -> set[str]:
    """The exception codes the verdict lists as available."""
    return {c for c, e in v["exceptions"].items() if e["available"]}


def deciding_rules(s: dict[str, Any], predicate: str, tx: str = "t1") -> dict[str, set[str]]:
    """For a verdict field the verdict JSON gives without its rule (the review policy),
    the ids of the rules that derived it: value -> rule ids, e.g. {"denial": {"review.tier3_entity_denial"}}."""
    sc = scenario_from_dict(s)
    policy = load_policy()
    validate(sc, vocabulary(policy))
    ans = solve(sc, policy)
    out: dict[str, set[str]] = {}
    for atom, rule_ids in ans.fired().items():
        if atom.name == predicate and atom.arguments[0] == String(tx):
            out.setdefault(str(atom.arguments[1]), set()).update(rule_ids)
    return out


def pytest_configure(config: pytest.Config) -> None:
    # `slow` marks tests that build or start something (a wheel); they still run by default and in CI
    config.addinivalue_line("markers", "slow: builds or installs something; runs by default and in CI")


@pytest.fixture
def base() -> dict[str, Any]:
    return scenario()


def ship_to(s: dict[str, Any], country: str, index: int = 0) -> dict[str, Any]:
    """Send a transaction elsewhere, and its consignee with it: the consignee receives the
    items where they go (15 CFR 772.1), and a consignee located elsewhere is refused."""
    t = s["transactions"][index]
    t["to"] = country
    for p in s["parties"]:
        if p["id"] == t.get("consignee"):
            p["located"] = country
    return s
