"""The end-of-run summary: outcomes by destination country, the allocation used per
country and the LPP used per ultimate consignee (as the verdicts report them), the
rows in error, and for a what-if how many rows changed, from which outcome to which,
by country.  It is folded row by row, so it costs memory per country, not per row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from earlog.dsl.whatif import flatten
from earlog.screen.report import COL
from earlog.screen.rows import RowError
from earlog.verdict import Verdict

KEEP_ERRORS = 20
_OUTCOME, _WHATIF_OUTCOME = COL["outcome"], COL["whatif_outcome"]
_ALLOC_COUNTRY, _ALLOC_AFTER = COL["allocation_country"], COL["allocation_used_after_tpp"]
_LPP_CONSIGNEE, _LPP_AFTER = COL["lpp_consignee"], COL["lpp_used_after_tpp"]


class Summary:
    def __init__(self, what_if: bool) -> None:
        self.what_if = what_if
        self.rows = 0
        self.errors = 0
        self.error_rows: list[dict[str, Any]] = []
        self.outcomes: dict[str, Counter[str]] = {}
        self.allocation_used: dict[str, int] = {}
        self.lpp_used: dict[str, int] = {}
        self.changed = 0
        self.outcome_changed = 0
        self.transitions: Counter[str] = Counter()
        self.transitions_by_country: dict[str, Counter[str]] = {}
        self.stats: dict[str, Any] = {}

    def add(self, country: str, row: Sequence[Any], v: Verdict | None = None, w: Verdict | None = None) -> None:
        """One screened row, as the report writes it (a list in `report.columns` order)."""
        self.rows += 1
        counts = self.outcomes.get(country)
        if counts is None:
            counts = self.outcomes[country] = Counter()
        outcome = row[_OUTCOME]
        counts[outcome] += 1
        used, c = row[_ALLOC_AFTER], row[_ALLOC_COUNTRY]
        if used is not None and c:
            self.allocation_used[c] = max(self.allocation_used.get(c, 0), used)
        used, c = row[_LPP_AFTER], row[_LPP_CONSIGNEE]
        if used is not None and c:
            self.lpp_used[c] = max(self.lpp_used.get(c, 0), used)
        if w is not None and v is not None:
            if flatten(_plain(v)) != flatten(_plain(w)):
                self.changed += 1
            b = row[_WHATIF_OUTCOME]
            if outcome != b:
                self.outcome_changed += 1
                self.transitions[f"{outcome} -> {b}"] += 1
                self.transitions_by_country.setdefault(country, Counter())[f"{outcome} -> {b}"] += 1

    def add_error(self, e: RowError) -> None:
        self.rows += 1
        self.errors += 1
        if len(self.error_rows) < KEEP_ERRORS:
            self.error_rows.append({"row": e.index + 1, "id": e.id, "field": e.field or None,
                                    "value": e.value, "message": e.message})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rows": self.rows,
            "screened": self.rows - self.errors,
            "rows_in_error": self.errors,
            "errors": self.error_rows,
            "outcomes_by_country": {c: dict(sorted(n.items())) for c, n in sorted(self.outcomes.items())},
            "allocation_used_tpp_by_country": dict(sorted(self.allocation_used.items())),
            "lpp_used_tpp_by_ultimate_consignee": dict(sorted(self.lpp_used.items())),
        }
        if self.what_if:
            out["what_if"] = {
                "rows_changed": self.changed,
                "outcome_changed": self.outcome_changed,
                "transitions": dict(self.transitions.most_common()),
                "transitions_by_country": {c: dict(n.most_common())
                                           for c, n in sorted(self.transitions_by_country.items())},
            }
        if self.stats:
            out["engine"] = self.stats
        return out

    def render(self) -> str:
        j = self.to_json()
        lines = [f"rows: {j['rows']:,}  screened: {j['screened']:,}  in error: {j['rows_in_error']:,}"]
        lines.append("outcomes by destination country:")
        for c, n in j["outcomes_by_country"].items():
            lines.append(f"  {c}: " + ", ".join(f"{o} {k:,}" for o, k in n.items()))
        if j["allocation_used_tpp_by_country"]:
            lines.append("allocation used (TPP) by country:")
            lines.extend(f"  {c}: {u:,}" for c, u in j["allocation_used_tpp_by_country"].items())
        else:
            lines.append("allocation used by country: not reported by this engine's verdicts")
        if j["lpp_used_tpp_by_ultimate_consignee"]:
            lines.append("LPP used (TPP) by ultimate consignee:")
            lines.extend(f"  {c}: {u:,}" for c, u in j["lpp_used_tpp_by_ultimate_consignee"].items())
        else:
            lines.append("LPP used by ultimate consignee: not reported by this engine's verdicts")
        if j["errors"]:
            lines.append("rows in error" + (f" (first {KEEP_ERRORS})" if self.errors > KEEP_ERRORS else "") + ":")
            for e in j["errors"]:
                ident = f" {e['id']}" if e["id"] else ""
                field = f" {e['field']}:" if e["field"] else ""
                lines.append(f"  row {e['row']}{ident}:{field} {e['message']}")
        if self.what_if:
            w = j["what_if"]
            lines.append(f"what-if: {w['rows_changed']:,} row(s) change, {w['outcome_changed']:,} in outcome")
            for t, n in w["transitions"].items():
                lines.append(f"  {t}: {n:,}")
            for c, ts in w["transitions_by_country"].items():
                lines.append(f"  {c}: " + ", ".join(f"{t} {n:,}" for t, n in ts.items()))
        return "\n".join(lines)


def _plain(v: Verdict) -> dict[str, Any]:
    j = v.to_json()
    j.pop("transaction", None)
    return j
