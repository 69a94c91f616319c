"""The keyed engine's memory does not grow with the number of distinct keys.

Issue 9, point 7: "peak memory <= 1 GB at 1,000,000 rows".  A batch of keys is grounded in a
Control of its own (MBs each), kept so the fold can ask for other variants of its keys (the
outcomes of a running total's tests).  At most keyed.LIVE_MAX Controls are open at once:
when a new one is made the oldest batch is completed (every variant solved) and closed, or
(EARLOG_EVICT=drop) closed and grounded again if the fold asks for one of its variants.
With a bound far below the number of batches the verdicts stay exactly those of the
whole-scenario engine, and the count of open Controls never passes the bound.
"""

from __future__ import annotations

from collections.abc import Callable

import clingo
import pytest
from test_screening_differential import _compare, generate

from earlog.engine import grounding, keyed, screening


@pytest.mark.parametrize(("bound", "evict"), [(1, "complete"), (2, "complete"), (2, "drop")])
def test_more_keys_than_live_controls_same_verdicts(monkeypatch: pytest.MonkeyPatch, bound: int,
                                                    evict: str) -> None:
    monkeypatch.setattr(keyed, "LIVE_MAX", bound)
    monkeypatch.setenv("EARLOG_EVICT", evict)
    monkeypatch.setattr(screening, "_BATCH", 4)  # many batches: ~50 for 200 rows
    screening._CACHE.clear()
    grounding.LIVE["peak"] = grounding.LIVE["now"]
    made = []
    init = grounding.Grounded.__init__

    def counting(self, *a, **k) -> None:  # type: ignore[no-untyped-def]
        made.append(1)
        init(self, *a, **k)

    monkeypatch.setattr(grounding.Grounded, "__init__", counting)
    book = generate(3, 200)
    book["parameters"] = {**book["parameters"], "country_allocation_tpp": 2_000_000}  # caps are crossed
    assert _compare(book) == 200
    assert len(made) > 10 * bound  # far more batches than the bound
    assert grounding.LIVE["peak"] <= bound
    assert grounding.LIVE["now"] == 0  # all closed once the screen ends
    # a released answer holds plain data only: no Control, nothing that refers to one
    for res in screening._CACHE.values():
        assert res._solver is None
        for v in res.variants.values():
            assert not any(isinstance(x, clingo.Control) for x in vars(v).values())
    screening._CACHE.clear()


def test_a_closed_batch_is_grounded_again_for_its_other_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    """EARLOG_EVICT=drop, closed before the fold asks: the batch is grounded again, solved for
    every variant, closed."""
    monkeypatch.setattr(keyed, "LIVE_MAX", 1)
    monkeypatch.setenv("EARLOG_EVICT", "drop")
    screening._CACHE.clear()
    book = generate(1, 150)
    book["parameters"] = {**book["parameters"], "country_allocation_tpp": 2_000_000}
    closed = []
    solve_for = keyed._BatchSolver.solve_for

    def watching(self, j, fits, result):  # type: ignore[no-untyped-def]
        closed.append(self.ctl is None)
        return solve_for(self, j, fits, result)

    monkeypatch.setattr(keyed._BatchSolver, "solve_for", watching)
    monkeypatch.setattr(screening, "_BATCH", 4)
    assert _compare(book) == 150
    assert any(closed)  # some batch had been closed when its other variants were asked for
    assert grounding.LIVE["now"] == 0
    screening._CACHE.clear()


@pytest.mark.parametrize("reading", ["as_published", "bis_non_enforcement"])
def test_rows_kept_only_under_a_reading_paired_with_a_counterfactual(monkeypatch: pytest.MonkeyPatch,
                                                                      reading: str) -> None:
    """The screener keeps the book's rows for a second screen only under a reading the policy pairs
    with a counterfactual (policy/dates.lp: compare_without(legal_status, bis_non_enforcement,
    withdrawn)); at 1,000,000 rows the kept rows were most of the peak memory (bench/README.md
    "Peak memory at 1,000,000 rows").  Either way the verdicts, rests_on_ai_diffusion_rule
    included, equal the whole-scenario engine's."""
    kept = []
    counterfactual = screening.Screener._counterfactual

    def watching(self, rows, chosen, exact):  # type: ignore[no-untyped-def]
        kept.append(rows is not None)
        return counterfactual(self, rows, chosen, exact)

    monkeypatch.setattr(screening.Screener, "_counterfactual", watching)
    book = generate(2, 60)
    book["assume"] = {**book["assume"], "legal_status": reading}
    assert _compare(book) == 60
    # the second screen (under the counterfactual reading, withdrawn) keeps none
    assert kept == ([True, False] if reading == "bis_non_enforcement" else [False])


@pytest.mark.parametrize("ids", [
    ["o1", "o2", "o1"],
    ["", "é", "日本-42", "\x00\x01e0", "x" * 5000],
    ["\ud800", "a\udfffb", "\U0001f600"],  # lone surrogates (JSON can carry them) round-trip too
])
def test_row_ids_are_kept_in_one_buffer_and_given_back_unchanged(ids: list[str]) -> None:
    """The screener keeps each row's id until the row's verdict is made (bench/README.md "Main
    process memory at 1,000,000 rows": one buffer, not a str per row)."""
    kept = screening._Strings()
    for x in ids:
        kept.append(x)
    assert len(kept) == len(ids)
    assert [kept[i] for i in range(len(ids))] == ids


def _names_kept(s: screening.Screener) -> int:
    return len(s._names)


def _scaled_kept(s: screening.Screener) -> int:
    return sum(len(i.scaled) for i in s._info.values())


@pytest.mark.parametrize(("bound", "method", "kept"), [
    ("_NAMES_MAX", "_chain_names", _names_kept),
    ("_SCALED_MAX", "_scaled", _scaled_kept),
])
def test_per_row_memos_remembered_up_to_a_bound_same_verdicts(monkeypatch: pytest.MonkeyPatch, bound: str,
                                                              method: str,
                                                              kept: Callable[[screening.Screener], int]) -> None:
    """The fold's memos that grow with the rows or the (closure, key) pairs are bounded (bench/README.md
    "Main process memory at 1,000,000 rows"): the chain names of a key in real ids per (closure, key),
    and an answer's amounts scaled to a row's quantity.  With a bound of 2, far below the book's, each
    is forgotten and made again, and the verdicts stay the whole-scenario engine's."""
    monkeypatch.setattr(screening, bound, 2)
    screening._CACHE.clear()
    seen = []
    original = getattr(screening.Screener, method)

    def watching(self, *a):  # type: ignore[no-untyped-def]
        out = original(self, *a)
        seen.append(kept(self))
        return out

    monkeypatch.setattr(screening.Screener, method, watching)
    book = generate(4, 150)
    book["parameters"] = {**book["parameters"], "country_allocation_tpp": 2_000_000}  # caps are crossed
    assert _compare(book) == 150
    assert len(seen) > 4 and max(seen) <= 2


def test_totals_past_64_bits_are_kept_exactly_by_the_fold() -> None:
    """The fold keeps each row's totals before its memberships in a flat array of 64-bit integers;
    a total past +-2**62 (screening._Q_MAX; the policy's arithmetic is exact: engine/arith.py) is
    kept apart and given back unchanged."""
    variant = keyed.Variant(counts=(True, False), cross=())
    none = keyed.Variant(counts=(), cross=())
    chosen = screening._Chosen(4)
    chosen.put(0, variant, [5, 0])
    chosen.put(1, none, [])
    chosen.put(2, variant, [2 ** 70, -3])
    chosen.put(3, variant, [-(2 ** 63) - 1, 7])
    assert [chosen.befores(i) for i in range(4)] == [(5, 0), (), (2 ** 70, -3), (-(2 ** 63) - 1, 7)]


def test_static_closures_of_different_country_sets_share_their_atoms() -> None:
    """Each batch of a uniform book names a country set of its own, so each derives a static
    closure of its own; an atom both closures hold is one object (prepcache._interned), so the
    closures, their indexes and the variants not yet built cost pointers, not atoms, per batch."""
    from earlog.engine.facts import const
    from earlog.engine.keyed import _shown
    from earlog.engine.prepcache import keyed_state
    from earlog.engine.program import VERDICT_PREDICATES

    state = keyed_state(None)
    prep = state.prepare(VERDICT_PREDICATES, _shown(state.contract))
    # countries as the engine enters them (scenario_country's constants: facts.const)
    a = prep.static_for((), frozenset({const("BR"), const("SG")}))
    b = prep.static_for((), frozenset({const("BR"), const("IN")}))
    by_value = {s: s for s in a}
    common = [s for s in b if s in by_value]
    assert len(common) > 100  # the parameters and tiers, and Brazil's own atoms
    assert any("br" in str(s) for s in common)
    assert all(s is by_value[s] for s in common)
    assert set(a) != set(b)  # two closures, not one
