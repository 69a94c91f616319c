"""The closure digest (engine/closures.py, `Screener._closure`): made per entity, the same text.

Two rows share a decision key only if their closures' digests are equal, so the digest must
neither conflate two closures whose facts differ (a wrong verdict) nor split ones whose facts
are the same (a needless miss).  The digest used to hash the text of `scenario_facts` over the
whole closure's scenario; it is now put together from each entity's facts, cached per
(entity, tokens).  These tests check that it is the same text, byte for byte, as the whole
scenario's (`_old_text` below, the former code) on ordinary and hostile ids, ownership trees,
attestations and an overlay, and that closures that differ in one fact get different digests.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from earlog.engine.facts import scenario_facts
from earlog.engine.screening import ATTESTATION_REFS, ITEM_REFS, PARTY_LIST_REFS, PARTY_REFS, Screener, _tx_refs
from earlog.scenario.model import Attestation, CountryOverride, Item, Party, Scenario, Transaction

# ids that look like ASP, like role tokens, hold quotes, newlines, NULs, \x01, or are not ASCII
HOSTILE = ["x). license_required(y", "\x01e0", "\x01e1", 'owner "quoted"', "line\nbreak", "nul\x00id",
           "ünï cödé", "%% comment", "a,b", "\x01t", "e1"]


def _old_text(s: Screener, ids: tuple[str, ...], refs: tuple[Any, ...]) -> str:
    """The closure's text as `Screener._closure` made it before engine/closures.py: the tokenized
    scenario built whole (as `_mini` did), every fact printed by clingo, filtered to those read."""
    tokens = {x: "\x01e" + str(i) for i, x in enumerate(ids)}

    def tok(x: str | None) -> str | None:
        return None if x is None else tokens[x]

    item = s.items[ids[0]]
    attestations = [dataclasses.replace(a, **{f: tokens[getattr(a, f)] for f in ATTESTATION_REFS})
                    for a in item.attestations]
    mitem = dataclasses.replace(item, id=tokens[item.id], **{f: tok(getattr(item, f)) for f in ITEM_REFS},
                                attestations=attestations)
    parties = [dataclasses.replace(s.parties[x], id=tokens[x], **{f: tok(getattr(s.parties[x], f)) for f in PARTY_REFS},
                                   **{f: [tok(q) for q in getattr(s.parties[x], f)] for f in PARTY_LIST_REFS})
               for x in ids[1:] if x in s.parties]
    mini = Scenario(assume=s.base.assume, parameters=s.base.parameters, countries=s.base.countries,
                    parties=parties, items=[mitem])
    text = "\n".join(str(f) for f in scenario_facts(mini) if f.name in s.contract.reads)
    return text + "\n" + repr(tuple(tokens.get(r) if r is not None else None for r in refs))


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()


def _tx(n: int, item: str, consignee: str, **kw: Any) -> Transaction:
    return Transaction(id=f"o{n}", kind="export", item=item, quantity=10, from_="US", to="BR",
                       consignee=consignee, date=20250301, **kw)


def _base(ids: list[str]) -> tuple[Scenario, list[Transaction]]:
    """Parties under hostile ids in ownership trees (parents, employers, trains_models_for),
    items naming designers and attesters (one ECCN equal to a party's id), an overlay."""
    a, b, c, d, e, f, g, h = ids[:8]
    parties = [
        Party(id=a, hq="BR", located="BR"),
        Party(id=b, hq="BR", located="BR", parent=a),
        Party(id=c, hq="CN", parent=a, government_controlled=True),
        Party(id=d, hq="BR", located="BR", permanent_employee_of=b, trains_models_for=[e, a]),
        Party(id=e, hq="SG", located="SG", distributor=True, deployment={"BR": 5, "MX": 7}),
        Party(id=f, hq="BR", located="BR"),  # as a but under another id: same facts
        Party(id=g, hq="BR", located="MX"),
        Party(id=h, hq="BR", located="BR", entity_list="fn4"),
    ]
    items = [
        Item(id="h100", eccn="3A090.a", tpp=15832, datacenter=True, designer="approved"),
        Item(id="chip", eccn=a, tpp=4800, datacenter=None, designed_by=g, fabricated_by=c,
             attestations=[Attestation(kind="datasheet", by=e, tpp_milli=4_800_000)]),
        Item(id="chip2", eccn=f, tpp=4800, datacenter=None, designed_by=g, fabricated_by=c,
             attestations=[Attestation(kind="datasheet", by=e, tpp_milli=4_800_000)]),
    ]
    base = Scenario(parties=parties, items=items, assume={}, parameters={},
                    countries={"SG": CountryOverride(code="SG", tier=2), "PE": CountryOverride(code="PE", tier=3)})
    txs = [_tx(n, it, p, end_user=eu, exporter=ex) for n, (it, p, eu, ex) in enumerate(
        [(it, p, eu, ex) for it in ("h100", "chip", "chip2") for p in ids[:8] for eu in (None, a, p)
         for ex in (None, d)])]
    return base, txs


def _closures(ids: list[str]) -> tuple[Screener, list[int]]:
    base, txs = _base(ids)
    s = Screener(base)
    return s, [s._closure(_tx_refs(t)) for t in txs]


def test_each_closures_text_is_the_whole_scenarios_byte_for_byte() -> None:
    for ids in (["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"], HOSTILE[:8], HOSTILE[3:] + HOSTILE[:3]):
        base, txs = _base(ids)
        s = Screener(base)
        assert len(txs) > 100
        for t in txs:
            refs = _tx_refs(t)
            cid = s._closure(refs)
            c = s._closure_list[cid]
            assert s._facts.text(c.ids, refs) == _old_text(s, c.ids, refs)
            assert c.digest == _digest(_old_text(s, c.ids, refs))


def test_rows_share_closures_as_their_facts_say() -> None:
    """Some rows share a closure (one key for many deals), not all."""
    s, cids = _closures(HOSTILE[:8])
    digests = [s._closure_list[c].digest for c in cids]
    assert 10 < len(set(digests)) < len(digests)


def test_closures_that_differ_in_one_fact_are_not_conflated() -> None:
    s, _ = _closures(HOSTILE[:8])
    a, b, c, d, e, f, g, h = HOSTILE[:8]
    s.parties[HOSTILE[8]] = Party(id=HOSTILE[8], hq="BR", located="BR")  # as f (a has subsidiaries)

    def digest(t: Transaction) -> bytes:
        return s._closure_list[s._closure(_tx_refs(t))].digest

    # the same facts under another party's id: one closure
    assert digest(_tx(0, "h100", HOSTILE[8])) == digest(_tx(1, "h100", f))
    # one fact apart (located elsewhere, listed, owned by another party, owning others): apart
    assert digest(_tx(0, "h100", f)) != digest(_tx(1, "h100", g))
    assert digest(_tx(0, "h100", f)) != digest(_tx(1, "h100", h))
    assert digest(_tx(0, "h100", f)) != digest(_tx(1, "h100", b))
    assert digest(_tx(0, "h100", f)) != digest(_tx(1, "h100", a))
    # an end user that is the consignee, or another party with the same facts: apart (the roles differ)
    assert digest(_tx(0, "h100", f, end_user=f)) != digest(_tx(1, "h100", f, end_user=HOSTILE[8]))
    # an ECCN that equals a party's id is text, not a role token: items whose ECCNs name two
    # parties with the same facts differ
    assert digest(_tx(0, "chip", a)) != digest(_tx(1, "chip2", a))
    # each entity's cached facts are per (entity, tokens): the same party under another role token
    s2, _ = _closures(HOSTILE[:8])
    t1, t2 = _tx(0, "chip", e), _tx(1, "chip", a, exporter=e)
    assert (s2._closure_list[s2._closure(_tx_refs(t1))].digest
            == _digest(_old_text(s2, s2._closure_list[s2._closure(_tx_refs(t1))].ids, _tx_refs(t1))))
    assert (s2._closure_list[s2._closure(_tx_refs(t2))].digest
            == _digest(_old_text(s2, s2._closure_list[s2._closure(_tx_refs(t2))].ids, _tx_refs(t2))))


def test_the_solved_scenario_holds_the_entities_the_digest_was_made_from() -> None:
    """`_mini` (what a miss is solved from) uses the same tokenized entities as the digest."""
    s, cids = _closures(HOSTILE[:8])
    for cid in set(cids):
        ids = s._closure_list[cid].ids
        mini = s._mini(ids, None)
        tokens = {x: "\x01e" + str(i) for i, x in enumerate(ids)}
        assert mini.items[0] is s._facts.item(ids[0], tokens)[0]
        assert [p.id for p in mini.parties] == [tokens[x] for x in ids[1:] if x in s.parties]
        assert mini.items[0].id == "\x01e0"
