"""clingo counts an AST node's references with a plain integer and releases the GIL in every
call, so threads adding the policy's shared statements at once can free a node still in use
(engine/astlock.py).  Every ProgramBuilder.add must happen with the shared-AST lock held, on
every engine, and threads evaluating at once must get the verdicts of one thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from clingo import Function, String, ast

import earlog
from earlog.engine import screening
from earlog.engine.astlock import SHARED_ASTS
from earlog.explain import explain
from earlog.scenario.json_input import scenario_from_dict

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}


def _deal(n: int) -> dict[str, Any]:
    """One export of n H100s to a Brazilian cloud owned by a Brazilian group (a distinct key each n)."""
    return {"parties": [{"id": "nuvem", "hq": "BR", "located": "BR", "parent": "grupo"}, {"id": "grupo", "hq": "BR"}],
            "items": [H100],
            "transactions": [{"id": "t", "kind": "export", "item": "h100", "from": "US", "to": "BR",
                              "consignee": "nuvem", "quantity": n, "date": "2025-06-01", "end_use": "inference",
                              "prior_notification": True, "prior_certification": True}]}


@pytest.fixture
def adds(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every ProgramBuilder.add counted, and the statements added while this thread did not hold
    the shared-AST lock."""
    seen: dict[str, Any] = {"count": 0, "unlocked": []}
    inner = ast.ProgramBuilder.add

    def add(self: ast.ProgramBuilder, statement: ast.AST) -> None:
        seen["count"] += 1
        if not SHARED_ASTS._is_owned():  # type: ignore[attr-defined]
            seen["unlocked"].append(str(statement))
        inner(self, statement)

    monkeypatch.setattr(ast.ProgramBuilder, "add", add)
    return seen


@pytest.mark.parametrize("engine", ["keyed", "whole"])
def test_every_engine_adds_shared_statements_under_the_lock(engine: str, adds: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARLOG_ENGINE", engine)
    screening._CACHE.clear()
    verdicts = earlog.evaluate(_deal(7))
    assert [v.outcome for v in verdicts] == ["authorized_by_exception"]
    assert adds["count"] > 0  # the answer was solved by adding statements ...
    assert adds["unlocked"] == []  # ... each with the lock held


def test_explanations_add_their_probes_under_the_lock(adds: dict[str, Any]) -> None:
    sc = scenario_from_dict(_deal(7))
    ex = explain(sc, Function("outcome", [String("t"), Function("authorized_by_veu")]), why_not=True)
    assert (ex.question, ex.holds) == ("why_not", False)
    assert adds["count"] > 0
    assert adds["unlocked"] == []


@pytest.mark.parametrize("engine", ["keyed", "whole"])
def test_threads_evaluating_at_once_get_the_verdicts_of_one_thread(engine: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARLOG_ENGINE", engine)
    monkeypatch.setattr(screening, "_CACHE_MAX", 3)  # keys evicted while other threads solve
    quantities = [1 + 37 * k for k in range(24)]
    screening._CACHE.clear()
    alone = [[v.to_json() for v in earlog.evaluate(_deal(n))] for n in quantities]
    screening._CACHE.clear()
    start = threading.Barrier(6)

    def run(n: int) -> list[dict[str, Any]]:
        if n <= 6 * 37:
            start.wait(timeout=60)
        return [v.to_json() for v in earlog.evaluate(_deal(n))]

    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(run, quantities))
    assert together == alone
