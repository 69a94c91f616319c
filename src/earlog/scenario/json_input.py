"""Read a scenario from JSON, strictly: unknown fields, wrong types and dangling
references are errors naming the file and the JSON path, never guesses."""

from __future__ import annotations

import datetime as _dt
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from earlog.errors import InputError
from earlog.scenario import limits
from earlog.scenario.limits import read_text
from earlog.scenario.model import (
    ATTESTATION_KINDS,
    ATTRITION_CAUSES,
    AUTHORIZATION_ALIASES,
    DESIGNER_STATUSES,
    END_USES,
    ENTITY_LIST_FOOTNOTES,
    GROUP_NUMBERINGS,
    IC_TYPES,
    MILLI,
    OPEN_WEIGHT_DETERMINERS,
    PARTY_ROLES,
    TRANSACTION_KINDS,
    VEU_TYPES,
    Attestation,
    CountryOverride,
    Item,
    Party,
    ProcessingUnit,
    ProducesIcs,
    Scenario,
    Src,
    Transaction,
    Veu,
)

_TOP = {"policy", "assume", "parameters", "countries", "parties", "items", "transactions", "ledger"}
_PARTY = {"id", "hq", "parent", "located", "government_controlled", "distributor", "veu"}
_PARTY_DD = {"role", "approved_ic_designer", "approved_osat", "agrees_to_report", "deployment"}
_PARTY = _PARTY | _PARTY_DD
_VEU = {"type", "locations"}
_ITEM = {"id", "eccn", "tpp", "datacenter", "designer"}
_SPECS = {"mac_tops", "bit_length", "processing_units"}
_ITEM_DD = _SPECS | {
    "die_area_mm2", "performance_density", "hbm", "transistor_count", "node_nm", "non_planar",
    "logic_ic", "designed_by", "fabricated_by", "packaged_by", "packaged_in", "attestations",
}
_ITEM = _ITEM | _ITEM_DD
_ITEM_LAW = {
    "training_ops", "published_weights", "below_best_open_weights", "below_best_open_weights_by",
    "produced_with", "foreign_produced", "us_direct_product", "us_content", "is_informed_exemption",
}
_ITEM = _ITEM | _ITEM_LAW
_PARTY = _PARTY | {"entity_list", "permanent_employee_of", "storage_meets_supp10", "produces_ics"}
_ENTITY_LIST = {"footnote", "entry"}
_PRODUCES = {"ic_type", "node_nm", "non_planar", "advanced_node"}
_UNIT = {"mac_tops", "bit_length"}
_ATTESTATION = {"kind", "by", "tpp", "performance_density", "transistor_count", "hbm"}
_TX = {
    "id", "kind", "item", "quantity", "from", "to", "consignee", "end_user", "end_use",
    "date", "ultimate_destination",
}
_TX = _TX | {"exporter"}
_TX = _TX | {"en_route_on", "prior_certification", "provider", "training_authorized_by_bis",
             "for_advanced_node_production", "replaces_attrition"}
_LEDGER = _TX | {"authorization"}
_COUNTRY = {"tier", "groups", "supp5_b", "group", "numbering"}
_ECCN_FORMAT = re.compile(r"^[0-9][A-E][0-9]{3}(\.[a-z0-9]+)*$")


def load_json_file(path: str | Path) -> Scenario:
    """Parse a scenario file; every problem is an InputError naming file and JSON path."""
    p = Path(path)
    return load_json_text(read_text(p), file=str(p))


def load_json_text(text: str, file: str | None = None) -> Scenario:
    return scenario_from_dict(parse_json(text, file), file=file)


def parse_json(text: str, file: str | None = None) -> Any:
    """JSON text -> Python values, strictly: a key given twice, an integer too long to be
    an amount and nesting deeper than any scenario needs are errors, not last-wins or a crash."""
    try:
        data = json.loads(text, parse_float=_JsonFloat, parse_int=_json_int, object_pairs_hook=_JsonObject.of)
    except json.JSONDecodeError as e:
        where = f"{file}:{e.lineno}:{e.colno}" if file else f"line {e.lineno}, column {e.colno}"
        raise InputError(where, f"malformed JSON: {e.msg}") from None
    except RecursionError:
        raise InputError(file or "", f"JSON nested deeper than {limits.MAX_DEPTH} levels; "
                                     "a scenario needs a handful") from None
    limits.check_depth(data, file)
    return data


def scenario_from_dict(data: Any, file: str | None = None) -> Scenario:
    return _Reader(file).scenario(data)


class _Reader:
    def __init__(self, file: str | None) -> None:
        self.file = file

    def err(self, path: str, message: str) -> InputError:
        return InputError(str(Src(self.file, path)), message)

    # --- generic checks -------------------------------------------------

    def obj(self, v: Any, path: str, allowed: set[str], what: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.err(path, f"expected {what} (a JSON object), got {_show(v)}")
        dup = getattr(v, "duplicate", None)
        if dup is not None:
            raise self.err(f"{path}.{limits.key(dup)}", f"the key {dup!r} is given twice in {what}; "
                                                        "JSON keys must be unique")
        for k in v:
            if k not in allowed:
                hint = _did_you_mean(k, allowed)
                raise self.err(
                    f"{path}.{limits.key(k)}",
                    f"unknown field {k!r} in {what}{hint}; allowed: {', '.join(sorted(allowed))}",
                )
        return v

    def req(self, d: dict[str, Any], key: str, path: str, what: str) -> Any:
        if key not in d or d[key] is None:
            raise self.err(f"{path}.{key}", f"{what} needs the field {key!r}")
        return d[key]

    def string(self, v: Any, path: str, what: str = "a string") -> str:
        if not isinstance(v, str) or not v.strip():
            raise self.err(path, f"expected {what}, got {_show(v)}")
        bad = limits.bad_character(v)
        if bad is not None:
            raise self.err(path, f"expected {what} without control characters, got {_show(v)} "
                                 f"(it holds {bad}); such a name could merge with another or forge a report line")
        if len(v) > limits.MAX_NAME:
            raise self.err(path, f"expected {what} of at most {limits.MAX_NAME:,} characters, got {len(v):,}")
        return v

    def keyed(self, v: Any, path: str, what: str) -> dict[str, Any]:
        """A JSON object whose keys are names (interpretations, parameters, country codes)."""
        if not isinstance(v, dict):
            raise self.err(path, f"expected {what} (a JSON object), got {_show(v)}")
        d = self.obj(v, path, set(v), what)
        for k in d:
            self.string(k, f"{path}.{limits.key(k)}", "a key")
        return d

    def boolean(self, v: Any, path: str) -> bool:
        if not isinstance(v, bool):
            raise self.err(path, f"expected true or false, got {_show(v)}")
        return v

    def natural(self, v: Any, path: str, what: str, small: bool = False) -> int:
        """A whole number of zero or more; `small` ones enter the solver as 32-bit numbers."""
        self.not_huge(v, path, what)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(path, f"expected {what} as a whole number, got {_show(v)}")
        if v < 0:
            raise self.err(path, f"expected {what} of zero or more, got {v}")
        if small and v > limits.MAX_SMALL:
            raise self.err(path, f"expected {what} of at most {limits.MAX_SMALL:,}, got {v:,}")
        if v >= limits.MAX_AMOUNT:
            raise self.err(path, f"{what} of {len(str(v))} digits is too large; earlog accepts amounts below "
                                 f"10^{limits.MAX_AMOUNT_DIGITS}")
        return v

    def positive(self, v: Any, path: str, what: str, small: bool = False) -> int:
        n = self.natural(v, path, what, small)
        if n == 0:
            raise self.err(path, f"expected {what} of one or more, got 0")
        return n

    def not_huge(self, v: Any, path: str, what: str) -> None:
        if isinstance(v, _HugeInt):
            raise self.err(path, f"{what} of {v.digits:,} digits is too large; earlog accepts amounts below "
                                 f"10^{limits.MAX_AMOUNT_DIGITS}")

    def choice(self, v: Any, path: str, options: tuple[str, ...], what: str) -> str:
        if v not in options:
            raise self.err(
                path, f"expected {what}, one of {', '.join(options)}; got {_show(v)}"
                + _did_you_mean(str(v), set(options))
            )
        return v

    def country(self, v: Any, path: str) -> str:
        # the code's existence is checked against the policy's list in validate.py
        if not isinstance(v, str) or len(v) != 2 or not (v.isascii() and v.isalpha()):
            raise self.err(path, f"expected an ISO 3166-1 alpha-2 country code such as \"BR\", got {_show(v)}")
        return v.upper()

    def date(self, v: Any, path: str) -> int:
        if not isinstance(v, str) or not _DATE.fullmatch(v):
            raise self.err(path, f"expected a date as \"YYYY-MM-DD\", got {_show(v)}")
        try:
            d = _dt.date.fromisoformat(v)
        except ValueError:
            raise self.err(path, f"expected a date as \"YYYY-MM-DD\", got {_show(v)}") from None
        return d.year * 10000 + d.month * 100 + d.day

    # --- the scenario -----------------------------------------------------

    def scenario(self, data: Any) -> Scenario:
        d = self.obj(data, "$", _TOP, "a scenario")
        sc = Scenario(src=Src(self.file, "$"))
        if "policy" in d:
            sc.policy = self.string(d["policy"], "$.policy", "a policy version name")
        for q, a in self.keyed(d.get("assume", {}), "$.assume", "the assumptions").items():
            sc.assume[q] = self.string(a, f"$.assume.{q}", "an interpretation's alternative")
            sc.overlay_src[f"assume.{q}"] = Src(self.file, f"$.assume.{q}")
        for name, v in self.keyed(d.get("parameters", {}), "$.parameters", "the parameters").items():
            sc.parameters[name] = self.natural(v, f"$.parameters.{name}", "a parameter value")
            sc.overlay_src[f"parameters.{name}"] = Src(self.file, f"$.parameters.{name}")
        written: dict[str, str] = {}
        for code, v in self.keyed(d.get("countries", {}), "$.countries", "the country overrides").items():
            path = f"$.countries.{limits.key(code)}"
            c = self.country(code, path)
            if c in written:
                raise self.err(path, f"country {c} is given twice (as {written[c]!r} and as {code!r})")
            written[c] = code
            o = self.obj(v, path, _COUNTRY, "a country override")
            ov = CountryOverride(code=c, src=Src(self.file, path))
            if "tier" in o:
                ov.tier = self.natural(o["tier"], f"{path}.tier", "a tier")
                if ov.tier not in (1, 2, 3):
                    raise self.err(f"{path}.tier", f"expected a tier of 1, 2 or 3, got {ov.tier}")
            if "groups" in o:
                gs = o["groups"]
                if not isinstance(gs, list):
                    raise self.err(f"{path}.groups",
                                   f"expected a list of country groups such as [\"D:4\"], got {_show(gs)}")
                ov.groups = [self.string(g, f"{path}.groups[{i}]", "a country group such as \"D:4\"").upper()
                             for i, g in enumerate(gs)]
            if "group" in o:
                # a seed's own group number, read in that seed's numbering (model.GROUP_NUMBERINGS)
                numbering = self.choice(self.req(o, "numbering", path, "a country override with a group"),
                                        f"{path}.numbering", tuple(GROUP_NUMBERINGS), "a seed's group numbering")
                g = o["group"]
                if isinstance(g, bool) or not isinstance(g, int) or g not in GROUP_NUMBERINGS[numbering]:
                    raise self.err(f"{path}.group", f"expected a group number 1, 2 or 3, got {_show(g)}")
                tier = GROUP_NUMBERINGS[numbering][g]
                if ov.tier is not None and ov.tier != tier:
                    raise self.err(f"{path}.group", f"{numbering} Group {g} is Tier {tier}, but tier says {ov.tier}")
                ov.tier = tier
            elif "numbering" in o:
                raise self.err(f"{path}.numbering", "numbering is given without a group")
            if "supp5_b" in o:
                ov.supp5_b = self.boolean(o["supp5_b"], f"{path}.supp5_b")
            sc.countries[c] = ov
        sc.parties = [self.party(p, f"$.parties[{i}]") for i, p in enumerate(self.lst(d, "parties"))]
        sc.items = [self.item(p, f"$.items[{i}]") for i, p in enumerate(self.lst(d, "items"))]
        sc.transactions = [self.tx(t, f"$.transactions[{i}]", ledger=False)
                           for i, t in enumerate(self.lst(d, "transactions"))]
        sc.ledger = [self.tx(t, f"$.ledger[{i}]", ledger=True) for i, t in enumerate(self.lst(d, "ledger"))]
        return sc

    def lst(self, d: dict[str, Any], key: str) -> list[Any]:
        v = d.get(key, [])
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.err(f"$.{key}", f"expected a list, got {_show(v)}")
        return v

    def party(self, v: Any, path: str) -> Party:
        d = self.obj(v, path, _PARTY, "a party")
        p = Party(
            id=self.string(self.req(d, "id", path, "a party"), f"{path}.id", "a party id"),
            hq=self.country(self.req(d, "hq", path, "a party"), f"{path}.hq"),
            src=Src(self.file, path),
        )
        if d.get("parent") is not None:
            p.parent = self.string(d["parent"], f"{path}.parent", "the id of the parent party")
        if d.get("located") is not None:
            p.located = self.country(d["located"], f"{path}.located")
        g = d.get("government_controlled", False)
        if isinstance(g, bool):
            p.government_controlled = g
        else:
            p.government_controlled = self.country(g, f"{path}.government_controlled")
        if "distributor" in d:
            p.distributor = self.boolean(d["distributor"], f"{path}.distributor")
        if d.get("veu") is not None:
            vd = self.obj(d["veu"], f"{path}.veu", _VEU, "a VEU status")
            t = self.choice(self.req(vd, "type", f"{path}.veu", "a VEU status"), f"{path}.veu.type",
                            VEU_TYPES, "a VEU type")
            locs = vd.get("locations", [])
            if not isinstance(locs, list):
                raise self.err(f"{path}.veu.locations", f"expected a list of country codes, got {_show(locs)}")
            p.veu = Veu(t, [self.country(c, f"{path}.veu.locations[{i}]") for i, c in enumerate(locs)])
        self.party_dd(d, path, p)
        self.party_law(d, path, p)
        return p

    def party_law(self, d: dict[str, Any], path: str, p: Party) -> None:
        """Entity List status, employment (deemed exports), storage security, and what a facility produces."""
        el = d.get("entity_list")
        if el is True:
            p.entity_list = "none"
        elif isinstance(el, dict):
            o = self.obj(el, f"{path}.entity_list", _ENTITY_LIST, "an Entity List status")
            if "entry" in o and "footnote" in o:
                raise self.err(f"{path}.entity_list", "give either entry (a listed entity) or footnote, not both")
            if "entry" in o:
                p.entity_list_entry = self.string(o["entry"], f"{path}.entity_list.entry",
                                                  "the id of an Entity List entry such as \"sophgo\"")
            else:
                fn = o.get("footnote")
                if isinstance(fn, bool) or not isinstance(fn, (int, type(None))) or fn not in ENTITY_LIST_FOOTNOTES:
                    raise self.err(f"{path}.entity_list.footnote",
                                   f"expected an Entity List footnote of 4, 5 or null, got {_show(fn)}")
                p.entity_list = ENTITY_LIST_FOOTNOTES[fn]
        elif el not in (None, False):
            raise self.err(f"{path}.entity_list",
                           f"expected true, {{\"footnote\": 4}} or {{\"entry\": ...}}, got {_show(el)}")
        if d.get("permanent_employee_of") is not None:
            p.permanent_employee_of = self.string(d["permanent_employee_of"], f"{path}.permanent_employee_of",
                                                  "the id of the employing party")
        if "storage_meets_supp10" in d:
            p.storage_meets_supp10 = self.boolean(d["storage_meets_supp10"], f"{path}.storage_meets_supp10")
        if d.get("produces_ics") is not None:
            q = f"{path}.produces_ics"
            o = self.obj(d["produces_ics"], q, _PRODUCES, "what a facility produces")
            prod = ProducesIcs(self.choice(self.req(o, "ic_type", q, "produces_ics"), f"{q}.ic_type",
                                           IC_TYPES, "an IC type"))
            if o.get("node_nm") is not None:
                prod.node_nm = self.natural(o["node_nm"], f"{q}.node_nm", "a technology node in nm", small=True)
            for flag in ("non_planar", "advanced_node"):
                if flag in o:
                    setattr(prod, flag, self.boolean(o[flag], f"{q}.{flag}"))
            p.produces_ics = prod

    def party_dd(self, d: dict[str, Any], path: str, p: Party) -> None:
        """The due-diligence roles and the VEU deployment plan of a party."""
        if d.get("role") is not None:
            p.role = self.choice(d["role"], f"{path}.role", PARTY_ROLES, "a party role")
        for flag in ("approved_ic_designer", "approved_osat", "agrees_to_report"):
            if flag in d:
                setattr(p, flag, self.boolean(d[flag], f"{path}.{flag}"))
        if d.get("deployment") is not None:
            dep = self.keyed(d["deployment"], f"{path}.deployment", "a deployment plan (TPP per country code)")
            for code, tpp in dep.items():
                q = f"{path}.deployment.{limits.key(code)}"
                c = self.country(code, q)
                if c in p.deployment:
                    raise self.err(q, f"country {c} is given twice")
                p.deployment[c] = self.natural(tpp, q, "a TPP")

    def item(self, v: Any, path: str) -> Item:
        d = self.obj(v, path, _ITEM, "an item")
        # model weights are classified by their training facts (weights.lp) and carry no TPP
        weights = d.get("training_ops") is not None or d.get("eccn") == "4E091"
        has_specs = any(d.get(k) is not None for k in _SPECS) or d.get("training_ops") is not None
        it = Item(
            id=self.string(self.req(d, "id", path, "an item"), f"{path}.id", "an item id"),
            src=Src(self.file, path),
        )
        if d.get("eccn") is not None or not has_specs:
            # an ECCN may be left to the specifications (classification.lp), never to a bare TPP
            it.eccn = self.string(self.req(d, "eccn", path, "an item without mac_tops/bit_length"),
                                  f"{path}.eccn", "an ECCN such as \"3A090.a\"")
        if d.get("tpp") is not None or not (has_specs or weights):
            it.tpp = self.natural(self.req(d, "tpp", path, "an item without mac_tops/bit_length"),
                                  f"{path}.tpp", "a TPP")
        self.item_dd(d, path, it)
        self.item_law(d, path, it)
        if "datacenter" in d:
            it.datacenter = self.boolean(d["datacenter"], f"{path}.datacenter")
        if d.get("designer") is not None:
            it.designer = self.choice(d["designer"], f"{path}.designer", DESIGNER_STATUSES, "an IC designer status")
        return it

    def item_law(self, d: dict[str, Any], path: str, it: Item) -> None:
        """Model-weight facts (weights.lp) and where and how the item was produced (jurisdiction.lp)."""
        if d.get("training_ops") is not None:
            it.training_ops = self.big_natural(d["training_ops"], f"{path}.training_ops", "a number of operations")
        for flag in ("published_weights", "below_best_open_weights", "foreign_produced", "us_direct_product",
                     "us_content"):
            if flag in d:
                setattr(it, flag, self.boolean(d[flag], f"{path}.{flag}"))
        if d.get("below_best_open_weights_by") is not None:
            it.below_best_open_weights_by = self.choice(d["below_best_open_weights_by"],
                                                        f"{path}.below_best_open_weights_by",
                                                        OPEN_WEIGHT_DETERMINERS, "who determined it")
        if d.get("produced_with") is not None:
            pw = d["produced_with"]
            if not isinstance(pw, list):
                raise self.err(f"{path}.produced_with",
                               f"expected a list of ECCNs such as [\"3A090.a\"], got {_show(pw)}")
            for i, e in enumerate(pw):
                if not isinstance(e, str) or not (_ECCN_FORMAT.match(e) or e == "EAR99"):
                    raise self.err(f"{path}.produced_with[{i}]",
                                   f"expected an ECCN such as \"3A090.a\" or \"EAR99\", got {_show(e)}")
            it.produced_with = list(pw)
        if d.get("is_informed_exemption") is not None:
            it.is_informed_exemption = self.date(d["is_informed_exemption"], f"{path}.is_informed_exemption")

    def big_natural(self, v: Any, path: str, what: str) -> int:
        """A whole number of any size: a JSON integer, a string of digits, or a JSON number
        in exponent notation that is exactly whole (1e26, 2.5e25); anything else is an error."""
        self.not_huge(v, path, what)
        if isinstance(v, bool):
            raise self.err(path, f"expected {what} as a whole number, got {_show(v)}")
        if isinstance(v, int):
            n = v
        elif isinstance(v, str) and v.isascii() and v.isdigit():
            if len(v.lstrip("0")) > limits.MAX_AMOUNT_DIGITS:
                raise self.err(path, f"{what} of {len(v):,} digits is too large; earlog accepts amounts below "
                                     f"10^{limits.MAX_AMOUNT_DIGITS}")
            n = int(v)
        elif isinstance(v, float):
            dec = self.decimal(v, path, what)
            if dec != dec.to_integral_value():
                raise self.err(path, f"expected {what} as a whole number, got {_show(v)}")
            n = int(dec)
        else:
            raise self.err(path, f"expected {what} as a whole number (e.g. 1e26 or \"100000000000000000000000000\"), "
                                 f"got {_show(v)}")
        if n < 0:
            raise self.err(path, f"expected {what} of zero or more, got {_show(v)}")
        return self.natural(n, path, what)

    def decimal(self, v: float, path: str, what: str) -> Decimal:
        """The exact value of a written JSON number, refused (never converted) when its
        exponent is beyond any amount: int(Decimal("1e999999999")) would run for hours."""
        try:
            dec = Decimal(v.text if isinstance(v, _JsonFloat) else repr(v))
        except InvalidOperation:
            raise self.err(path, f"expected {what} as a number, got {_show(v)}") from None
        if not dec.is_finite():
            raise self.err(path, f"expected {what} as a number, got {_show(v)}")
        if dec and dec.adjusted() >= limits.MAX_AMOUNT_DIGITS:
            raise self.err(path, f"{what} of {_show(v)} is too large; earlog accepts amounts below "
                                 f"10^{limits.MAX_AMOUNT_DIGITS}")
        if dec and dec.adjusted() < -limits.MAX_AMOUNT_DIGITS:
            raise self.err(path, f"expected {what} with at most three decimals, got {_show(v)}")
        return dec

    def fraction(self, v: Any, path: str, what: str) -> int:
        """A positive number with up to three decimals, in thousandths (989.5 -> 989500),
        computed exactly from the digits written (no binary float in between)."""
        self.not_huge(v, path, what)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.err(path, f"expected {what} as a number, got {_show(v)}")
        dec = Decimal(v) if isinstance(v, int) else self.decimal(v, path, what)
        if dec <= 0:
            raise self.err(path, f"expected {what} greater than zero, got {_show(v)}")
        if dec.adjusted() >= limits.MAX_AMOUNT_DIGITS:
            raise self.err(path, f"{what} of {_show(v)} is too large; earlog accepts amounts below "
                                 f"10^{limits.MAX_AMOUNT_DIGITS}")
        milli = dec * MILLI
        if milli != milli.to_integral_value():
            raise self.err(path, f"expected {what} with at most three decimals, got {_show(v)}")
        return int(milli)

    def item_dd(self, d: dict[str, Any], path: str, it: Item) -> None:
        """Chip specifications (classification.lp) and Note 1 facts (due_diligence.lp)."""
        if d.get("processing_units") is not None:
            if d.get("mac_tops") is not None or d.get("bit_length") is not None:
                raise self.err(f"{path}.processing_units",
                               "give either processing_units or mac_tops/bit_length, not both")
            units = d["processing_units"]
            if not isinstance(units, list) or not units:
                raise self.err(f"{path}.processing_units",
                               f"expected a non-empty list of {{\"mac_tops\", \"bit_length\"}}, got {_show(units)}")
            for i, u in enumerate(units):
                it.processing_units.append(self.unit(u, f"{path}.processing_units[{i}]"))
        elif d.get("mac_tops") is not None or d.get("bit_length") is not None:
            it.processing_units.append(self.unit({k: d.get(k) for k in _UNIT}, path))
        if d.get("die_area_mm2") is not None:
            it.die_area_milli = self.fraction(d["die_area_mm2"], f"{path}.die_area_mm2",
                                              "an applicable die area in mm^2")
        if d.get("performance_density") is not None:
            it.performance_density_milli = self.fraction(d["performance_density"], f"{path}.performance_density",
                                                         "a performance density (TPP per mm^2)")
        if d.get("hbm") is not None:
            it.hbm = self.boolean(d["hbm"], f"{path}.hbm")
        if d.get("transistor_count") is not None:
            it.transistor_count = self.natural(d["transistor_count"], f"{path}.transistor_count", "a transistor count")
        if d.get("node_nm") is not None:
            it.node_nm = self.natural(d["node_nm"], f"{path}.node_nm", "a process node in nanometers", small=True)
        for flag in ("non_planar", "logic_ic"):
            if flag in d:
                setattr(it, flag, self.boolean(d[flag], f"{path}.{flag}"))
        for ref in ("designed_by", "fabricated_by", "packaged_by"):
            if d.get(ref) is not None:
                setattr(it, ref, self.string(d[ref], f"{path}.{ref}", "a party id"))
        if d.get("packaged_in") is not None:
            it.packaged_in = self.country(d["packaged_in"], f"{path}.packaged_in")
        atts = d.get("attestations")
        if atts is not None:
            if not isinstance(atts, list):
                raise self.err(f"{path}.attestations", f"expected a list of attestations, got {_show(atts)}")
            it.attestations = [self.attestation(a, f"{path}.attestations[{i}]") for i, a in enumerate(atts)]

    def unit(self, v: Any, path: str) -> ProcessingUnit:
        u = self.obj(v, path, _UNIT, "a processing unit")
        return ProcessingUnit(
            mac_tops_milli=self.fraction(self.req(u, "mac_tops", path, "a processing unit"),
                                         f"{path}.mac_tops", "MacTOPS"),
            bit_length=self.positive(self.req(u, "bit_length", path, "a processing unit"),
                                     f"{path}.bit_length", "a bit length", small=True),
        )

    def attestation(self, v: Any, path: str) -> Attestation:
        a = self.obj(v, path, _ATTESTATION, "an attestation")
        att = Attestation(
            kind=self.choice(self.req(a, "kind", path, "an attestation"), f"{path}.kind", ATTESTATION_KINDS,
                             "an attestation kind"),
            by=self.string(self.req(a, "by", path, "an attestation"), f"{path}.by", "the id of the attesting party"),
        )
        if att.kind == "tpp_performance_density":
            att.tpp_milli = self.fraction(self.req(a, "tpp", path, "a TPP and performance-density attestation"),
                                          f"{path}.tpp", "an attested TPP")
            att.performance_density_milli = self.fraction(
                self.req(a, "performance_density", path, "a TPP and performance-density attestation"),
                f"{path}.performance_density", "an attested performance density")
        else:
            att.transistor_count = self.natural(
                self.req(a, "transistor_count", path, "a transistor-count attestation"),
                f"{path}.transistor_count", "an aggregated approximated transistor count")
            if a.get("hbm") is not None:
                att.hbm = self.boolean(a["hbm"], f"{path}.hbm")
        return att

    def tx(self, v: Any, path: str, ledger: bool) -> Transaction:
        what = "a ledger entry" if ledger else "a transaction"
        d = self.obj(v, path, _LEDGER if ledger else _TX, what)

        def need(k: str) -> Any:
            return self.req(d, k, path, what)

        t = Transaction(
            id=self.string(need("id"), f"{path}.id", "a transaction id"),
            kind=self.choice(need("kind"), f"{path}.kind", TRANSACTION_KINDS, "a transaction kind"),
            item=self.string(need("item"), f"{path}.item", "an item id"),
            quantity=self.positive(need("quantity"), f"{path}.quantity", "a quantity"),
            from_=self.country(need("from"), f"{path}.from"),
            to=self.country(need("to"), f"{path}.to"),
            consignee=self.string(need("consignee"), f"{path}.consignee", "a party id"),
            date=self.date(need("date"), f"{path}.date"),
            ledger=ledger,
            src=Src(self.file, path),
        )
        if d.get("end_user") is not None:
            t.end_user = self.string(d["end_user"], f"{path}.end_user", "a party id")
        if d.get("end_use") is not None:
            t.end_use = self.choice(d["end_use"], f"{path}.end_use", END_USES, "an end use")
        if d.get("ultimate_destination") is not None:
            t.ultimate_destination = self.country(d["ultimate_destination"], f"{path}.ultimate_destination")
        if d.get("exporter") is not None:
            t.exporter = self.string(d["exporter"], f"{path}.exporter", "a party id")
        if ledger and d.get("authorization") is not None:
            t.authorization = self.string(d["authorization"], f"{path}.authorization",
                                          "an authorization such as \"LPP\" or \"license\"")
            # seed 001's name for LPP ("License Exception TPP"), answered as LPP
            t.authorization = AUTHORIZATION_ALIASES.get(t.authorization.upper(), t.authorization)
        if d.get("en_route_on") is not None:
            t.en_route_on = self.date(d["en_route_on"], f"{path}.en_route_on")
        if d.get("replaces_attrition") is not None:
            t.replaces_attrition = self.choice(d["replaces_attrition"], f"{path}.replaces_attrition",
                                               ATTRITION_CAUSES, "a cause of attrition")
        if d.get("provider") is not None:
            t.provider = self.string(d["provider"], f"{path}.provider", "a party id")
        for flag in ("prior_certification", "training_authorized_by_bis", "for_advanced_node_production"):
            if flag in d:
                setattr(t, flag, self.boolean(d[flag], f"{path}.{flag}"))
        return t


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _JsonObject(dict):
    """A JSON object that remembers the first key written twice (json.loads keeps the last)."""

    duplicate: str | None = None

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        obj = cls()
        for k, v in pairs:
            if k in obj and obj.duplicate is None:
                obj.duplicate = k
            obj[k] = v
        return obj


class _HugeInt:
    """A JSON integer too long to be an amount: kept unconverted (Python refuses to
    convert more than 4,300 digits), so the field that holds it reports it."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a number of {self.digits:,} digits>"


def _json_int(text: str) -> int | _HugeInt:
    digits = len(text.lstrip("-"))
    return _HugeInt(digits) if digits > limits.MAX_AMOUNT_DIGITS + 1 else int(text)


class _JsonFloat(float):
    """A JSON number with a fraction or an exponent, remembering how it was written,
    so 1e26 is read as exactly 10^26 and not as the nearest binary float."""

    text: str

    def __new__(cls, text: str) -> _JsonFloat:
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


def _show(v: Any) -> str:
    if isinstance(v, str):
        s = repr(v)
    elif isinstance(v, (_HugeInt, _JsonFloat)):
        s = repr(v) if isinstance(v, _HugeInt) else v.text
    elif isinstance(v, (dict, list)):
        s = "a JSON object" if isinstance(v, dict) else f"a list of {len(v)}"
        if limits.small_value(v):
            s = json.dumps(v, default=repr)
    else:
        s = json.dumps(v, default=repr)
    return s if len(s) <= 60 else s[:57] + "..."


def _did_you_mean(word: str, options: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
