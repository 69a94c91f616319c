"""Typed verdicts read from the answer set: the contract of docs/verdict.md.

This module only reads what the policy concluded; it decides nothing.  Failed
conditions of an unavailable exception are the `met/3` atoms its `available`
rule asks for that the answer set lacks, in the order the rule lists them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clingo import Function, String, Symbol, SymbolType

from earlog.engine.arith import to_int
from earlog.engine.policy import Policy
from earlog.engine.program import UNMET
from earlog.engine.solve import Answer

EXCEPTIONS = ("aia", "acm", "lpp", "aca", "nac", "hbm")
# the predicates a verdict reads from the answer set
VERDICT_READS = frozenset({
    "subject_to_ear", "license_required", "license_requirement", "exception_relevant",
    "veu_relevant", "exception_available", "veu_available", UNMET, "obligation", "review_policy",
    "outcome", "route", "allocation_member", "allocation_used_before", "allocation_cap",
    "allocation_counts",
    # classification (classification.lp, due_diligence.lp)
    "eccn_of", "spec_3a090a", "spec_3a090b", "spec_not_3a090", "spec_undetermined", "spec_eccn",
    "presumption_applies", "presumption_overcome", "presumed_3a090a", "presumed_eccn", "classification_conflict",
    "tpp_mismatch", "fab_reporting_obligation",
    # jurisdiction, dates, red flags, legal status (jurisdiction.lp, dates.lp, red_flags.lp)
    "subject_to_ear_by", "red_flag", "not_yet_in_force", "saved_by", "interpretation",
    # VEU portfolio limits of one shipment (veu_limits.lp, veu.lp)
    "veu_share", "veu_share_bp", "veu_limit_value", "veu_limit_exceeded",
    # what a shipment draws on the caps (allocations.lp, drawdown.lp, exceptions/lpp.lp)
    "shipment_tpp", "allocation_used_after", "allocation_headroom", "lpp_used_before", "lpp_used_after",
    "lpp_cap_tpp", "lpp_headroom", "lpp_cap_holder",
    # what the model assumed for a missing fact (missing_facts.lp)
    "warning",
})
VEUS = ("uveu", "nveu")


@dataclass
class Availability:
    available: bool
    rule: str | None = None
    obligations: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # VEU portfolio limits: each limit's share before and after the shipment and its value
    limits: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"available": self.available}
        if self.available:
            d["rule"] = self.rule
            d["obligations"] = self.obligations
        else:
            d["failed"] = self.failed
        if self.limits:
            d["limits"] = self.limits
        return d


@dataclass
class Verdict:
    transaction: str
    subject_to_ear: bool
    license_required: bool
    requirements: list[dict[str, str]]
    exceptions: dict[str, Availability]
    veu: dict[str, Availability]
    review_policy: str | None
    allocation: dict[str, Any] | None
    red_flags: list[dict[str, str]]
    outcome: str
    outcome_rule: str | None = None
    authorization: str | None = None
    explanation: dict[str, Any] | None = None
    classification: dict[str, Any] | None = None
    subject_to_ear_reason: list[dict[str, str]] = field(default_factory=list)
    provisions_not_applied: list[dict[str, Any]] = field(default_factory=list)
    legal_status: str = "as_published"
    rests_on_ai_diffusion_rule: list[str] | None = None
    # the provision that decided the outcome: the review rule for a license, the
    # exception's or VEU's rule for an authorization, else the outcome rule itself
    outcome_cite: str | None = None
    outcome_cite_rule: str | None = None
    lpp: dict[str, Any] | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "transaction": self.transaction,
            "subject_to_ear": self.subject_to_ear,
            "subject_to_ear_reason": self.subject_to_ear_reason,
            "provisions_not_applied": self.provisions_not_applied,
            "legal_status": self.legal_status,
            "rests_on_ai_diffusion_rule": self.rests_on_ai_diffusion_rule,
            "license_required": self.license_required,
            "requirements": self.requirements,
            "exceptions": {k: v.to_json() for k, v in self.exceptions.items()},
            "veu": {k: v.to_json() for k, v in self.veu.items()},
            "review_policy": self.review_policy,
            "allocation": self.allocation,
            "lpp": self.lpp,
            "red_flags": self.red_flags,
            "warnings": self.warnings,
            "outcome": self.outcome,
            "outcome_rule": self.outcome_rule,
            "outcome_cite": self.outcome_cite,
            "outcome_cite_rule": self.outcome_cite_rule,
            "authorization": self.authorization,
            "classification": self.classification,
            "explanation": self.explanation,
        }


@functools.lru_cache(maxsize=8)
def conditions(policy: Policy) -> dict[str, list[tuple[str, str]]]:
    """Per exception or VEU code, the met/3 conditions its `available` rule lists, in
    order, each with the text of the rules that can establish it."""
    texts: dict[tuple[str, str], list[str]] = {}
    for rule in policy.rules_for("met"):
        if len(rule.head_args) == 3 and rule.head_args[1] and rule.head_args[2]:
            texts.setdefault((rule.head_args[1], rule.head_args[2]), []).append(rule.text)
    out: dict[str, list[tuple[str, str]]] = {}
    for pred in ("exception_available", "veu_available"):
        for rule in policy.rules_for(pred):
            code = rule.head_args[1] if len(rule.head_args) == 2 else None
            if code is None:
                continue
            # a code may have several `available` rules (AIA for chips and for 4E091
            # weights); each is guarded, so only the conditions of the applicable one
            # are ever unmet: the lists are merged, in order, without repeats
            listed = out.setdefault(code, [])
            for positive, name, args in rule.body:
                if positive and name == "met" and len(args) == 3 and args[2] and args[2] not in dict(listed):
                    listed.append((args[2], " Or: ".join(texts.get((code, args[2]), []))))
    return out


@functools.cache
def _code_symbols() -> dict[str, Symbol]:
    """The constant of each exception and VEU code (read-only), made once: the keyed engine builds
    a verdict per variant it solves."""
    return {c: Function(c) for c in (*EXCEPTIONS, *VEUS)}


def _obligations(atoms: Iterable[Symbol], start: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """code -> the obligation names of the obligation/2 atoms, appended to a copy of start."""
    out = {code: list(names) for code, names in (start or {}).items()}
    for s in atoms:
        if len(s.arguments) == 2:
            out.setdefault(s.arguments[0].name, []).append(s.arguments[1].name)
    return out


@functools.lru_cache(maxsize=8)
def _policy_obligations(policy: Policy) -> dict[str, list[str]]:
    """The policy's obligation facts by code, read from clingo once per policy (the keyed engine
    builds a verdict per variant it solves; read-only: _obligations copies it)."""
    return _obligations(policy.data.get("obligation", ()))


def build_verdicts(ans: Answer, counterfactual: bool = True) -> list[Verdict]:
    """`counterfactual=False`: leave rests_on_ai_diffusion_rule to the caller (the keyed engine
    evaluates the counterfactual over the whole book, engine/screening.py)."""
    policy = ans.policy
    fired = ans.fired()

    def by_tx(pred: str) -> dict[Symbol, list[Symbol]]:
        out: dict[Symbol, list[Symbol]] = {}
        for s in ans.get(pred):
            out.setdefault(s.arguments[0], []).append(s)
        return out

    subject = {s.arguments[0] for s in ans.get("subject_to_ear")}
    required = {s.arguments[0] for s in ans.get("license_required")}
    reqs = by_tx("license_requirement")
    relevant = {(s.arguments[0], s.arguments[1].name) for s in ans.get("exception_relevant")}
    relevant |= {(s.arguments[0], s.arguments[1].name) for s in ans.get("veu_relevant")}
    available = {(s.arguments[0], s.arguments[1].name) for s in ans.get("exception_available")}
    available |= {(s.arguments[0], s.arguments[1].name) for s in ans.get("veu_available")}
    unmet = set()
    for s in ans.get(UNMET):
        a = s.arguments
        unmet.add((a[0], a[1].name, a[2].name))
    # obligations are policy facts (no rule reads them, so they are data, not solver input)
    obligations = _obligations(ans.get("obligation"), _policy_obligations(policy))
    review = by_tx("review_policy")
    outcome = by_tx("outcome")
    route = by_tx("route")
    route_atoms = set(ans.get("route"))
    alloc_member = {s.arguments[0]: s.arguments[1] for s in ans.get("allocation_member")}
    alloc_before = {s.arguments[0]: s.arguments[1] for s in ans.get("allocation_used_before")}
    alloc_counts = {s.arguments[0] for s in ans.get("allocation_counts")}

    def first_arg(pred: str) -> dict[Symbol, Symbol]:
        return {s.arguments[0]: s.arguments[1] for s in ans.get(pred)}

    ship_tpp = first_arg("shipment_tpp")
    alloc_after = first_arg("allocation_used_after")
    alloc_headroom = first_arg("allocation_headroom")
    lpp_before = first_arg("lpp_used_before")
    lpp_after = first_arg("lpp_used_after")
    lpp_cap = first_arg("lpp_cap_tpp")
    lpp_headroom = first_arg("lpp_headroom")
    lpp_holder = first_arg("lpp_cap_holder")
    order = _rule_order(policy)

    def deciding(atom: Symbol) -> str | None:
        """Of the rules that derived an atom, the first in the policy's order."""
        ids = sorted(fired.get(atom) or [], key=lambda r: order.get(r, len(order)))
        return ids[0] if ids else None
    conds = conditions(policy)

    code_symbol = _code_symbols()

    limits = _Limits(ans)

    def availability(t: Symbol, code: str, pred: str) -> Availability:
        lims = limits.of(t, code) if code in VEUS else {}
        if (t, code) in available:
            rid = fired.get(Function(pred, [t, code_symbol[code]]), [None])[0]
            return Availability(True, rid, sorted(set(obligations.get(code, []))), limits=list(lims.values()))
        failed = [f"{code}.{c}: {text}" + _limit_words(lims.get(c)) for c, text in conds.get(code, [])
                  if (t, code, c) in unmet]
        return Availability(False, failed=failed, limits=list(lims.values()))

    notes = _Notes(ans)
    verdicts = []
    for tx in ans.scenario.transactions:
        t = String(tx.id)
        ex = {c.upper(): availability(t, c, "exception_available") for c in EXCEPTIONS if (t, c) in relevant}
        veu = {c.upper(): availability(t, c, "veu_available") for c in VEUS if (t, c) in relevant}
        requirements = []
        for s in sorted(reqs.get(t, []), key=str):
            for rid in fired.get(s, []):
                requirements.append({"rule": rid, "cite": policy.rules[rid].cite})
        rp = review.get(t, [])
        # denial is a carve-out from every approval row, so it wins if both were derived
        rp_names = sorted({s.arguments[1].name for s in rp})
        review_policy = "denial" if "denial" in rp_names else (rp_names[0] if rp_names else None)
        allocation = None
        if t in alloc_member:
            c = alloc_member[t]
            allocation = {
                "country": c.name.upper(),
                "counts": t in alloc_counts,
                "used_tpp": _num(alloc_before.get(t)),
                "cap_tpp": _num(next((s.arguments[1] for s in ans.about("allocation_cap", c)), None)),
                # what this shipment draws (issue 11): its own TPP, the total after it, what is left
                "shipment_tpp": _num(ship_tpp.get(t)),
                "used_after_tpp": _num(alloc_after.get(t)),
                "headroom_tpp": _num(alloc_headroom.get(t)),
            }
        lpp = None
        if (t, "lpp") in relevant and t in lpp_before:
            holder = lpp_holder.get(t)
            lpp = {
                # whose annual cap this is (lpp_cap_aggregation: the ultimate parent, or the consignee)
                "ultimate_consignee": holder.string if holder is not None else None,
                "counts": Function("route", [t, code_symbol["lpp"]]) in route_atoms,
                "shipment_tpp": _num(ship_tpp.get(t)),
                "used_tpp": _num(lpp_before.get(t)),
                "used_after_tpp": _num(lpp_after.get(t)),
                "cap_tpp": _num(lpp_cap.get(t)),
                "headroom_tpp": _num(lpp_headroom.get(t)),
            }
        outs = outcome.get(t, [])
        if len(outs) != 1:
            from earlog.errors import EngineBug
            raise EngineBug(f"transaction {tx.id!r} has {len(outs)} outcomes: {[str(o) for o in outs]}")
        routes = [s.arguments[1].name for s in route.get(t, [])]
        cite_rule = outcome_rule = deciding(outs[0])
        out_name = outs[0].arguments[1].name
        if out_name.startswith("license_") and review_policy is not None:
            cite_rule = deciding(Function("review_policy", [t, Function(review_policy)])) or outcome_rule
        elif out_name in ("authorized_by_exception", "authorized_by_veu") and routes:
            pred = "veu_available" if out_name == "authorized_by_veu" else "exception_available"
            cite_rule = deciding(Function(pred, [t, Function(routes[0])])) or outcome_rule
        verdicts.append(Verdict(
            transaction=tx.id,
            subject_to_ear=t in subject,
            license_required=t in required,
            requirements=requirements,
            exceptions=ex,
            veu=veu,
            review_policy=review_policy if t in required else None,
            allocation=allocation,
            red_flags=notes.red_flags(t),
            outcome=out_name,
            outcome_rule=outcome_rule,
            outcome_cite=_provision(policy.rules[cite_rule].cite) if cite_rule in policy.rules else None,
            outcome_cite_rule=cite_rule,
            lpp=lpp,
            warnings=notes.flagged("warning", t),
            authorization=_auth_name(routes[0]) if routes else None,
            classification=classify(ans, fired, t, String(tx.item)),
            subject_to_ear_reason=notes.reasons(t),
            provisions_not_applied=notes.not_applied(t),
            legal_status=notes.legal_status,
        ))
    if counterfactual:
        _fill_rests_on(ans, verdicts)
    return verdicts


def classification_of(ans: Answer, tx: str) -> dict[str, Any]:
    """The classification field of one transaction (for `earlog classify`)."""
    t = next(x for x in ans.scenario.transactions if x.id == tx)
    return classify(ans, ans.fired(), String(t.id), String(t.item))


def classify(ans: Answer, fired: dict[Symbol, list[str]], t: Symbol, item: Symbol) -> dict[str, Any]:
    """{eccn, by, presumption, rule, ...}: how the item of a transaction got its ECCN.

    `rule` is the rule that decided the ECCN; `presumption_rule` the one that decided
    whether Note 1 to 3A090.a applies or was overcome; `warnings` name a declared ECCN
    or TPP the specifications contradict.  Everything is read from the answer set.
    """
    order = _rule_order(ans.policy)

    def first(pred: str, *args: Symbol) -> str | None:
        """The deciding rule: of the rules that derived the atom, the first in the policy's order."""
        ids = sorted(fired.get(Function(pred, list(args))) or [], key=lambda r: order.get(r, len(order)))
        return ids[0] if ids else None

    def has(pred: str, *args: Symbol) -> bool:
        return any(list(a.arguments[:len(args)]) == list(args) for a in ans.about(pred, args[0]))

    out: dict[str, Any] = {"eccn": None, "by": None, "presumption": "not_applicable", "rule": None}
    overcome = ans.about("presumption_overcome", t)
    if has("presumed_3a090a", t):
        out.update(eccn=ans.about("presumed_eccn", t)[0].arguments[1].string, by="presumption",
                   presumption="applies", rule=first("presumed_3a090a", t),
                   presumption_rule=first("presumption_applies", t))
    else:
        eccns = ans.about("eccn_of", item)
        if eccns:
            e = eccns[0]
            rule = first("eccn_of", *e.arguments)
            declared = rule == "items.eccn_declared"
            out.update(eccn=e.arguments[1].string, by="declared" if declared else "specs", rule=rule)
            if not declared:
                for pred in ("spec_3a090a", "spec_3a090b"):
                    if has(pred, item):
                        out["rule"] = first(pred, item)
        elif has("spec_not_3a090", item):
            out.update(by="specs", rule=first("spec_not_3a090", item))
        elif has("spec_undetermined", item):
            out.update(by="specs", rule=first("spec_undetermined", item))
        if overcome:
            ways = sorted(overcome, key=str)
            out.update(presumption="overcome", presumption_rule=first("presumption_overcome", *ways[0].arguments),
                       overcome_by=[w.arguments[1].name for w in ways])
    warnings = []
    for c in ans.about("classification_conflict", item):
        warnings.append({"rule": first("classification_conflict", *c.arguments),
                         "declared": c.arguments[1].string, "specs": c.arguments[2].string})
    for m in ans.about("tpp_mismatch", item):
        warnings.append({"rule": "classify.tpp_mismatch", "declared_tpp": _num(m.arguments[1]),
                         "specs_tpp": _num(m.arguments[2])})
    if warnings:
        out["warnings"] = warnings
    reports = ans.about("fab_reporting_obligation", t)
    if reports:
        out["obligations"] = [{"rule": "dd.fab_quarterly_report", "party": o.arguments[1].string} for o in reports]
    return out


@functools.lru_cache(maxsize=1024)
def _rule_named(policy: Policy, pred: str, name: str) -> tuple[tuple[str, str], ...]:
    """The rule whose head is `pred(_, name, ...)` (id, cite, text), looked up once."""
    for r in policy.rules_for(pred):
        if len(r.head_args) >= 2 and r.head_args[1] == name:
            return (("rule", r.id), ("cite", r.cite), ("text", r.text))
    return (("rule", ""), ("cite", ""), ("text", ""))


@functools.lru_cache(maxsize=8)
def _rule_order(policy: Policy) -> dict[str, int]:
    return {rid: i for i, rid in enumerate(policy.rules)}


def _auth_name(r: str) -> str:
    return r if r in ("license", "none") else r.upper()


def _num(s: Symbol | None) -> int | str | None:
    if s is None:
        return None
    if s.type == SymbolType.String and s.string.startswith("\x01"):
        return s.string  # a running total the keyed engine's fold fills in (engine/keyed.py)
    if s.type in (SymbolType.Number, SymbolType.String):
        return to_int(s)
    return None


class _Notes:
    """The verdict fields that name the rule behind each atom: why the item is subject
    to the EAR, which red flags were raised, which provisions a transaction was judged
    without, and, under BIS's announced non-enforcement, what rests on the AI
    Diffusion IFR alone.  Each atom's second argument names the conclusion, and exactly
    one rule derives each name, so the rule is found from the policy, not traced."""

    def __init__(self, ans: Answer) -> None:
        self.ans = ans
        self.policy = ans.policy
        status = [s.arguments[1].name for s in ans.get("interpretation") if s.arguments[0].name == "legal_status"]
        self.legal_status = status[0] if status else "as_published"

    def _by_tx(self, pred: str, t: Symbol) -> list[Symbol]:
        return sorted(self.ans.about(pred, t), key=str)

    def _rule(self, pred: str, name: str) -> dict[str, str]:
        return dict(_rule_named(self.policy, pred, name))

    def reasons(self, t: Symbol) -> list[dict[str, str]]:
        return [{"reason": s.arguments[1].name, **self._rule("subject_to_ear_by", s.arguments[1].name)}
                for s in self._by_tx("subject_to_ear_by", t)]

    def red_flags(self, t: Symbol) -> list[dict[str, str]]:
        return self.flagged("red_flag", t)

    def flagged(self, pred: str, t: Symbol) -> list[dict[str, str]]:
        """The `pred(T, code)` atoms of a transaction, each as the rule that derives it."""
        out = []
        for s in self._by_tx(pred, t):
            r = self._rule(pred, s.arguments[1].name)
            out.append({"rule": r["rule"], "cite": r["cite"], "text": r["text"]})
        return out

    def not_applied(self, t: Symbol) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for s in self._by_tx("not_yet_in_force", t):
            out.append({"provision": s.arguments[1].name, "why": "not_yet_in_force",
                        "compliance_date": _iso(s.arguments[2]), "rule": "dates.not_yet_in_force"})
        for s in self._by_tx("saved_by", t):
            rule = next((r.id for r in self.policy.rules_for("saved_by")
                         if len(r.head_args) == 3 and r.head_args[1:] == (s.arguments[1].name, s.arguments[2].name)),
                        None)
            out.append({"provision": s.arguments[1].name, "why": s.arguments[2].name, "rule": rule})
        return out



# fields that describe the evaluation rather than the answer (the counterfactual is judged
# without the withdrawn provisions by construction): never compared
_NOT_COMPARED = frozenset({"transaction", "legal_status", "rests_on_ai_diffusion_rule", "explanation",
                           "provisions_not_applied"})


def _fill_rests_on(ans: Answer, verdicts: list[Verdict]) -> None:
    """Under a reading the policy pairs with a counterfactual (`compare_without(Question,
    Reading, Without)`, e.g. BIS's non-enforcement against the AI Diffusion IFR withdrawn),
    each transaction's verdict fields whose value differs when the scenario is evaluated
    again under `Without` (rests_on_ai_diffusion_rule; left None when no such reading is in
    force).  The policy says what the rule made; this only evaluates twice and compares
    field by field."""
    import copy

    from earlog.engine.solve import solve

    for question, without in counterfactual_readings(ans):
        sc = copy.deepcopy(ans.scenario)
        sc.assume[question] = without
        other = {v.transaction: v.to_json() for v in build_verdicts(solve(sc, ans.policy, shown=VERDICT_READS))}
        for v in verdicts:
            mine, theirs = v.to_json(), other.get(v.transaction, {})
            v.rests_on_ai_diffusion_rule = fields_differing(mine, theirs)
        return


def counterfactual_readings(ans: Answer) -> list[tuple[str, str]]:
    """The (question, reading to compare with) pairs of `compare_without/3` in force for an answer."""
    chosen = {s.arguments[0].name: s.arguments[1].name for s in ans.get("interpretation")}
    return [(question, without) for question, reading, without in _compare_without(ans.policy)
            if chosen.get(question) == reading]


@functools.lru_cache(maxsize=8)
def _compare_without(policy: Policy) -> tuple[tuple[str, str, str], ...]:
    """The policy's compare_without/3 facts as names, read from clingo once per policy."""
    return tuple(tuple(a.name for a in f.arguments) for f in policy.data.get("compare_without", ()))


def fields_differing(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The verdict fields (to_json) whose value differs in the counterfactual, sorted."""
    return sorted(k for k, val in mine.items() if k not in _NOT_COMPARED and theirs.get(k) != val)


# which limits each VEU's shares are measured for (the limit ids are veu.lp's conditions)
_VEU_LIMITS = {"uveu": ("tier1_share", "single_country", "us_share"), "nveu": ("country_cap",)}


class _Limits:
    """The VEU portfolio limits of each shipment, as the policy measured them: the
    share before and after the shipment (veu_share/6, in hundredths of a percent
    veu_share_bp/4) and the limit's value (veu_limit_value/4)."""

    def __init__(self, ans: Answer) -> None:
        self.ans = ans

    def of(self, t: Symbol, code: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        bp = {(s.arguments[1].name, s.arguments[2].name): _num(s.arguments[3])
              for s in self.ans.about("veu_share_bp", t)}
        value = {s.arguments[1].name: (s.arguments[2].name, _amount(s.arguments[3]))
                 for s in self.ans.about("veu_limit_value", t)}
        exceeded = {s.arguments[1].name for s in self.ans.about("veu_limit_exceeded", t)}
        for s in sorted(self.ans.about("veu_share", t), key=str):
            name = s.arguments[1].name
            if name not in _VEU_LIMITS.get(code, ()):
                continue
            a = s.arguments
            bound, val = value.get(name, (None, None))
            out[name] = {"limit": name, "before_tpp": _num(a[2]), "before_total_tpp": _amount(a[3]),
                         "before_share_bp": bp.get((name, "before")), "after_tpp": _num(a[4]),
                         "after_total_tpp": _amount(a[5]), "after_share_bp": bp.get((name, "after")),
                         "bound": bound, "value": val, "exceeded": name in exceeded}
        return out


def _amount(s: Symbol) -> int | str:
    """A number, or a constant the policy gives instead (`none`, `unpublished`)."""
    return s.name if s.type == SymbolType.Function else to_int(s)


def _share(amount: int, total: int, bp: int | None) -> str:
    pct = "" if bp is None else f" ({bp // 100}.{bp % 100:02d}%)"
    return f"{amount:,} of {total:,} TPP{pct}"


def _limit_words(lim: dict[str, Any] | None) -> str:
    """' [limit: before ..., after ...; limit ...]' for a failed portfolio-limit condition."""
    if lim is None:
        return ""
    bound = lim["bound"].replace("_tpp", "").replace("_", " ") if lim["bound"] else "limit"
    if lim["before_total_tpp"] == "none":  # an installed-base cap, counted in TPP
        value = ("a per-country cap with no published value: an unknown cap cannot cover a shipment "
                 "(parameter nveu_country_cap_tpp)") if lim["value"] == "unpublished" else f"{lim['value']:,} TPP"
        return (f" [{lim['limit']}: {lim['before_tpp']:,} TPP before, {lim['after_tpp']:,} TPP after; "
                f"limit {bound} {value}]")
    before = _share(lim["before_tpp"], lim["before_total_tpp"], lim["before_share_bp"])
    after = _share(lim["after_tpp"], lim["after_total_tpp"], lim["after_share_bp"])
    return f" [{lim['limit']}: {before} before, {after} after; limit {bound} {lim['value']}%]"


def _provision(cite: str) -> str:
    """The provision a rule cites: its citation up to the first source quoted ("15 CFR 742.6(b)(14)")."""
    return cite.split(";")[0].strip()


def _iso(s: Symbol) -> str:
    """20250515 -> "2025-05-15"."""
    n = to_int(s)
    return f"{n // 10000:04d}-{n // 100 % 100:02d}-{n % 100:02d}"
