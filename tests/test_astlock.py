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
from earlog.engine import load_policy, screening
from earlog.engine.astlock import SHARED_ASTS
from earlog.explain import explain
from earlog.scenario.json_input import scenario_from_dict
from earlog.space import condition as C
from earlog.space.answers import default_spaces
from earlog.space.search import check

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


def _clear_earlog_caches() -> None:
    """Every functools cache of earlog's modules emptied, as in a process's first evaluation."""
    import sys

    for name, module in list(sys.modules.items()):
        if name == "earlog" or name.startswith("earlog."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The earlog functions that read an attribute of a clingo AST node while this thread did not
    hold the shared-AST lock (reading a node acquires and releases it: astlock.py)."""
    import sys

    unlocked: list[str] = []
    inner = ast.AST.__getattr__

    def getattr_(self: ast.AST, name: str) -> Any:
        if not SHARED_ASTS._is_owned():  # type: ignore[attr-defined]
            frame = sys._getframe(1)
            while frame is not None and "earlog" not in frame.f_code.co_filename:
                frame = frame.f_back
            unlocked.append(frame.f_code.co_name if frame is not None else "?")
        return inner(self, name)

    monkeypatch.setattr(ast.AST, "__getattr__", getattr_)
    return unlocked


@pytest.mark.parametrize("engine", ["keyed", "whole"])
def test_a_first_evaluation_reads_the_policy_asts_under_the_lock(engine: str, reads: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Any) -> None:
    """The analyses a process makes on its first evaluation (the running-total contract, the date
    and quantity keys, the live program, the provenance twins, the Datalog translation, the space
    program) walk the shared statements: two threads making them at
    once must not change a node's count together."""
    monkeypatch.setenv("EARLOG_ENGINE", engine)
    monkeypatch.setenv("EARLOG_CACHE_DIR", str(tmp_path))  # nothing prepared on disk: the analyses run
    _clear_earlog_caches()
    screening._CACHE.clear()
    try:
        verdicts = earlog.evaluate(_deal(11))
        sc = scenario_from_dict(_deal(11))
        explain(sc, Function("outcome", [String("t"), Function("authorized_by_veu")]), why_not=True)
        earlog.evaluate(_deal(11), engine="pydatalog")
        policy = load_policy()
        lpp = C.Not(C.atom(policy, "exception", "LPP", None))
        tier3 = C.atom(policy, "field", "tier3_entity", None)
        assert check(default_spaces()["core"], policy, C.Implies(tier3, lpp)).holds
    finally:
        _clear_earlog_caches()  # what was prepared with the patched reader is not kept
    assert [v.outcome for v in verdicts] == ["authorized_by_exception"]
    assert sorted(set(reads)) == []
