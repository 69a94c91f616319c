"""Where the leaves of an explanation come from.

A why-tree ends in facts nobody derived: scenario facts (pointing back to the
party, item or transaction and the field that stated them, with the file and JSON
path or DSL line), policy facts (with the file:line where they are written and the
comment that cites them), and the few facts the engine itself enters (the order
of a chain, the countries a scenario mentions).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import clingo
from clingo import Symbol, SymbolType, ast

from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy
from earlog.scenario.model import Scenario, Src

# input predicate -> the scenario field that states it (the JSON name)
_PARTY_FIELDS = {
    "party": "id", "party_hq": "hq", "party_parent": "parent", "party_located": "located",
    "government_control": "government_controlled", "distributor": "distributor",
    "veu_status": "veu.type", "veu_location": "veu.locations", "party_role": "role",
    "approved_ic_designer": "approved_ic_designer", "approved_osat": "approved_osat",
    "agrees_to_report": "agrees_to_report", "deployment": "deployment",
}
_ITEM_FIELDS = {
    "item": "id", "item_eccn": "eccn", "item_tpp": "tpp", "datacenter": "datacenter",
    "designer": "designer", "item_processing_unit": "processing_units",
    "item_die_area_milli": "die_area", "item_pd_milli": "performance_density", "item_hbm": "hbm",
    "item_transistor_count": "transistor_count", "item_node_nm": "node_nm",
    "item_non_planar": "non_planar", "item_logic_ic": "logic_ic", "item_designed_by": "designed_by",
    "item_fabricated_by": "fabricated_by", "item_packaged_by": "packaged_by",
    "item_packaged_in": "packaged_in", "attestation": "attestations",
}
_TX_FIELDS = {
    "tx": "id", "tx_ledger": "id", "tx_kind": "kind", "tx_item": "item", "tx_quantity": "quantity",
    "tx_from": "from", "tx_to": "to", "tx_consignee": "consignee", "tx_date": "date",
    "tx_end_user": "end_user", "tx_end_use": "end_use", "tx_ultimate_destination": "ultimate_destination",
    "tx_authorization": "authorization", "tx_exporter": "exporter",
}
_COUNTRY_FIELDS = {"tier_override": "tier", "group_override": "groups", "supp5_b_override": "supp5_b"}
INPUT_NAMES = frozenset({*_PARTY_FIELDS, *_ITEM_FIELDS, *_TX_FIELDS, *_COUNTRY_FIELDS, "assume", "param_override"})
ENGINE_FACTS = {
    "chain_first": "entered by the engine: the first shipment of its chain, in evaluation order "
                   "(by date, ledger first, then file order)",
    "chain_next": "entered by the engine: the next shipment of the same chain, in evaluation order "
                  "(by date, ledger first, then file order)",
    "scenario_country": "entered by the engine for every country the scenario mentions",
}


@dataclass(frozen=True)
class Origin:
    """Where a leaf fact was written."""

    kind: str  # "scenario" | "policy" | "engine" | "unknown"
    where: str  # file and JSON path / line for the scenario; file:line for the policy
    cite: str = ""  # for a policy fact: the comment above it
    what: str = ""  # for a scenario fact: the object and field, e.g. "transaction t1, field to"


class Sources:
    """Finds the origin of leaf facts for one scenario and policy."""

    def __init__(self, sc: Scenario, policy: Policy) -> None:
        self.sc = sc
        self.policy = policy
        self.inputs = set(scenario_facts(sc))
        self.policy_facts = policy_fact_index(policy.root, tuple(policy.files))

    def origin(self, atom: Symbol) -> Origin:
        if atom.name in ENGINE_FACTS:
            return Origin("engine", "earlog engine", what=ENGINE_FACTS[atom.name])
        if atom in self.inputs:
            return self._scenario(atom)
        hit = self.policy_facts.get(atom)
        if hit is not None:
            return Origin("policy", f"{hit[0]}:{hit[1]}", cite=hit[2])
        return Origin("unknown", "")

    def _scenario(self, atom: Symbol) -> Origin:
        sc = self.sc
        name = atom.name
        args = atom.arguments
        first = args[0] if args else None
        key = first.string if first is not None and first.type == SymbolType.String else None
        if name == "assume" and first is not None:
            return self._overlay(f"assume.{first.name}", f"assumption {first.name}")
        if name == "param_override" and first is not None:
            return self._overlay(f"parameters.{first.name}", f"parameter {first.name}")
        if name in _COUNTRY_FIELDS and first is not None:
            ov = sc.countries.get(first.name.upper())
            if ov is not None:
                return self._at(ov.src, _COUNTRY_FIELDS[name], f"country {ov.code}")
        if key is not None:
            if name in _TX_FIELDS or name.startswith("tx_"):
                t = next((t for t in [*sc.transactions, *sc.ledger] if t.id == key), None)
                if t is not None:
                    what = "ledger entry" if t.ledger else "transaction"
                    return self._at(t.src, _TX_FIELDS.get(name), f"{what} {key}")
            if name in _ITEM_FIELDS or name.startswith("item_"):
                it = sc.item(key)
                if it is not None:
                    return self._at(it.src, _ITEM_FIELDS.get(name), f"item {key}")
            p = sc.party(key)
            if p is not None:
                return self._at(p.src, _PARTY_FIELDS.get(name), f"party {key}")
        return self._at(sc.src, None, "the scenario")

    def _overlay(self, key: str, what: str) -> Origin:
        src = self.sc.overlay_src.get(key, self.sc.src)
        return Origin("scenario", _where(src), what=what)

    @staticmethod
    def _at(src: Src, field: str | None, what: str) -> Origin:
        if field is not None and field != "id":
            return Origin("scenario", _where(src.at(field)), what=f"{what}, field {field}")
        return Origin("scenario", _where(src), what=what)


def _where(src: Src) -> str:
    return str(src) if (src.file or src.path) else "the scenario"


@functools.lru_cache(maxsize=8)
def policy_fact_index(root: str, files: tuple[str, ...]) -> dict[Symbol, tuple[str, int, str]]:
    """Every ground fact written in the policy -> (file, line, the comment that cites it).

    The comment is the nearest block of `%` lines above the fact (other facts and
    blank lines in between are skipped), which is where policy/ puts the source of
    a list of facts.
    """
    out: dict[Symbol, tuple[str, int, str]] = {}
    for rel in files:
        text = (Path(root) / rel).read_text(encoding="utf-8")
        lines = text.splitlines()
        stmts: list[ast.AST] = []
        ast.parse_string(text, stmts.append)
        for stmt in stmts:
            if stmt.ast_type != ast.ASTType.Rule or stmt.body:
                continue
            head = stmt.head
            if head.ast_type != ast.ASTType.Literal or head.atom.ast_type != ast.ASTType.SymbolicAtom:
                continue
            try:
                sym = clingo.parse_term(str(head.atom.symbol))
            except RuntimeError:
                continue  # not ground (a pool, an interval): no single symbol to look up
            line = stmt.location.begin.line
            out.setdefault(sym, (rel, line, _comment_above(lines, line)))
    return out


@functools.lru_cache(maxsize=8)
def policy_names(root: str, files: tuple[str, ...]) -> tuple[dict[Symbol, str], dict[str, str]]:
    """(country constant -> name, parameter -> the citation above its default), read
    once per policy from its facts."""
    countries: dict[Symbol, str] = {}
    params: dict[str, str] = {}
    for s, (_f, _l, comment) in policy_fact_index(root, files).items():
        if s.name == "country" and len(s.arguments) == 2 and s.arguments[1].type == SymbolType.String:
            countries[s.arguments[0]] = s.arguments[1].string
        elif s.name == "param_default" and s.arguments:
            params[s.arguments[0].name] = short_cite(comment)
    return countries, params


_DECOR = re.compile(r"^[%\s=-]*|[\s=-]*$")


def _comment_above(lines: list[str], line: int) -> str:
    """The comment block a fact sits under: facts directly above it are skipped, a
    blank line ends the search (the comment above a blank line heads something else)."""
    i = line - 2
    while i >= 0 and lines[i].strip() and not lines[i].lstrip().startswith("%"):
        i -= 1
    if i < 0 or not lines[i].strip():
        return ""
    block: list[str] = []
    while i >= 0 and lines[i].lstrip().startswith("%") and not lines[i].startswith("%%"):
        block.append(_DECOR.sub("", lines[i].strip()))
        i -= 1
    return " ".join(b for b in reversed(block) if b)


_CFR = re.compile(r"15 CFR (?:part )?[0-9]+(?:\.[0-9]+)?(?:\([a-z0-9]+\))*(?:, Supp\. No\. [0-9]+)?")
_SEED = re.compile(r"seed 00[0-9]")


def short_cite(comment: str) -> str:
    """The narrowest citation a comment names ("15 CFR 740.29", else "seed 004")."""
    m = _CFR.search(comment)
    if m:
        return m.group(0)
    m = _SEED.search(comment)
    return m.group(0) if m else ""
