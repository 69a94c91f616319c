"""Turn a scenario into clingo symbols: the input predicates the policy reads.

User text never becomes ASP source: every id is a clingo String, every code a
constant built through the API after validation, so a party named
`x). license_required(y` is just a name.

The facts are made through a `Make` (how a function, string, number, amount and
constant are built): `SYMBOLS` gives clingo symbols; `ENCODED` gives the same facts
as plain Python values (keyed.encode's form: ints, strings, ("f", name, True, args)),
which the keyed engine looks up in a memo instead of building every symbol of every
key through clingo's API (keyed._entry_facts; tests/test_keyed_reading.py compares both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from clingo import Function, Number, String, Symbol

from earlog.engine.arith import _MAX, big
from earlog.scenario.model import Item, Party, Scenario, Transaction


def const(name: str) -> Symbol:
    return Function(name.lower())


def group(name: str) -> Symbol:
    """"D:5" -> d5, the policy's constant for a country group."""
    return Function(name.replace(":", "").lower())


def tx_symbol(t: Transaction) -> Symbol:
    return String(t.id)


class Make(NamedTuple):
    """How the parts of a fact are built: F(name, args), S(text), N(int), B(amount: big), C(constant)."""

    F: Callable[[str, list[Any]], Any]
    S: Callable[[str], Any]
    N: Callable[[int], Any]
    B: Callable[[int], Any]
    C: Callable[[str], Any]


class Unencodable(Exception):
    """A value ENCODED does not take as it is (not exactly an int or a str): the caller builds the
    facts as symbols instead, so a value clingo would convert or refuse is left to clingo."""


def _enc_int(n: Any) -> int:
    if type(n) is not int or not -_MAX <= n <= _MAX:
        raise Unencodable(n)
    return n


def _enc_str(s: Any) -> str:
    if type(s) is not str:
        raise Unencodable(s)
    return s


def _enc_big(n: Any) -> Any:
    """big(n) in encoded form: an int where it fits clingo's numbers, else its digits."""
    if type(n) is not int:
        raise Unencodable(n)
    return n if -_MAX <= n <= _MAX else str(n)


def _enc_const(name: Any) -> tuple[Any, ...]:
    if type(name) is not str:
        raise Unencodable(name)
    return ("f", name, True, ())


SYMBOLS = Make(F=Function, S=String, N=Number, B=big, C=Function)
# the same facts as plain values (keyed.encode's form): decode(x) for x in scenario_facts(sc, ENCODED)
# is scenario_facts(sc), or Unencodable is raised
ENCODED = Make(F=lambda name, args: ("f", name, True, tuple(args)), S=_enc_str, N=_enc_int, B=_enc_big,
               C=_enc_const)


def scenario_facts(sc: Scenario, mk: Make = SYMBOLS) -> Iterator[Any]:
    """Every input fact of the scenario, then `scenario_country(C)` for each country
    code that appeared in them (the policy derives tiers only for those)."""
    seen: set[str] = set()
    yield from _facts(sc, seen, mk)
    for code in sorted(seen):
        yield mk.F("scenario_country", [mk.C(code)])


def _facts(sc: Scenario, seen: set[str], mk: Make = SYMBOLS) -> Iterator[Any]:
    F, String, Number, big, C = mk

    def const(name: str) -> Any:
        return C(name.lower())

    def group(name: str) -> Any:
        return C(name.replace(":", "").lower())

    def country(code: str) -> Any:
        """Every country code goes through here, so scenario_country/1 misses none."""
        seen.add(code.lower())
        return C(code.lower())

    for q, a in sc.assume.items():
        yield F("assume", [const(q), const(a)])
    for name, v in sc.parameters.items():
        yield F("param_override", [const(name), big(v)])
    for code, ov in sc.countries.items():
        c = country(code)
        if ov.tier is not None:
            yield F("tier_override", [c, Number(ov.tier)])
        if ov.groups is not None:
            for g in ov.groups:
                yield F("group_override", [c, group(g)])
            if not ov.groups:
                yield F("group_override", [c, const("none")])
        if ov.supp5_b is not None:
            yield F("supp5_b_override", [c, const("true" if ov.supp5_b else "false")])
    for p in sc.parties:
        s = String(p.id)
        yield F("party", [s])
        yield F("party_hq", [s, country(p.hq)])
        if p.parent is not None:
            yield F("party_parent", [s, String(p.parent)])
        if p.located is not None:
            yield F("party_located", [s, country(p.located)])
        else:
            yield F("located_unknown", [s])  # missing_facts.lp decides what that means
        if p.government_controlled is True:
            yield F("government_control", [s, const("unspecified")])
        elif isinstance(p.government_controlled, str):
            yield F("government_control", [s, country(p.government_controlled)])
        if p.distributor:
            yield F("distributor", [s])
        if p.veu is not None:
            yield F("veu_status", [s, const(p.veu.type)])
            for c in p.veu.locations:
                yield F("veu_location", [s, country(c)])
        yield from _party_dd_facts(p, s, country, mk)
        yield from _party_law_facts(p, s, mk)
    for it in sc.items:
        s = String(it.id)
        yield F("item", [s])
        if it.eccn is not None:
            yield F("item_eccn", [s, String(it.eccn)])
        if it.for_eccn is not None:
            yield F("item_for_eccn", [s, String(it.for_eccn)])
        if it.tpp is not None:
            yield F("item_tpp", [s, big(it.tpp)])
        if it.datacenter:
            yield F("datacenter", [s])
        elif it.datacenter is None:
            yield F("datacenter_unknown", [s])  # missing_facts.lp decides what that means
        if it.designer is not None:
            yield F("designer", [s, const(it.designer)])
        yield from _item_dd_facts(it, s, country, mk)
        yield from _item_law_facts(it, s, mk)
    for t in sc.in_order():
        yield from _tx_facts(t, country, mk)


def _party_law_facts(p: Party, s: Any, mk: Make = SYMBOLS) -> Iterator[Any]:
    """Entity List status and facilities (entity_list.lp), employment and storage (weights.lp)."""
    F, String, Number, big, C = mk

    def const(name: str) -> Any:
        return C(name.lower())
    if p.entity_list is not None:
        yield F("party_entity_list", [s, const(p.entity_list)])
    if p.entity_list_entry is not None:
        yield F("party_entity_list_entry", [s, const(p.entity_list_entry)])
    if p.permanent_employee_of is not None:
        yield F("permanent_employee_of", [s, String(p.permanent_employee_of)])
    if p.storage_meets_supp10:
        yield F("storage_meets_supp10", [s])
    for q in p.trains_models_for:
        yield F("trains_models_for", [s, String(q)])
    if p.produces_ics is not None:
        yield F("party_produces_ics", [s, const(p.produces_ics.ic_type)])
        if p.produces_ics.node_nm is not None:
            yield F("party_logic_node_nm", [s, Number(p.produces_ics.node_nm)])
        if p.produces_ics.non_planar:
            yield F("party_non_planar", [s])
        if p.produces_ics.advanced_node:
            yield F("party_advanced_node_dram", [s])


def _item_law_facts(it: Item, s: Any, mk: Make = SYMBOLS) -> Iterator[Any]:
    """Model-weight facts (weights.lp) and production facts (jurisdiction.lp, entity_list.lp, dates.lp)."""
    F, String, Number, big, C = mk

    def const(name: str) -> Any:
        return C(name.lower())
    if it.training_ops is not None:
        yield F("item_training_ops", [s, big(it.training_ops)])
    if it.published_weights:
        yield F("published_weights", [s])
    if it.below_best_open_weights:
        yield F("below_best_open_weights", [s, const(it.below_best_open_weights_by)])
    for e in it.produced_with:
        yield F("item_produced_with", [s, String(e)])
    for flag in ("foreign_produced", "us_direct_product", "us_content"):
        if getattr(it, flag):
            yield F(flag, [s])
    if it.is_informed_exemption is not None:
        yield F("item_is_informed_exemption", [s, Number(it.is_informed_exemption)])


def _party_dd_facts(p: Party, s: Any, country: Callable[[str], Any], mk: Make = SYMBOLS) -> Iterator[Any]:
    """Due-diligence roles (due_diligence.lp) and the deployment plan (veu_limits.lp)."""
    F, String, Number, big, C = mk

    def const(name: str) -> Any:
        return C(name.lower())
    if p.role is not None:
        yield F("party_role", [s, const(p.role)])
    for flag in ("approved_ic_designer", "approved_osat", "agrees_to_report"):
        if getattr(p, flag):
            yield F(flag, [s])
    for code, tpp in p.deployment.items():
        yield F("deployment", [s, country(code), big(tpp)])


def _item_dd_facts(it: Item, s: Any, country: Callable[[str], Any], mk: Make = SYMBOLS) -> Iterator[Any]:
    """Chip specifications (classification.lp) and Note 1 facts (due_diligence.lp)."""
    F, String, Number, big, C = mk

    def const(name: str) -> Any:
        return C(name.lower())
    for k, u in enumerate(it.processing_units):
        yield F("item_processing_unit", [s, Number(k), big(u.mac_tops_milli), Number(u.bit_length)])
    if it.die_area_milli is not None:
        yield F("item_die_area_milli", [s, big(it.die_area_milli)])
    if it.performance_density_milli is not None:
        yield F("item_pd_milli", [s, big(it.performance_density_milli)])
    if it.hbm is not None:
        yield F("item_hbm", [s, const("true" if it.hbm else "false")])
    if it.transistor_count is not None:
        yield F("item_transistor_count", [s, big(it.transistor_count)])
    if it.node_nm is not None:
        yield F("item_node_nm", [s, big(it.node_nm)])
    if it.non_planar:
        yield F("item_non_planar", [s])
    if it.logic_ic:
        yield F("item_logic_ic", [s])
    for pred, pid in (("item_designed_by", it.designed_by), ("item_fabricated_by", it.fabricated_by),
                      ("item_packaged_by", it.packaged_by)):
        if pid is not None:
            yield F(pred, [s, String(pid)])
    if it.packaged_in is not None:
        yield F("item_packaged_in", [s, country(it.packaged_in)])
    for k, a in enumerate(it.attestations):
        key = Number(k)
        yield F("attestation", [s, key, const(a.kind), String(a.by)])
        if a.tpp_milli is not None:
            yield F("attested_tpp_milli", [s, key, big(a.tpp_milli)])
        if a.performance_density_milli is not None:
            yield F("attested_pd_milli", [s, key, big(a.performance_density_milli)])
        if a.transistor_count is not None:
            yield F("attested_transistor_count", [s, key, big(a.transistor_count)])
        if a.hbm is not None:
            yield F("attested_hbm", [s, key, const("true" if a.hbm else "false")])


def _tx_facts(t: Transaction, country: Callable[[str], Any], mk: Make = SYMBOLS) -> Iterator[Any]:
    F, String, Number, big, C = mk

    def const(name: str) -> Any:
        return C(name.lower())
    s = String(t.id)
    yield F("tx", [s])
    if t.ledger:
        yield F("tx_ledger", [s])
    yield F("tx_kind", [s, const(t.kind)])
    yield F("tx_item", [s, String(t.item)])
    yield F("tx_quantity", [s, big(t.quantity)])
    yield F("tx_from", [s, country(t.from_)])
    yield F("tx_to", [s, country(t.to)])
    yield F("tx_consignee", [s, String(t.consignee)])
    yield F("tx_date", [s, Number(t.date)])
    if t.end_user is not None:
        yield F("tx_end_user", [s, String(t.end_user)])
    if t.end_use is not None:
        yield F("tx_end_use", [s, const(t.end_use)])
    if t.ultimate_destination is not None:
        yield F("tx_ultimate_destination", [s, country(t.ultimate_destination)])
    if t.authorization is not None:
        yield F("tx_authorization", [s, const(t.authorization)])
    if t.exporter is not None:
        yield F("tx_exporter", [s, String(t.exporter)])
    if t.en_route_on is not None:
        yield F("tx_en_route_on", [s, Number(t.en_route_on)])
    if t.provider is not None:
        yield F("tx_provider", [s, String(t.provider)])
    if t.prior_certification:
        yield F("tx_prior_certification", [s])
    if t.prior_notification:
        yield F("tx_prior_notification", [s])
    if t.training_authorized_by_bis:
        yield F("tx_bis_training_authorization", [s])
    if t.replaces_attrition is not None:
        yield F("tx_replaces_attrition", [s, const(t.replaces_attrition)])
    if t.for_advanced_node_production:
        yield F("tx_for_advanced_node_production", [s])
