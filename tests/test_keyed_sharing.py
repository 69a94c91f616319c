"""The keyed engine keeps solved verdicts compactly (issue 9, point 7: "peak memory <= 1 GB at
1,000,000 rows").

Each verdict part that many keys hold alike is kept once (engine/share.py), and a variant not
asked for yet keeps its atoms as flat tuples (engine/keyed.py `_build`).  Neither may change a
verdict: a part is shared only with an equal one, member by member, and a verdict built from the
compact atoms equals the whole-scenario engine's (tests/test_screening_differential.py compares
every field on generated books; here, the sharing itself).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from test_screening_differential import _compare, generate

from earlog.engine import keyed, screening, share
from earlog.verdict import Availability


@dataclass
class _Part:
    name: str
    items: list[int] = field(default_factory=list)


def test_only_equal_parts_are_shared() -> None:
    s = share.Sharer()
    a = s.share({"x": [1, "a"], "y": Availability(False, failed=["LPP.cap: over the cap"])})
    b = s.share({"x": [1, "a"], "y": Availability(False, failed=["LPP.cap: over the cap"])})
    assert a is b
    c = s.share({"x": [True, "a"], "y": Availability(False, failed=["LPP.cap: over the cap"])})
    assert c == {"x": [True, "a"], "y": Availability(False, failed=["LPP.cap: over the cap"])}
    assert c is not a and c["x"] is not a["x"] and c["y"] is a["y"]  # True is not 1, the rest is shared
    d = s.share([_Part("p", [1, 2]), _Part("p", [1, 3]), (1, "a"), (1, "a")])
    assert d[0] is not d[1] and d[0].name is d[1].name and d[2] is d[3]
    assert d == [_Part("p", [1, 2]), _Part("p", [1, 3]), (1, "a"), (1, "a")]


def test_a_full_table_is_cleared_and_stays_exact() -> None:
    s = share.Sharer(limit=5)
    parts = [s.share({"k": [i, str(i)]}) for i in range(50)] + [s.share({"k": [i, str(i)]}) for i in range(50)]
    assert parts == [{"k": [i, str(i)]} for i in range(50)] * 2
    assert len(s.table) <= 5


def test_shared_verdicts_equal_the_verdicts_built_without_sharing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every verdict the keyed engine builds, with its parts shared, equals the same verdict built
    without sharing; parts are shared across keys; and the screen equals the whole-scenario engine."""
    built = []

    def keeping(verdict):  # type: ignore[no-untyped-def]
        before = copy.deepcopy(verdict.to_json())
        share.share_verdict_parts(verdict)
        built.append((before, verdict))

    monkeypatch.setattr(keyed, "share_verdict_parts", keeping)
    monkeypatch.setattr(share, "_SHARER", share.Sharer())
    screening._CACHE.clear()
    book = generate(4, 120)
    book["parameters"] = {**book["parameters"], "country_allocation_tpp": 2_000_000}
    assert _compare(book) == 120
    assert len(built) > 20
    for before, verdict in built:
        assert verdict.to_json() == before
    seen: dict[int, int] = {}
    for _before, verdict in built:
        for value in vars(verdict).values():
            if isinstance(value, (list, dict)) and value:
                seen[id(value)] = seen.get(id(value), 0) + 1
    assert max(seen.values()) > 1  # some part is held by more than one verdict
    screening._CACHE.clear()


def test_an_atom_read_from_any_slot_is_one_object_and_variants_share_their_tuples(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same atom comes out of every slot of a batch (its prefix taken off): the reader keeps one
    ReadSymbol for it, which the variants not built yet hold; a variant's tuples (fired rules, the
    paths of its totals, what counts) are kept once across keys.  The screen still equals the
    whole-scenario engine."""
    monkeypatch.setattr(keyed, "_READERS", {})
    monkeypatch.setattr(share, "_SHARER", share.Sharer())
    screening._CACHE.clear()
    book = generate(7, 150)
    assert _compare(book) == 150
    (reader,) = [r for r in keyed._READERS.values() if r.c is not None and r.atoms]
    records = [rec for rec in reader.memo.values() if rec[2] is not None]
    by_rep: dict[int, set[int]] = {}
    for rec in records:
        by_rep.setdefault(rec[2]._rep, set()).add(id(rec[2]))
    assert len(records) > len(by_rep)  # atoms recur across slots ...
    assert all(len(objs) == 1 for objs in by_rep.values())  # ... as one object each
    variants = {id(v): v for res in screening._CACHE.values() for v in res.variants.values()}
    built = [v for v in variants.values() if v.verdict is not None]
    assert len(built) > 20
    fired = {id(v.fired) for v in built if v.fired}
    assert len(fired) < len([v for v in built if v.fired])  # equal tuples held once
    screening._CACHE.clear()
