"""Every cell of Table 1 of seed 004 ("Summary of Advanced Computing IC Licensing
Requirements and Exceptions"), for every ECCN family row, destination tier and
headquarters case: the license requirement and the rule that imposed it, the
exceptions potentially available and the rule that made each available, the
license review policy and the rules that set it, and the outcome with its rule.

Each cell is evaluated with every condition outside Table 1 satisfied (no
distributor, an end use of production, items ultimately destined for the United
States, an approved IC designer), so the exceptions available are exactly the
ones the Table's cell lists for that entity.  For the .a row the Table's note
("*Note: ACA and NAC are not available for items designed or marketed for use in
datacenters and meeting the parameters of ECCN 3A090.a") is checked by a datacenter
twin of each 3A090.a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from conftest import available, deciding_rules, verdict

# --- the entities of the Table's "for entities headquartered in ..." clauses ---
# (id, hq, ultimate parent hq or None); each is located in the destination.
ENTITIES: dict[str, tuple[str, str | None]] = {
    "hq_tier1": ("US", None),          # headquartered in Tier 1
    "parent_tier1": ("MX", "US"),      # headquartered in Tier 2, ultimate parent in Tier 1
    "hq_tier2": ("BR", None),          # headquartered in Tier 2, no parent
    "hq_tier3": ("CN", None),          # headquartered in Tier 3
    "parent_tier3": ("BR", "CN"),      # headquartered in Tier 2, ultimate parent in Tier 3
}
TIER1_ENTITIES = ("hq_tier1", "parent_tier1")
TIER3_ENTITIES = ("hq_tier3", "parent_tier3")

A_ECCNS = ("3A090.a", "4A090.a", "5A992.z.1", "4A003.z.1.a")
B_ECCNS = ("3A090.b", "4A090.b")


def cell_scenario(eccn: str, dest: str, entity: str, datacenter: bool = False) -> dict[str, Any]:
    hq, parent_hq = ENTITIES[entity]
    parties: list[dict[str, Any]] = [{"id": "entity", "hq": hq, "located": dest}]
    if parent_hq is not None:
        # a chain of depth 2 to the ultimate parent: entity -> holding -> ultimate parent
        parties[0]["parent"] = "holding"
        parties.append({"id": "holding", "hq": hq, "located": hq, "parent": "ultimate"})
        parties.append({"id": "ultimate", "hq": parent_hq, "located": parent_hq})
    return {
        "parties": parties,
        "items": [{"id": "chip", "eccn": eccn, "tpp": 4800, "datacenter": datacenter, "designer": "approved"}],
        "transactions": [{
            "id": "t1", "kind": "export", "item": "chip", "quantity": 10, "from": "US", "to": dest,
            "consignee": "entity", "end_user": "entity", "end_use": "production",
            "ultimate_destination": "US", "date": "2025-06-01",
            "prior_certification": True, "prior_notification": True,
        }],
    }


@dataclass(frozen=True)
class Cell:
    """What Table 1 says for one row x destination x entity, in verdict terms."""

    requirement: str | None          # rule id of the license requirement, None for "No"
    relevant: frozenset[str]          # exception codes the verdict lists
    available: frozenset[str]         # those available
    review: str | None                # review_policy
    review_rules: frozenset[str]      # rules that derived it
    outcome: str
    outcome_rule: str
    authorization: str


def _cell(requirement: str | None, relevant: str, avail: str, review: str | None, review_rules: str,
          outcome: str, outcome_rule: str, authorization: str) -> Cell:
    return Cell(requirement, frozenset(relevant.split()), frozenset(avail.split()), review,
                frozenset(review_rules.split()), outcome, outcome_rule, authorization)


NO_LICENSE = _cell(None, "", "", None, "", "no_license_required", "outcome.no_license_required", "none")


def _by_exception(avail: str, review: str, review_rules: str, requirement: str, relevant: str) -> Cell:
    first = avail.split()[0]  # earlog's route preference: AIA, ACM, ACA, NAC, HBM; LPP last
    return _cell(requirement, relevant, avail, review, review_rules, "authorized_by_exception", "outcome.exception",
                 first)


def _denied(review_rules: str, requirement: str, relevant: str) -> Cell:
    return _cell(requirement, relevant, "", "denial", review_rules, "license_presumption_denial",
                 "outcome.license_denial", "license")


A_REL = "AIA ACM LPP ACA NAC"
B_REL = "ACM ACA NAC"
C_REL = "ACM HBM"
RS = "req.rs_worldwide"

# Each case: (case id quoting the Table cell, eccns, destination, entity, datacenter, expected).
CASES: list[tuple[str, tuple[str, ...], str, str, bool, Cell]] = []


def case(cell_text: str, eccns: tuple[str, ...], dest: str, entities: tuple[str, ...], expected: Cell,
         datacenter: bool = False) -> None:
    for entity in entities:
        CASES.append((f"{cell_text} [{entity}]", eccns, dest, entity, datacenter, expected))


# ---------------------------------------------------------------------------
# Row "3A090.a, 4A090.a, .z derivatives" | Tier 1 | Yes |
#   "AIA for entities headquartered in or with an ultimate parent headquartered in Tier 1
#    ACM, LPP, and ACA* for entities headquartered in Tier 1 or Tier 2 and that do not have an
#    ultimate parent headquartered in Tier 3
#    NAC* for entities headquartered in or with an ultimate parent headquartered in Tier 3" |
#   "Approval, unless destined to an entity headquartered in or with an ultimate parent
#    headquartered in Tier 3"
# ---------------------------------------------------------------------------
case("a|Tier 1|Yes|AIA, ACM, LPP, ACA* for an entity headquartered in Tier 1|Approval", A_ECCNS, "JP",
     ("hq_tier1",), _by_exception("AIA ACM LPP ACA", "approval", "review.a_tier1_approval", RS, A_REL))
# The Table's cell reads "AIA for entities headquartered in or with an ultimate parent headquartered
# in Tier 1", but the text of 740.27 in the same seed reads "headquartered in, and do not have an
# ultimate parent company headquartered outside of, Tier 1 destinations"; the policy follows the
# text (aia.hq_tier1), so an entity headquartered in Mexico under a US parent gets ACM, LPP, ACA.
case("a|Tier 1|Yes|ACM, LPP, ACA* for an entity headquartered in Tier 2 (740.27 text: no AIA)|Approval",
     A_ECCNS, "JP", ("parent_tier1", "hq_tier2"),
     _by_exception("ACM LPP ACA", "approval", "review.a_tier1_approval", RS, A_REL))
case("a|Tier 1|Yes|NAC* for entities headquartered in or with an ultimate parent in Tier 3|"
     "unless destined to an entity ... in Tier 3: Denial", A_ECCNS, "JP", TIER3_ENTITIES,
     _by_exception("NAC", "denial", "review.tier3_entity_denial", RS, A_REL))
# datacenter twins: "*Note: ACA and NAC are not available for items designed or marketed for use in
# datacenters and meeting the parameters of ECCN 3A090.a"
case("a|Tier 1|Yes|AIA, ACM, LPP (datacenter 3A090.a: no ACA*)|Approval", ("3A090.a",), "JP", ("hq_tier1",),
     _by_exception("AIA ACM LPP", "approval", "review.a_tier1_approval", RS, A_REL), datacenter=True)
case("a|Tier 1|Yes|ACM, LPP (datacenter 3A090.a: no ACA*)|Approval", ("3A090.a",), "JP",
     ("parent_tier1", "hq_tier2"),
     _by_exception("ACM LPP", "approval", "review.a_tier1_approval", RS, A_REL), datacenter=True)
case("a|Tier 1|Yes|none (datacenter 3A090.a: no NAC*)|Denial", ("3A090.a",), "JP", TIER3_ENTITIES,
     _denied("review.tier3_entity_denial", RS, A_REL), datacenter=True)

# ---------------------------------------------------------------------------
# Row "3A090.a, 4A090.a, .z derivatives" | Tier 2 | Yes |
#   "ACM, LPP, and ACA* for entities headquartered in Tier 1 or Tier 2 and that do not have an
#    ultimate parent headquartered in Tier 3
#    NAC* for entities headquartered in or with an ultimate parent headquartered in Tier 3" |
#   "Approval for entities headquartered in, or with an ultimate parent company headquartered in, Tier 1
#    Approval up to the applicable country cap for entities headquartered in, and that have an
#    ultimate parent headquartered in, Tier 2 (but policy of denial once the country cap is reached)
#    Denial for entities headquartered, or with an ultimate parent company headquartered, in Tier 3"
# ---------------------------------------------------------------------------
case("a|Tier 2|Yes|ACM, LPP, ACA*|Approval for entities headquartered in, or with an ultimate parent in, Tier 1",
     A_ECCNS, "BR", TIER1_ENTITIES,
     _by_exception("ACM LPP ACA", "approval", "review.a_tier2_tier1_entity_approval", RS, A_REL))
case("a|Tier 2|Yes|ACM, LPP, ACA*|Approval up to the applicable country cap for entities headquartered in Tier 2",
     A_ECCNS, "BR", ("hq_tier2",),
     _by_exception("ACM LPP ACA", "approval_up_to_cap", "review.a_tier2_up_to_cap", RS, A_REL))
case("a|Tier 2|Yes|NAC*|Denial for entities headquartered, or with an ultimate parent headquartered, in Tier 3",
     A_ECCNS, "BR", TIER3_ENTITIES, _by_exception("NAC", "denial", "review.tier3_entity_denial", RS, A_REL))
case("a|Tier 2|Yes|ACM, LPP (datacenter 3A090.a: no ACA*)|Approval (Tier 1 entity)", ("3A090.a",), "BR",
     TIER1_ENTITIES,
     _by_exception("ACM LPP", "approval", "review.a_tier2_tier1_entity_approval", RS, A_REL), datacenter=True)
case("a|Tier 2|Yes|ACM, LPP (datacenter 3A090.a: no ACA*)|Approval up to the applicable country cap",
     ("3A090.a",), "BR", ("hq_tier2",),
     _by_exception("ACM LPP", "approval_up_to_cap", "review.a_tier2_up_to_cap", RS, A_REL), datacenter=True)
case("a|Tier 2|Yes|none (datacenter 3A090.a: no NAC*)|Denial", ("3A090.a",), "BR", TIER3_ENTITIES,
     _denied("review.tier3_entity_denial", RS, A_REL), datacenter=True)

# ---------------------------------------------------------------------------
# Row "3A090.a, 4A090.a, .z derivatives" | Tier 3 | Yes | "NAC*" | "Denial"
# ---------------------------------------------------------------------------
case("a|Tier 3|Yes|NAC*|Denial", A_ECCNS, "CN", ("hq_tier1", "parent_tier1", "hq_tier2"),
     _by_exception("NAC", "denial", "review.tier3_destination_denial", RS, A_REL))
case("a|Tier 3|Yes|NAC*|Denial", A_ECCNS, "CN", TIER3_ENTITIES,
     _by_exception("NAC", "denial", "review.tier3_destination_denial review.tier3_entity_denial", RS, A_REL))
case("a|Tier 3 (Macau)|Yes|NAC*|Denial", ("3A090.a",), "MO", ("hq_tier1",),
     _by_exception("NAC", "denial", "review.tier3_destination_denial", RS, A_REL))
case("a|Tier 3|Yes|none (datacenter 3A090.a: no NAC*)|Denial", ("3A090.a",), "CN", ("hq_tier1", "hq_tier2"),
     _denied("review.tier3_destination_denial", RS, A_REL), datacenter=True)
case("a|Tier 3|Yes|none (datacenter 3A090.a: no NAC*)|Denial", ("3A090.a",), "CN", TIER3_ENTITIES,
     _denied("review.tier3_destination_denial review.tier3_entity_denial", RS, A_REL), datacenter=True)

# ---------------------------------------------------------------------------
# Row "3A090.b, 4A090.b, .z derivatives"
#   Tier 1 | No | N/A | N/A ;  Tier 2 – Not D:1 or D:4 | No | N/A | N/A
#   Tier 2 – D:1 or D:4 | Yes | "ACM and ACA for entities headquartered in Tier 1 or Tier 2 and that
#     do not have an ultimate parent headquartered in Tier 3 / NAC for entities headquartered in or
#     with an ultimate parent headquartered in Tier 3" | "Approval, unless destined to an entity
#     headquartered in or with an ultimate parent headquartered in Tier 3"
#   Tier 3 | Yes | NAC | Denial
# ---------------------------------------------------------------------------
ALL = tuple(ENTITIES)
case("b|Tier 1|No|N/A|N/A", B_ECCNS, "JP", ALL, NO_LICENSE)
case("b|Tier 2 – Not D:1 or D:4|No|N/A|N/A", B_ECCNS, "BR", ALL, NO_LICENSE)
for d, group in (("AE", "D:4"), ("VN", "D:1"), ("SA", "D:4")):
    case(f"b|Tier 2 – D:1 or D:4 ({d}, {group})|Yes|ACM and ACA|Approval", B_ECCNS, d,
         ("hq_tier1", "parent_tier1", "hq_tier2"),
         _by_exception("ACM ACA", "approval", "review.b_approval", "req.rs_b_d1_d4", B_REL))
    case(f"b|Tier 2 – D:1 or D:4 ({d}, {group})|Yes|NAC for entities ... in Tier 3|"
         "unless destined to an entity ... in Tier 3: Denial", B_ECCNS, d, TIER3_ENTITIES,
         _by_exception("NAC", "denial", "review.tier3_entity_denial", "req.rs_b_d1_d4", B_REL))
case("b|Tier 3|Yes|NAC|Denial", B_ECCNS, "CN", ("hq_tier1", "parent_tier1", "hq_tier2"),
     _by_exception("NAC", "denial", "review.tier3_destination_denial", "req.rs_b_tier3", B_REL))
case("b|Tier 3|Yes|NAC|Denial", B_ECCNS, "CN", TIER3_ENTITIES,
     _by_exception("NAC", "denial", "review.tier3_destination_denial review.tier3_entity_denial",
                   "req.rs_b_tier3", B_REL))
case("b|Tier 3 (Macau)|Yes|NAC|Denial", B_ECCNS, "MO", ("hq_tier2",),
     _by_exception("NAC", "denial", "review.tier3_destination_denial", "req.rs_b_tier3", B_REL))

# ---------------------------------------------------------------------------
# Row "3A090.c"
#   Tier 1 | No | N/A | N/A ;  Tier 2 | No | N/A | N/A
#   Tier 3 | Yes | "License Exception High Bandwidth Memory ("HBM")" | "Approval, unless destined to
#     an entity headquartered in, or with an ultimate parent headquartered in, Tier 3"
# ---------------------------------------------------------------------------
case("c|Tier 1|No|N/A|N/A", ("3A090.c",), "JP", ALL, NO_LICENSE)
case("c|Tier 2|No|N/A|N/A", ("3A090.c",), "BR", ALL, NO_LICENSE)
case("c|Tier 2 (D:4)|No|N/A|N/A", ("3A090.c",), "AE", ("hq_tier2",), NO_LICENSE)
case("c|Tier 3|Yes|HBM|Approval", ("3A090.c",), "CN", ("hq_tier1", "parent_tier1", "hq_tier2"),
     _by_exception("HBM", "approval", "review.c_approval", "req.rs_c_tier3", C_REL))
case("c|Tier 3|Yes|HBM|unless destined to an entity ... in Tier 3: Denial", ("3A090.c",), "CN", TIER3_ENTITIES,
     _by_exception("HBM", "denial", "review.tier3_entity_denial", "req.rs_c_tier3", C_REL))

PARAMS = [
    pytest.param(eccn, dest, entity, dc, expected, id=f"{eccn}|{text}")
    for text, eccns, dest, entity, dc, expected in CASES
    for eccn in eccns
]


@pytest.mark.parametrize("eccn, dest, entity, datacenter, expected", PARAMS)
def test_table1_cell(eccn: str, dest: str, entity: str, datacenter: bool, expected: Cell) -> None:
    """Seed 004, Table 1: "Summary of Advanced Computing IC Licensing Requirements and Exceptions"
    (the cell is quoted in the case id and in the comment above its case)."""
    s = cell_scenario(eccn, dest, entity, datacenter)
    v = verdict(s)
    assert v["subject_to_ear"] is True
    # "Destination-Based License Requirement?"
    assert v["license_required"] is (expected.requirement is not None)
    assert [r["rule"] for r in v["requirements"]] == ([expected.requirement] if expected.requirement else [])
    # "Potentially Available License Exceptions"
    assert set(v["exceptions"]) == expected.relevant
    assert available(v) == expected.available
    for code in expected.available:
        assert v["exceptions"][code]["rule"] == f"{code.lower()}.available"
    # "License Review Policy Presumptions"
    assert v["review_policy"] == expected.review
    if expected.review is not None:
        assert deciding_rules(s, "review_policy") == {expected.review: set(expected.review_rules)}
    assert v["outcome"] == expected.outcome
    assert v["outcome_rule"] == expected.outcome_rule
    assert v["authorization"] == expected.authorization


def test_table1_covers_every_row_and_tier() -> None:
    """Every row x destination of Table 1 has at least one case for every headquarters case."""
    seen = {(text.split("|")[0], text.split("|")[1].split(" (")[0], entity) for text, _, _, entity, _, _ in CASES}
    rows = {"a": ("Tier 1", "Tier 2", "Tier 3"),
            "b": ("Tier 1", "Tier 2 – Not D:1 or D:4", "Tier 2 – D:1 or D:4", "Tier 3"),
            "c": ("Tier 1", "Tier 2", "Tier 3")}
    missing = [(r, d, e) for r, ds in rows.items() for d in ds for e in ENTITIES if (r, d, e) not in seen]
    assert missing == []


@pytest.mark.parametrize("kind", ["deemed_export", "deemed_reexport"])
def test_worldwide_requirement_does_not_reach_deemed_releases(kind: str) -> None:
    """Seed 004: the worldwide license requirement for 3A090.a "does not apply to deemed exports or
    deemed reexports" (15 CFR 742.6(a)(6)(iv)); req.deemed_carve_out blocks req.rs_worldwide."""
    s = cell_scenario("3A090.a", "BR", "hq_tier2", datacenter=True)
    s["transactions"][0]["kind"] = kind
    v = verdict(s)
    assert v["license_required"] is False
    assert v["requirements"] == []
    assert v["outcome"] == "no_license_required"
    assert v["outcome_rule"] == "outcome.no_license_required"


@pytest.mark.parametrize("kind", ["reexport", "in_country_transfer"])
def test_worldwide_requirement_reaches_reexports_and_transfers(kind: str) -> None:
    """Seed 004: a license is required for "the export, reexport, or in-country transfer to or within
    any destination worldwide" of 3A090.a, 4A090.a and the .z items (742.6(a)(6)(iii)(A))."""
    s = cell_scenario("4A090.a", "JP", "hq_tier1")
    s["transactions"][0].update({"kind": kind, "from": "KR" if kind == "reexport" else "JP"})
    v = verdict(s)
    assert v["license_required"] is True
    assert [r["rule"] for r in v["requirements"]] == ["req.rs_worldwide"]
