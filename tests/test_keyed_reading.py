"""How the keyed engine reads a batch's models cheaply (engine/readsym.py, keyed._Reader, the memos):
every value comes back exactly, whatever the user text holds, and no memo makes a verdict depend on
an earlier scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clingo import Function, Number, String, Symbol, SymbolType

import earlog
from earlog.engine import keyed, load_policy, screening, solve
from earlog.engine.prepcache import keyed_state
from earlog.engine.readsym import ReadSymbol, read_symbol
from earlog.scenario.json_input import scenario_from_dict
from earlog.verdict import VERDICT_READS, build_verdicts

# user text may hold quotes, backslashes, ASP syntax and the batch prefix's characters (the input
# refuses control characters, but the engine must not rely on it)
NASTY = ['x). license_required(y', 'a"b', "a\\b", 'a\\"b', "%% @rule evil", "|", "0|t", "\x01", "\x010|t",
         "x\x010|t", "line\nbreak", "é漢字", ""]


def _atoms(text: str) -> list[Symbol]:
    return [Function("item_eccn", [String(keyed.TX_TOKEN), String(text)]),
            Function("f", [Function("g", [String(text), Number(-7), String("\x01e3")], False), Number(2**31 - 1)]),
            Function("", [String(text), Function("c")]),
            String(text)]


@pytest.mark.parametrize("text", NASTY)
def test_a_read_symbol_is_the_clingo_symbol(text: str) -> None:
    for s in _atoms(text):
        r = read_symbol(s)
        assert isinstance(r, Symbol) and r == s and s == r and hash(r) == hash(s) and str(r) == str(s)
        assert {s: 1}[r] == 1 and r in {s}
        assert r.type == s.type
        if s.type == SymbolType.Function:
            assert (r.name, r.positive, r.negative) == (s.name, s.positive, s.negative)
            assert r.arguments == s.arguments and all(isinstance(a, ReadSymbol) for a in r.arguments)
            assert keyed.encode(r) == keyed.encode(s)
        else:
            assert r.string == s.string == text
            with pytest.raises(RuntimeError):
                r.name  # noqa: B018 - not a function: clingo's own error, as for the symbol
    assert read_symbol(Number(5)).number == 5


@pytest.mark.parametrize("text", NASTY)
def test_the_batch_prefix_comes_off_exactly(text: str) -> None:
    """Only a role token (a string that starts with \\x01) gets the key's prefix; taking it off gives
    back the very symbol, user text included, and a text merely holding the prefix is left alone."""
    for j in (0, 3, 31):
        prefix = f"\x01{j}|"
        for s in _atoms(text):
            p = keyed._prefixed(s, prefix)
            assert keyed._unprefixed(p, prefix) == s
            r = keyed._read_unprefixed(p, prefix)  # the reader's one walk
            assert r == s and hash(r) == hash(s) and str(r) == str(s) and r.type == s.type
            if s.type == SymbolType.Function:
                assert r.name == s.name and r.arguments == s.arguments and keyed.encode(r) == keyed.encode(s)
            else:
                assert r.string == s.string
            if s.type == SymbolType.Function:  # a fact
                assert keyed._decoded_fact(keyed.encode(s), prefix) == p  # the memo answers what _prefixed does
                assert keyed._decoded_fact(keyed.encode(s), prefix) == p
    assert keyed._unprefixed(String("x\x010|t"), "\x010|") == String("x\x010|t")


def test_the_memos_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A memo maps a value to a value (a function of its key alone) and is cleared when full."""
    monkeypatch.setattr(keyed, "_MEMO_MAX", 8)
    memo = keyed._Memo()
    for i in range(50):
        assert memo.put(i, i * i) == i * i
        assert len(memo) <= 8
    assert memo[49] == 49 * 49


def _deal(name: str, eccn: str = "3A090.a") -> dict[str, Any]:
    return {"parties": [{"id": name, "hq": "BR", "located": "BR", "parent": name + "|p"},
                        {"id": name + "|p", "hq": "BR"}],
            "items": [{"id": name + "#i", "eccn": eccn, "tpp": 15832, "datacenter": True,
                       "designer": "approved"}],
            "transactions": [{"id": name + "#t", "kind": "export", "item": name + "#i", "quantity": 1000,
                              "from": "US", "to": "BR", "consignee": name, "end_use": "inference",
                              "date": "2025-06-01"},
                             {"id": name + "#u", "kind": "export", "item": name + "#i", "quantity": 4000,
                              "from": "US", "to": "BR", "consignee": name, "end_use": "inference",
                              "date": "2025-07-01"}]}


HOSTILE = ['x). license_required(y', '"; #include "/etc/passwd', 'a\\"b). #show.', "0|t", "|e0|", "%% @rule r"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_through_the_keyed_engine(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The keyed engine's verdicts for hostile ids (with the batch prefix's `|` and digits) are the
    whole-scenario engine's, field by field, ids back byte for byte; the memos warm from the other
    names change nothing."""
    monkeypatch.setenv("EARLOG_ENGINE", "keyed")
    screening._CACHE.clear()
    d = _deal(name)
    sc = scenario_from_dict(json.loads(json.dumps(d)))
    mine = [v.to_json() for v in earlog.evaluate(sc)]
    policy = load_policy()
    whole = [v.to_json() for v in build_verdicts(solve(scenario_from_dict(d), policy, shown=VERDICT_READS))]
    assert [v["transaction"] for v in mine] == [name + "#t", name + "#u"]
    assert mine == whole
    assert mine[0]["lpp"]["ultimate_consignee"] == name + "|p"


def test_a_verdict_does_not_depend_on_the_batch_mates() -> None:
    """Each key's verdict is read from its own atoms: a key solved alone and in a batch of others
    (other slots, other facts) gives the same variants."""
    base = _deal("acme")
    base["transactions"] += [dict(base["transactions"][0], id=f"o{i}", quantity=100 * (i + 1), to=to)
                             for i, to in enumerate(("SG", "IN", "US", "MX"))]
    sc = scenario_from_dict(base)
    s = screening.Screener(sc)
    entries = []
    for t in sc.transactions:
        cid = s._closure(screening._tx_refs(t))
        entries.append((s._mini(s._closure_list[cid].ids, t), (), True))
    state = keyed_state(None)
    assert state.contract is not None
    together = keyed.solve_batch(None, entries, eager=True)
    for e, res in zip(entries, together, strict=True):
        alone = keyed.solve_batch(None, [e], eager=True)[0]
        assert alone.variants.keys() == res.variants.keys()
        for k, v in alone.variants.items():
            w = res.variants[k].ready()
            v.ready()
            assert (v.counts, v.cross, v.after, v.fired, v.before_paths, v.token_fields) == \
                   (w.counts, w.cross, w.after, w.fired, w.before_paths, w.token_fields)
            assert v.verdict.to_json() == w.verdict.to_json()


SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "queries" / "scenarios").glob("*.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_keys_facts_are_its_scenarios_facts_prefixed(path: Path) -> None:
    """A key's facts are built with the batch prefix in place: the same facts, in the same order, as
    prefixing every fact of the key's scenario (and the same countries named), for every transaction
    (and as a ledger entry) of the shipped scenarios, and for hostile ids."""
    dicts = [json.loads(path.read_text(encoding="utf-8")), _deal('a"b\\c|0')]
    for d in dicts:
        sc = scenario_from_dict(d)
        s = screening.Screener(sc)
        for t in sc.transactions:
            for ledger in (False, True):
                mini = s._mini(s._closure_list[s._closure(screening._tx_refs(t))].ids, t, ledger)
                for prefix in ("\x010|", "\x0117|"):
                    facts = list(keyed.scenario_facts(mini))
                    want = [keyed._prefixed(f, prefix) for f in facts if f.name != keyed.COUNTRY_INPUT]
                    got = keyed._entry_facts(mini, prefix)
                    assert [f for _n, c, f in got if c is None] == want
                    assert [n for n, c, _f in got if c is None] == [f.name for f in want]
                    assert {c for _n, c, _f in got if c is not None} == \
                           {f.arguments[0] for f in facts if f.name == keyed.COUNTRY_INPUT}
                    assert any(str(f).startswith("tx_consignee(") for f in want)


FACT_NAMES = [*NASTY, 'a"b\\c|0', "\x01e0", "\x01t", "tab\there", "nul\x00?", "😀", "Ω\u200b"]


def _renamed(x: Any, name: str) -> Any:
    """x with "NAME" in every string replaced by name (past the input's checks: control characters too)."""
    import dataclasses

    if isinstance(x, str):
        return x.replace("NAME", name)
    if isinstance(x, list):
        return [_renamed(y, name) for y in x]
    if isinstance(x, dict):
        return {k: _renamed(y, name) for k, y in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _renamed(getattr(x, f.name), name) for f in dataclasses.fields(x)
                                         if f.init})
    return x


def _hostile(name: str) -> Any:
    return _renamed(scenario_from_dict(_deal("NAME", eccn="NAME")), name)  # in an id and a free text


def test_encoded_facts_are_the_scenarios_facts() -> None:
    """facts.ENCODED makes the same facts as plain values: decoded, exactly scenario_facts' symbols in
    the same order, for the shipped scenarios and for hostile ids."""
    from earlog.engine.facts import ENCODED

    scs = [scenario_from_dict(json.loads(p.read_text(encoding="utf-8"))) for p in SCENARIOS]
    for sc in scs + [_hostile(n) for n in FACT_NAMES]:
        assert [keyed.decode(x) for x in keyed.scenario_facts(sc, ENCODED)] == list(keyed.scenario_facts(sc))


@pytest.mark.parametrize("name", FACT_NAMES)
def test_memoised_entry_facts_are_the_slow_ones(name: str) -> None:
    """keyed._entry_facts (plain values, symbols from a memo) gives what scenario_facts(_with_prefix(mini,
    prefix)) gives, record for record, in order, for hostile ids, first from an empty memo and then
    from a warm one; a constant holding \\x01 (the input refuses it) takes the slow path and agrees."""
    import dataclasses

    keyed._FACTS.clear()
    sc = _hostile(name)
    s = screening.Screener(sc)
    minis = []
    for t in sc.transactions:
        for ledger in (False, True):
            minis.append(s._mini(s._closure_list[s._closure(screening._tx_refs(t))].ids, t, ledger))
    odd = minis[0]
    minis.append(dataclasses.replace(odd, transactions=[dataclasses.replace(odd.transactions[0], end_use="\x01e0")]))
    for _round in range(2):
        for mini in minis:
            for prefix in ("\x010|", "\x0117|", "\x0131|"):
                got = keyed._entry_facts(mini, prefix)
                want = keyed._entry_facts_slow(mini, prefix)
                assert [(n, c, f) for n, c, f in got] == want
                assert [str(f) for _n, _c, f in got] == [str(f) for _n, _c, f in want]
                assert any(n == "item_eccn" for n, _c, _f in got)  # the hostile text is in the facts


def test_memoised_entry_facts_on_generated_books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key's facts of a screen of the generated books (bench/orders_gen.py, both shapes) are the
    slow path's, and the report is the one the slow path gives."""
    import importlib.util

    from earlog.screen import Options, screen

    spec = importlib.util.spec_from_file_location(
        "orders_gen", Path(__file__).resolve().parent.parent / "bench" / "orders_gen.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    fast = keyed._entry_facts
    checked = []

    def both(mini: Any, prefix: str) -> Any:
        got = fast(mini, prefix)
        assert got == keyed._entry_facts_slow(mini, prefix)
        checked.append(prefix)
        return got

    for shape in ("uniform", "repeating"):
        book, base = gen.write(shape, 150, tmp_path)
        screening._CACHE.clear()
        monkeypatch.setattr(keyed, "_entry_facts", both)
        screen(book, base, tmp_path / f"{shape}-fast.csv", Options(engine="fast"))
        monkeypatch.setattr(keyed, "_entry_facts", keyed._entry_facts_slow)
        screening._CACHE.clear()
        screen(book, base, tmp_path / f"{shape}-slow.csv", Options(engine="fast"))
        monkeypatch.undo()
        assert (tmp_path / f"{shape}-fast.csv").read_bytes() == (tmp_path / f"{shape}-slow.csv").read_bytes()
    assert len(checked) > 100
