"""Semantic checks of a scenario against the policy's vocabulary.

Run before anything is evaluated, so a bad scenario is rejected whole: nothing
is evaluated partially.  The vocabulary (country codes, parameter names,
interpretations, ECCNs) comes from the policy's own facts.
"""

from __future__ import annotations

import difflib
from typing import Any

from earlog.errors import InputError
from earlog.scenario.model import Item, Scenario, Src, Transaction, Vocabulary, reference_fields, reference_label


def validate(sc: Scenario, vocab: Vocabulary) -> None:
    """Raise InputError for the first problem found, naming where it was written."""
    _check_overlay(sc, vocab)
    parties = _unique(sc.parties, "party")
    items = _unique(sc.items, "item")
    _unique([*sc.ledger, *sc.transactions], "transaction")

    def country(code: str | None, src: Src, field: str) -> None:
        if code is not None and code not in vocab.countries:
            raise InputError(str(src.at(field)),
                             f"unknown country code {code!r}{_hint(code, vocab.countries)}; "
                             "expected an ISO 3166-1 alpha-2 code")

    for p in sc.parties:
        country(p.hq, p.src, "hq")
        country(p.located, p.src, "located")
        if isinstance(p.government_controlled, str):
            country(p.government_controlled, p.src, "government_controlled")
        _check_party_refs(p, parties)
        if p.veu:
            for i, c in enumerate(p.veu.locations):
                country(c, p.src, f"veu.locations[{i}]")
        for code in p.deployment:
            country(code, p.src, f"deployment.{code}")
        if p.entity_list_entry is not None and p.entity_list_entry not in vocab.entity_list_entries:
            raise InputError(str(p.src.at("entity_list.entry")),
                             f"unknown Entity List entry {p.entity_list_entry!r}"
                             f"{_hint(p.entity_list_entry, vocab.entity_list_entries)}; earlog knows: "
                             f"{', '.join(sorted(vocab.entity_list_entries))} (list others with "
                             "{\"footnote\": 4 | 5 | null})")
    _check_cycles(sc)
    for it in sc.items:
        _check_item_parties(it, parties)
        country(it.packaged_in, it.src, "packaged_in")
        if it.eccn is not None and it.eccn not in vocab.eccns:
            raise InputError(str(it.src.at("eccn")),
                             f"unknown ECCN {it.eccn!r}{_hint(it.eccn, vocab.eccns)}; "
                             f"earlog knows: {', '.join(sorted(vocab.eccns))}")
        _check_software_technology(it, vocab)
    for t in [*sc.ledger, *sc.transactions]:
        _check_tx(t, parties, items, vocab, country)
        _check_locations(t, parties, vocab)


def _check_locations(t: Transaction, parties: dict, vocab: Vocabulary) -> None:
    """The consignee is the party that receives the items (15 CFR 772.1): a shipment to one
    country whose consignee is stated to be located in another is a contradiction, since the
    rules that read the destination and those that read the consignee's location would see
    different countries, and neither is safe to pick.  No scenario field states that the
    consignee receives the items somewhere else: `ultimate_destination` is where ACM's
    produced items go and `distributor` is who resells them, so neither excuses it; an
    onward shipment is a transaction of its own (a reexport from the first country)."""
    if t.kind not in vocab.shipped_kinds:  # policy/transactions.lp ships_to_consignee/1
        return
    consignee = parties.get(t.consignee)
    if consignee is None or consignee.located in (None, t.to):
        return
    onward = "" if t.kind == "in_country_transfer" else (
        "; an onward shipment is a reexport transaction of its own (ultimate_destination and "
        "distributor do not change where the consignee receives the items)")
    raise InputError(str(t.src.at("to")),
                     f"the {t.kind.replace('_', ' ')} goes to {t.to}, but its consignee {t.consignee!r} is "
                     f"located in {consignee.located} ({consignee.src}); give the country the consignee "
                     f"receives the items in, or the consignee's real location{onward}")


def require_transactions(sc: Scenario) -> None:
    """A scenario to evaluate must ask about something: `{}` is not an empty answer."""
    if not sc.transactions:
        raise InputError(str(sc.src.at("transactions")),
                         "the scenario has no transactions, so there is nothing to decide; "
                         "give at least one in \"transactions\"")


def _party_refs(obj: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """(path, label, party id) of every party the object names (model.refers_to marks the fields)."""
    cls = type(obj)
    out = [(prefix + f, reference_label(cls, f), getattr(obj, f)) for f in reference_fields(cls, "party")]
    out += [(f"{prefix}{f}[{i}]", reference_label(cls, f), q)
            for f in reference_fields(cls, "party", many=True) for i, q in enumerate(getattr(obj, f))]
    return out


def _check_party_refs(obj: Any, parties: dict, refs: list | None = None) -> None:
    """The parties an object names are declared."""
    for path, label, pid in refs if refs is not None else _party_refs(obj):
        if pid is not None and pid not in parties:
            raise InputError(str(obj.src.at(path)), f"{label} {pid!r} is not a declared party{_hint(pid, parties)}")


def _check_item_parties(it: Item, parties: dict) -> None:
    """The parties an item names (its designer, fabricator, packager, attesting parties) are declared."""
    refs = _party_refs(it)
    for i, a in enumerate(it.attestations):
        refs += _party_refs(a, f"attestations[{i}].")
    _check_party_refs(it, parties, refs=refs)


def _check_software_technology(it: Item, vocab: Vocabulary) -> None:
    """Software and technology are classified by the hardware they are for: never guessed."""
    sw = vocab.software_technology_eccns
    if it.eccn in sw and it.for_eccn is None:
        raise InputError(str(it.src.at("eccn")),
                         f"ECCN {it.eccn!r} is software or technology: give for_eccn, the ECCN of the hardware "
                         "it is for (such as \"3A090.a\")")
    if it.for_eccn is not None:
        if it.eccn not in sw:
            raise InputError(str(it.src.at("for_eccn")),
                             f"for_eccn is given only for software or technology ECCNs "
                             f"({', '.join(sorted(sw))}), not for {it.eccn!r}")
        if it.for_eccn not in vocab.hardware_eccns:
            raise InputError(str(it.src.at("for_eccn")),
                             f"unknown hardware ECCN {it.for_eccn!r}{_hint(it.for_eccn, vocab.hardware_eccns)}; "
                             f"expected one of {', '.join(sorted(vocab.hardware_eccns))}")


def _check_tx(t: Transaction, parties: dict, items: dict, vocab: Vocabulary, country) -> None:
    if t.item not in items:
        raise InputError(str(t.src.at("item")), f"item {t.item!r} is not a declared item{_hint(t.item, items)}")
    _check_party_refs(t, parties)
    country(t.from_, t.src, "from")
    country(t.to, t.src, "to")
    country(t.ultimate_destination, t.src, "ultimate_destination")
    if t.authorization is not None:
        known = {a.lower(): a for a in vocab.authorizations}
        if t.authorization.lower() not in known:
            raise InputError(str(t.src.at("authorization")),
                             f"unknown authorization {t.authorization!r}; expected one of "
                             f"{', '.join(sorted(vocab.authorizations))}")


def _check_overlay(sc: Scenario, vocab: Vocabulary) -> None:
    if vocab.versions and sc.policy not in vocab.versions:
        raise InputError(str(sc.overlay_src.get("policy", sc.src.at("policy"))),
                         f"unknown policy version {sc.policy!r}; this policy folder encodes "
                         f"{', '.join(repr(x) for x in sorted(vocab.versions))}")
    for q, a in sc.assume.items():
        where = str(sc.overlay_src.get(f"assume.{q}", sc.src))
        if q not in vocab.interpretations:
            raise InputError(where, f"unknown interpretation {q!r}{_hint(q, vocab.interpretations)}; "
                                    f"known: {', '.join(sorted(vocab.interpretations))}")
        if a not in vocab.interpretations[q]:
            raise InputError(where, f"{q} has no alternative {a!r}; expected one of "
                                    f"{', '.join(sorted(vocab.interpretations[q]))}")
    for name in sc.parameters:
        if name not in vocab.parameters:
            where = str(sc.overlay_src.get(f"parameters.{name}", sc.src))
            raise InputError(where, f"unknown parameter {name!r}{_hint(name, vocab.parameters)}; "
                                    f"known: {', '.join(sorted(vocab.parameters))}")
    for code, ov in sc.countries.items():
        if code not in vocab.countries:
            raise InputError(str(ov.src), f"unknown country code {code!r}{_hint(code, vocab.countries)}; "
                                          "expected an ISO 3166-1 alpha-2 code")
        for i, g in enumerate(ov.groups or []):
            if g not in vocab.groups:
                raise InputError(str(ov.src.at(f"groups[{i}]")),
                                 f"unknown country group {g!r}; expected one of {', '.join(sorted(vocab.groups))}")


def _unique(objs: list, what: str) -> dict:
    seen: dict = {}
    for o in objs:
        if o.id in seen:
            raise InputError(str(o.src.at("id")), f"{what} id {o.id!r} is declared twice "
                                                  f"(first at {seen[o.id].src})")
        seen[o.id] = o
    return seen


def _check_cycles(sc: Scenario) -> None:
    parent = {p.id: p.parent for p in sc.parties}
    src = {p.id: p.src for p in sc.parties}
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in on_path:
                cycle = path[path.index(node):] + [node]
                shown = [repr(c) for c in cycle]
                if len(shown) > 8:  # a cycle of 100,000 parties is named by its ends, on one line
                    shown = [*shown[:4], f"... ({len(cycle) - 6:,} more) ...", *shown[-2:]]
                raise InputError(str(src[node].at("parent")), "ownership cycle: " + " -> ".join(shown))
            path.append(node)
            on_path.add(node)
            node = parent.get(node)
        done.update(path)


def _hint(word: str, options) -> str:
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
