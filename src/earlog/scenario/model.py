"""Typed scenario: parties, items, transactions, ledger and the what-if overlay.

Both inputs (JSON and the DSL) build these objects, so they can never disagree.
Every object remembers where it came from (`src`), so a semantic error found
later (an unknown country code, an ownership cycle) still names the file and the
JSON path or line.  Nothing here knows the law: tiers, caps and conditions live
in policy/.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

TRANSACTION_KINDS = (
    "export",
    "reexport",
    "in_country_transfer",
    "deemed_export",
    "deemed_reexport",
    "iaas_service",
)
END_USES = ("development", "production", "storage", "training", "inference", "research", "other")
DESIGNER_STATUSES = ("approved", "authorized", "other")
VEU_TYPES = ("UVEU", "NVEU")
PARTY_ROLES = ("front_end_fabricator", "osat", "ic_designer")
ATTESTATION_KINDS = ("tpp_performance_density", "transistor_count")
# fractional specifications (MacTOPS, mm^2, TPP/mm^2) enter the solver in thousandths
MILLI = 1000
# Entity List footnotes a party may carry (entity_list.lp): none, Footnote 4, Footnote 5.
ENTITY_LIST_FOOTNOTES = {None: "none", 4: "fn4", 5: "fn5"}
IC_TYPES = ("logic", "dram")
OPEN_WEIGHT_DETERMINERS = ("exporter", "aisi_and_doe")
ATTRITION_CAUSES = ("loss", "damage", "failure", "relocation", "resale")  # seed 001 fn 5
# Names the seeds use for the regulation's own terms, accepted on input and answered
# in the regulation's names.  Seed 001 calls License Exception LPP "License Exception
# TPP"; seeds 000 and 001 number the country groups differently (seed 000: Group 2 =
# "all countries worldwide not explicitly listed in Group 1 or Group 3"; seed 001:
# Group 2 = the "Prohibited Country Group", Group 3 = "All Other Countries").
AUTHORIZATION_ALIASES = {"TPP": "LPP"}
GROUP_NUMBERINGS = {"seed_000": {1: 1, 2: 2, 3: 3}, "seed_001": {1: 1, 2: 3, 3: 2}}


def refers_to(kind: str, *, label: str | None = None, many: bool = False, required: bool = False) -> Any:
    """A field that holds the id of a declared party or item (or, with many, a list of them).

    The one place the scenario schema says which fields name other entities: validation
    checks them (scenario/validate.py) and the keyed engine follows and tokenises them
    (engine/screening.py), so a new reference field cannot be checked but not followed.
    `label` is the name an error message gives the field, when not its own."""
    meta = {"refers_to": kind, "label": label, "many": many}
    if required:
        return field(metadata=meta)
    return field(default_factory=list, metadata=meta) if many else field(default=None, metadata=meta)


@functools.cache
def reference_fields(cls: type, kind: str, *, many: bool = False) -> tuple[str, ...]:
    """The fields of a scenario class that name a `kind` ("party" or "item"), in declaration order."""
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.metadata.get("refers_to") == kind and f.metadata["many"] == many)


@functools.cache
def reference_label(cls: type, name: str) -> str:
    """What an error message calls a reference field."""
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return f.metadata.get("label") or name


@dataclass(frozen=True)
class Src:
    """Where a value was written: a file and a JSON path, or a file and line:column."""

    file: str | None
    path: str

    def at(self, suffix: str) -> Src:
        if self.path.startswith("$"):
            return Src(self.file, f"{self.path}.{suffix}")
        return self

    def __str__(self) -> str:
        return f"{self.file}: {self.path}" if self.file else self.path


NOWHERE = Src(None, "")


@dataclass
class Veu:
    type: str
    locations: list[str] = field(default_factory=list)


@dataclass
class Party:
    id: str
    hq: str
    parent: str | None = refers_to("party")
    located: str | None = None
    government_controlled: bool | str = False
    distributor: bool = False
    veu: Veu | None = None
    role: str | None = None
    approved_ic_designer: bool = False
    approved_osat: bool = False
    agrees_to_report: bool = False
    # a VEU's deployment plan: TPP installed or planned per country (ISO code)
    deployment: dict[str, int] = field(default_factory=dict)
    # Entity List (entity_list.lp): the footnote ("none", "fn4", "fn5") or a listed entry
    entity_list: str | None = None
    entity_list_entry: str | None = None
    # a natural person: the entity whose permanent regular employee they are (742.6(a)(13))
    permanent_employee_of: str | None = refers_to("party", label="employer")
    # the party's facility meets paragraphs 14, 15 and 18 of Supp. No. 10 to part 748
    storage_meets_supp10: bool = False
    # parties the party is known to plan to train AI models for (itself or as IaaS): the
    # AIA certification excludes some of them (exceptions/aia.lp)
    trains_models_for: list[str] = refers_to("party", many=True)
    produces_ics: ProducesIcs | None = None
    src: Src = NOWHERE


@dataclass
class ProducesIcs:
    """What a facility produces, for the advanced-node IC definition (entity_list.lp)."""

    ic_type: str
    node_nm: int | None = None
    non_planar: bool = False
    advanced_node: bool = False


@dataclass
class ProcessingUnit:
    """One processing unit of a chip: MacTOPS in thousandths, and the bit length."""

    mac_tops_milli: int
    bit_length: int


@dataclass
class Attestation:
    """A datasheet or attestation under Note 1 to 3A090.a, by the party that gives it."""

    kind: str
    by: str = refers_to("party", required=True)
    tpp_milli: int | None = None
    performance_density_milli: int | None = None
    transistor_count: int | None = None
    hbm: bool | None = None


@dataclass
class Item:
    id: str
    eccn: str | None = None
    # for software or technology: the ECCN of the hardware it is for (items.lp)
    for_eccn: str | None = None
    tpp: int | None = None
    # None: not given; the policy then takes the restrictive reading (missing_facts.lp)
    datacenter: bool | None = None
    designer: str | None = None
    processing_units: list[ProcessingUnit] = field(default_factory=list)
    die_area_milli: int | None = None
    performance_density_milli: int | None = None
    hbm: bool | None = None
    transistor_count: int | None = None
    node_nm: int | None = None
    non_planar: bool = False
    logic_ic: bool = False
    designed_by: str | None = refers_to("party")
    fabricated_by: str | None = refers_to("party")
    packaged_by: str | None = refers_to("party")
    packaged_in: str | None = None
    attestations: list[Attestation] = field(default_factory=list)
    # model weights (weights.lp) and jurisdiction (jurisdiction.lp, entity_list.lp)
    training_ops: int | None = None
    published_weights: bool = False
    below_best_open_weights: bool = False
    below_best_open_weights_by: str = "exporter"
    produced_with: list[str] = field(default_factory=list)
    foreign_produced: bool = False
    us_direct_product: bool = False
    us_content: bool = False
    is_informed_exemption: int | None = None  # YYYYMMDD
    src: Src = NOWHERE


@dataclass
class Transaction:
    id: str
    kind: str
    item: str = refers_to("item", required=True)
    quantity: int
    from_: str
    to: str
    consignee: str = refers_to("party", required=True)
    date: int
    end_user: str | None = refers_to("party")
    end_use: str | None = None
    ultimate_destination: str | None = None
    authorization: str | None = None
    exporter: str | None = refers_to("party")
    # dates.lp, weights.lp, red_flags.lp, entity_list.lp
    en_route_on: int | None = None  # YYYYMMDD, a day the shipment was en route aboard a carrier
    # certifications and notifications the exceptions make conditions; a fact not stated
    # is read as not given / not made (policy/exceptions/scope.lp)
    prior_certification: bool = False
    prior_notification: bool = False
    provider: str | None = refers_to("party")
    training_authorized_by_bis: bool = False
    for_advanced_node_production: bool = False
    replaces_attrition: str | None = None  # one of ATTRITION_CAUSES
    ledger: bool = False
    src: Src = NOWHERE


@dataclass
class CountryOverride:
    code: str
    tier: int | None = None
    groups: list[str] | None = None
    supp5_b: bool | None = None
    src: Src = NOWHERE


@dataclass
class Scenario:
    policy: str = "ai-diffusion-2025"
    assume: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, int] = field(default_factory=dict)
    countries: dict[str, CountryOverride] = field(default_factory=dict)
    parties: list[Party] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    ledger: list[Transaction] = field(default_factory=list)
    src: Src = NOWHERE
    # where each overlay entry was written, for error messages
    overlay_src: dict[str, Src] = field(default_factory=dict)

    def party(self, pid: str) -> Party | None:
        return next((p for p in self.parties if p.id == pid), None)

    def item(self, iid: str) -> Item | None:
        return next((i for i in self.items if i.id == iid), None)

    def in_order(self) -> list[Transaction]:
        """Ledger and transactions in evaluation order: by date, ledger first, then file order."""
        everything = list(enumerate([*self.ledger, *self.transactions]))
        everything.sort(key=lambda it: (it[1].date, 0 if it[1].ledger else 1, it[0]))
        return [t for _, t in everything]


@dataclass
class Vocabulary:
    """What the policy knows, used to check a scenario before it is evaluated.

    Filled by the engine from the policy's own facts, so a country code or a
    parameter name is valid exactly when the policy declares it.
    """

    countries: dict[str, str]  # ISO code (upper case) -> name
    groups: set[str]  # e.g. {"D:1", "D:5"}
    eccns: set[str]
    parameters: dict[str, Any]
    interpretations: dict[str, dict[str, str]]  # question -> alternative -> source
    authorizations: set[str]  # e.g. {"LPP", "UVEU", "license"}
    entity_list_entries: set[str] = field(default_factory=set)  # e.g. {"sophgo"}
    versions: set[str] = field(default_factory=set)  # the policy versions the folder declares
    # software/technology ECCNs, which need the hardware ECCN they are for (items.lp)
    software_technology_eccns: set[str] = field(default_factory=set)
    hardware_eccns: set[str] = field(default_factory=set)
    # the transaction kinds that send items to their consignee (transactions.lp)
    shipped_kinds: frozenset[str] = frozenset()
