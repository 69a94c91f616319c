"""A transaction's closure as the keyed screener holds it: its entities with role tokens, and the
canonical text of their facts that the closure's digest hashes (engine/screening.py).

The text is that of `scenario_facts` over the closure's scenario (the overlay, the tokenized
parties, the tokenized item), filtered to the predicates some rule reads, then the role tokens
of the transaction's references.  Each entity's facts depend only on the entity and on the
tokens its own id and the ids it names get, so they are made once per (entity, those tokens)
and the closure's text is put together from them: a deal seen before under other names, or a
party in many deals, costs dictionary look-ups, not clingo symbols.  The text is the same,
byte for byte, as that of the whole closure's scenario (tests/test_screening_closures.py).
User text enters only as clingo String symbols, printed by clingo (quoted and escaped).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from clingo import Function

from earlog.engine.facts import scenario_facts
from earlog.scenario.model import Attestation, Item, Party, Scenario, reference_fields

PARTY_REFS = reference_fields(Party, "party")
PARTY_LIST_REFS = reference_fields(Party, "party", many=True)  # lists of party ids
ITEM_REFS = reference_fields(Item, "party")
ATTESTATION_REFS = reference_fields(Attestation, "party")
COUNTRY_FACT = "scenario_country"  # scenario_facts' last facts: the country codes the others named


def tokenized_party(p: Party, tokens: dict[str, str]) -> Party:
    """The party with its id and the parties it names as role tokens."""
    def tok(x: str | None) -> str | None:
        return None if x is None else tokens[x]

    return dataclasses.replace(p, id=tokens[p.id], **{f: tok(getattr(p, f)) for f in PARTY_REFS},
                               **{f: [tok(q) for q in getattr(p, f)] for f in PARTY_LIST_REFS})


def tokenized_item(item: Item, tokens: dict[str, str]) -> Item:
    """The item with its id, the parties it names and its attesters as role tokens."""
    def tok(x: str | None) -> str | None:
        return None if x is None else tokens[x]

    attestations = [dataclasses.replace(a, **{f: tokens[getattr(a, f)] for f in ATTESTATION_REFS})
                    for a in item.attestations]
    return dataclasses.replace(item, id=tokens[item.id], **{f: tok(getattr(item, f)) for f in ITEM_REFS},
                               attestations=attestations)


def _party_slots(p: Party, tokens: dict[str, str]) -> tuple[Any, ...]:
    """The tokens a party's tokenized form depends on (with its id: the cache key)."""
    return (p.id, tokens[p.id], *(None if getattr(p, f) is None else tokens[getattr(p, f)] for f in PARTY_REFS),
            *(tuple(tokens[q] for q in getattr(p, f)) for f in PARTY_LIST_REFS))


def _item_slots(item: Item, tokens: dict[str, str]) -> tuple[Any, ...]:
    return (item.id, tokens[item.id],
            *(None if getattr(item, f) is None else tokens[getattr(item, f)] for f in ITEM_REFS),
            *(tokens[getattr(a, f)] for a in item.attestations for f in ATTESTATION_REFS))


class ClosureFacts:
    """The tokenized entities of closures and their fact text, per (entity, tokens), for one base."""

    def __init__(self, base: Scenario, parties: dict[str, Party], items: dict[str, Item],
                 reads: frozenset[str]) -> None:
        self.parties = parties
        self.items = items
        self.reads = reads
        overlay = Scenario(assume=base.assume, parameters=base.parameters, countries=base.countries)
        self.overlay_lines, self.overlay_seen = self._lines(overlay)
        self._party: dict[tuple[Any, ...], tuple[Party, tuple[str, ...], frozenset[str]]] = {}
        self._item: dict[tuple[Any, ...], tuple[Item, tuple[str, ...], frozenset[str]]] = {}
        self._country: dict[str, str] = {}

    def _lines(self, sc: Scenario) -> tuple[tuple[str, ...], frozenset[str]]:
        """(the facts of sc that are read, printed; the country codes its facts named)."""
        lines: list[str] = []
        seen: set[str] = set()
        reads = self.reads
        for s in scenario_facts(sc):
            name = s.name
            if name == COUNTRY_FACT:
                seen.add(s.arguments[0].name)
            elif name in reads:
                lines.append(str(s))
        return tuple(lines), frozenset(seen)

    def party(self, x: str, tokens: dict[str, str]) -> tuple[Party, tuple[str, ...], frozenset[str]]:
        """(the tokenized party, its facts that are read, the countries they name)."""
        p = self.parties[x]
        k = _party_slots(p, tokens)
        got = self._party.get(k)
        if got is None:
            mp = tokenized_party(p, tokens)
            got = self._party[k] = (mp, *self._lines(Scenario(parties=[mp])))
        return got

    def item(self, x: str, tokens: dict[str, str]) -> tuple[Item, tuple[str, ...], frozenset[str]]:
        """(the tokenized item, its facts that are read, the countries they name)."""
        item = self.items[x]
        k = _item_slots(item, tokens)
        got = self._item.get(k)
        if got is None:
            mi = tokenized_item(item, tokens)
            got = self._item[k] = (mi, *self._lines(Scenario(items=[mi])))
        return got

    def text(self, ids: tuple[str, ...], refs: tuple[Any, ...]) -> str:
        """The closure's canonical text: its scenario's facts that are read, then the tokens of the
        transaction's references (the same text as scenario_facts over the closure's whole scenario)."""
        tokens = {x: f"\x01e{i}" for i, x in enumerate(ids)}
        lines = list(self.overlay_lines)
        seen = set(self.overlay_seen)
        for x in ids[1:]:
            if x in self.parties:
                _p, ls, cs = self.party(x, tokens)
                lines += ls
                seen |= cs
        _i, ls, cs = self.item(ids[0], tokens)
        lines += ls
        seen |= cs
        if COUNTRY_FACT in self.reads:
            country = self._country
            for code in sorted(seen):
                line = country.get(code)
                if line is None:
                    line = country[code] = str(Function(COUNTRY_FACT, [Function(code)]))
                lines.append(line)
        text = "\n".join(lines)
        return text + "\n" + repr(tuple(tokens.get(r) if r is not None else None for r in refs))
