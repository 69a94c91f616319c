"""Verdicts as text a lawyer reads: the outcome first, then each exception and
VEU with why it is or is not available."""

from __future__ import annotations

from earlog.scenario.limits import escape
from earlog.scenario.model import Scenario
from earlog.verdict import Availability, Verdict

OUTCOME_WORDS = {
    "not_subject": "not subject to the EAR",
    "no_license_required": "no license required",
    "authorized_by_exception": "authorized by a license exception",
    "authorized_by_veu": "authorized by a data-center VEU authorization",
    "license_presumption_approval": "license required; reviewed under a presumption of approval",
    "license_presumption_denial": "license required; reviewed under a presumption of denial",
    "license_policy_denial": "license required; policy of denial (country allocation reached)",
}
REVIEW_WORDS = {
    "approval": "presumption of approval",
    "approval_up_to_cap": "presumption of approval up to the country allocation",
    "denial": "presumption of denial",
}


def _n(v: int | None) -> str:
    return "?" if v is None else f"{v:,}"


def _date(d: int) -> str:
    return f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}"


def render_verdict(v: Verdict, sc: Scenario | None = None) -> str:
    lines: list[str] = []
    tx = next((t for t in sc.transactions if t.id == v.transaction), None) if sc else None
    head = f"Transaction {v.transaction}"
    if tx is not None:
        item = sc.item(tx.item)
        eccn = f" ({item.eccn})" if item and item.eccn else ""
        head += (f": {tx.kind.replace('_', ' ')} of {tx.quantity:,} x {tx.item}{eccn}, "
                 f"{tx.from_} -> {tx.to}, consignee {tx.consignee}, {_date(tx.date)}")
    lines.append(head)
    auth = f" ({v.authorization})" if v.authorization not in (None, "none", "license") else ""
    rule = f"  [{v.outcome_rule}]" if v.outcome_rule else ""
    lines.append(f"  Outcome: {OUTCOME_WORDS.get(v.outcome, v.outcome)}{auth}{rule}")
    if v.outcome_cite:
        lines.append(f"  Decided under: {v.outcome_cite}  [{v.outcome_cite_rule}]")
    reasons = ", ".join(r["rule"] for r in v.subject_to_ear_reason)
    lines.append(f"  Subject to the EAR: {'yes' if v.subject_to_ear else 'no'}" + (f" ({reasons})" if reasons else ""))
    c = v.classification or {}
    if c.get("by") and c.get("by") != "declared":
        lines.append(f"  Classification: {c.get('eccn') or 'not 3A090'} by {c['by']} [{c.get('rule')}]")
    for w in c.get("warnings", []):
        lines.append(f"  Warning: {w.get('rule')}")
    for n in v.provisions_not_applied:
        since = f" (compliance date {n['compliance_date']})" if n.get("compliance_date") else ""
        lines.append(f"  Judged without {n['provision']}: {n['why'].replace('_', ' ')}{since} [{n.get('rule')}]")
    if v.license_required:
        reqs = "; ".join(f"{r['rule']} ({r['cite']})" for r in v.requirements)
        lines.append(f"  License required: yes, by {reqs}")
    else:
        lines.append("  License required: no")
    if v.review_policy:
        lines.append(f"  License review policy: {REVIEW_WORDS.get(v.review_policy, v.review_policy)}")
    if v.allocation:
        a = v.allocation
        counts = "counts toward it" if a["counts"] else "does not count toward it"
        lines.append(f"  Allocation of {a['country']}: {_n(a['used_tpp'])} of {_n(a['cap_tpp'])} TPP used "
                     f"before this shipment; this shipment {counts}")
        lines.extend(_drawn(a))
    if v.lpp:
        p = v.lpp
        counts = "counts toward it" if p["counts"] else "does not count toward it"
        lines.append(f"  LPP cap of the ultimate consignee: {_n(p['used_tpp'])} of {_n(p['cap_tpp'])} TPP used "
                     f"this year before this shipment; this shipment {counts}")
        lines.extend(_drawn(p))
    for title, group in (("License exceptions", v.exceptions), ("Data-center VEU authorizations", v.veu)):
        if not group:
            continue
        lines.append(f"  {title}:")
        for code, av in group.items():
            lines.extend(_availability(code, av))
    for f in v.red_flags:
        text = f.get("text", "").removeprefix("Red flag: ")
        lines.append(f"  Red flag [{f.get('rule', '')}]: {text}")
    for w in v.warnings:
        lines.append(f"  Assumed [{w.get('rule', '')}]: {w.get('text', '')}")
    if v.rests_on_ai_diffusion_rule is not None:
        rests = ", ".join(v.rests_on_ai_diffusion_rule) or "nothing"
        lines.append(f"  Under BIS's announced non-enforcement ({v.legal_status}), resting on the AI Diffusion "
                     f"rule alone: {rests}")
    # a name never adds or reorders a line of the report (limits.escape)
    return "\n".join(escape(line) for line in lines)


def _drawn(cap: dict) -> list[str]:
    """What the shipment draws on a cap, as the verdict gives it."""
    return [f"    this shipment {_n(cap.get('shipment_tpp'))} TPP; after it {_n(cap.get('used_after_tpp'))} TPP used, "
            f"{_n(cap.get('headroom_tpp'))} TPP left"]


def _availability(code: str, av: Availability) -> list[str]:
    if av.available:
        ob = f"; obligations: {', '.join(av.obligations)}" if av.obligations else ""
        return [f"    + {code} available [{av.rule}]{ob}"]
    out = [f"    - {code} not available; conditions not met:"]
    out.extend(f"        {f}" for f in av.failed)
    return out


def render_verdicts(verdicts: list[Verdict], sc: Scenario | None = None) -> str:
    return "\n\n".join(render_verdict(v, sc) for v in verdicts)
