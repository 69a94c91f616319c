"""The keyed engine's misses add the live program as ASTs parsed once per process
(engine/grounding.py) instead of handing clingo its text on every miss: the same
statements must give the same verdicts, and the text must really be parsed only once."""

from __future__ import annotations

import pytest

from earlog.engine import grounding, screening
from earlog.engine.screening import Screener, ScreenRow
from earlog.scenario.json_input import scenario_from_dict

H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}


def _book() -> dict:
    """Cap crossings, an ownership chain, a Tier 3 parent, weights, a ledger entry, two years."""
    parties = [{"id": "nuvem", "hq": "BR", "located": "BR", "parent": "grupo"}, {"id": "grupo", "hq": "BR"},
               {"id": "lion", "hq": "SG", "parent": "dragon"}, {"id": "dragon", "hq": "CN"},
               {"id": "tokai", "hq": "JP"}]
    weights = {"id": "w1", "eccn": "4E091", "for_eccn": "3A090.a"}
    base = {"kind": "export", "item": "h100", "from": "US", "end_use": "inference",
            "prior_notification": True, "prior_certification": True}
    txs = [dict(base, id="a", to="BR", consignee="nuvem", quantity=900, date="2025-06-01"),
           dict(base, id="b", to="BR", consignee="nuvem", quantity=900, date="2025-07-01"),
           dict(base, id="c", to="SG", consignee="lion", quantity=50, date="2026-02-01"),
           dict(base, id="d", to="JP", consignee="tokai", quantity=5000, date="2027-03-01"),
           dict(base, id="e", item="w1", to="BR", consignee="nuvem", quantity=1, date="2025-09-01")]
    ledger = [dict(base, id="old", to="BR", consignee="grupo", quantity=400, date="2025-02-01")]
    return {"parties": parties, "items": [H100, weights], "transactions": txs, "ledger": ledger}


def _screen() -> list[dict]:
    screening._CACHE.clear()
    sc = scenario_from_dict(_book())
    s = Screener(sc)
    return [v.to_json() for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]


def test_ast_program_gives_the_verdicts_of_the_text_program(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every verdict field of a book screened with the cached ASTs equals the one screened with
    the program handed to clingo as text (the path before grounding.py)."""
    monkeypatch.setenv("EARLOG_GROUNDING", "text")
    by_text = _screen()
    monkeypatch.delenv("EARLOG_GROUNDING")
    by_ast = _screen()
    assert len(by_ast) == 5
    assert by_ast == by_text


def test_each_live_program_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second screen of the same book (its keys no longer cached) parses nothing again."""
    monkeypatch.delenv("EARLOG_GROUNDING", raising=False)
    _screen()
    parsed = []
    real = grounding.ast.parse_string
    monkeypatch.setattr(grounding.ast, "parse_string", lambda *a, **k: (parsed.append(a[0]), real(*a, **k))[1])
    misses = []
    real_init = grounding.Grounded.__init__

    def counting(self, *a, **k):  # type: ignore[no-untyped-def]
        misses.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(grounding.Grounded, "__init__", counting)
    _screen()
    assert misses, "the second screen solved nothing: the test would prove nothing"
    assert parsed == []


def test_a_statement_part_is_parsed_under_its_own_program_name() -> None:
    """The cumulative part stays `#program cumulative.` (grounded after the chains' totals)."""
    stmts = [str(s) for s in grounding.statements("a :- b.", "cumulative")]
    assert stmts[-1] == "a :- b."
    assert [s for s in stmts if s.startswith("#program")][-1] == "#program cumulative."
