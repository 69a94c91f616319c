"""The whole-scenario engine's policy kept on disk (engine/textcache.py): a cold command reads
the program as text instead of parsing the .lp files, and must answer exactly as the parsed
policy does."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

import earlog
from earlog.engine import load_policy, solve, textcache
from earlog.scenario.load import load_scenario
from earlog.verdict import VERDICT_READS, build_verdicts

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "queries" / "scenarios").glob("*.json"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("EARLOG_CACHE_DIR", str(folder))
    monkeypatch.setenv("EARLOG_ENGINE", "whole")  # the cache of the whole-scenario engine (keyed is the default)
    textcache.whole_state.cache_clear()
    yield folder
    textcache.whole_state.cache_clear()


def _read_back() -> textcache.WholeState:
    textcache.whole_state.cache_clear()
    state = textcache.whole_state()
    assert state.policy.texts is not None and state.policy.statements == []  # nothing parsed
    return state


def test_written_once_then_read_without_parsing(cache: Path) -> None:
    first = textcache.whole_state()
    assert first.policy is load_policy(None)  # a cold cache: the policy is parsed, and kept for the next process
    assert len(list(cache.glob("whole-*.pickle"))) == 1
    state = _read_back()
    assert state.vocabulary == first.vocabulary
    assert list(state.policy.rules) == list(first.policy.rules)  # the order names the deciding rule
    assert state.policy.facts == first.policy.facts
    assert dict(state.policy.data.items()) == dict(first.policy.data.items())


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_text_program_answers_as_the_parsed_one(cache: Path, path: Path) -> None:
    """The same atoms in the same order (verdicts read the first of some lists), and the same verdicts."""
    textcache.whole_state()
    text_policy = _read_back().policy
    sc = load_scenario(path)
    parsed = solve(sc, load_policy(None), shown=VERDICT_READS)
    text = solve(sc, text_policy, shown=VERDICT_READS)
    assert text.atoms == parsed.atoms
    assert [v.to_json() for v in build_verdicts(text)] == [v.to_json() for v in build_verdicts(parsed)]


def test_a_program_not_kept_is_derived_from_the_parsed_policy(cache: Path) -> None:
    """Explanations trace every rule: the cached policy parses the .lp files for that program."""
    textcache.whole_state()
    text_policy = _read_back().policy
    sc = load_scenario(SCENARIOS[0])
    parsed = solve(sc, load_policy(None), traced=None, explain=True)
    text = solve(sc, text_policy, traced=None, explain=True)
    assert text.atoms == parsed.atoms and text.atoms.get("_earlog_why")


def test_evaluate_reads_the_cache(cache: Path) -> None:
    sc = load_scenario(SCENARIOS[0])
    first = [v.to_json() for v in earlog.evaluate(sc)]
    _read_back()
    assert [v.to_json() for v in earlog.evaluate(sc)] == first


def test_a_broken_cache_file_is_ignored(cache: Path) -> None:
    textcache.whole_state()
    (file,) = cache.glob("whole-*.pickle")
    file.write_bytes(b"not a pickle")
    textcache.whole_state.cache_clear()
    assert textcache.whole_state().policy is load_policy(None)
    data = pickle.loads(file.read_bytes())  # written again, whole
    assert data["format"] == textcache.FORMAT


def test_cache_off_parses(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARLOG_CACHE_DIR", "off")
    textcache.whole_state.cache_clear()
    assert textcache.whole_state().policy is load_policy(None)
    assert not cache.exists()


def test_an_unwritable_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("EARLOG_CACHE_DIR", str(blocker / "cache"))
    textcache.whole_state.cache_clear()
    try:
        assert earlog.evaluate(load_scenario(SCENARIOS[0]))[0].outcome
    finally:
        textcache.whole_state.cache_clear()


def test_the_cache_folder_keeps_the_latest_files(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir()
    for i in range(textcache.KEEP_FILES + 3):
        (cache / f"whole-old{i}.pickle").write_bytes(b"x")
        os.utime(cache / f"whole-old{i}.pickle", (1000 + i, 1000 + i))
    textcache.whole_state()
    kept = sorted(f.name for f in cache.glob("whole-*.pickle"))
    assert len(kept) == textcache.KEEP_FILES
    assert "whole-old0.pickle" not in kept and any(not k.startswith("whole-old") for k in kept)


def _live_by_rounds(shapes: list, given: set[str]) -> list[bool]:
    """The fixpoint as the engine computed it before, round by round (the reference)."""
    have = set(given)
    live = [False] * len(shapes)
    changed = True
    while changed:
        changed = False
        for i, (heads, needs) in enumerate(shapes):
            if not live[i] and needs <= have:
                live[i] = True
                if not heads <= have:
                    have |= heads
                    changed = True
    return live


@pytest.mark.parametrize("path", SCENARIOS[:3], ids=lambda p: p.stem)
def test_live_statements_are_the_fixpoint(path: Path) -> None:
    from earlog.engine.facts import scenario_facts
    from earlog.engine.program import VERDICT_PREDICATES, _shape, live_statements, program

    policy = load_policy(None)
    shapes = [_shape(stmt) for _part, stmt in program(policy, VERDICT_PREDICATES, False)]
    facts = {s.name for syms in policy.facts.values() for s in syms}
    given = {s.name for s in scenario_facts(load_scenario(path))} | {"chain_first", "chain_next"} | facts
    for have in (given, facts, set(), given - {"transaction"}):
        assert live_statements(shapes, set(have)) == _live_by_rounds(shapes, set(have))
    assert any(live_statements(shapes, given)) and not all(live_statements(shapes, given))
