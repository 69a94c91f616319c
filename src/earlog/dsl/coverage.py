"""Which annotated rules of the policy the regression suites exercise
(`earlog test --coverage`, STYLE.md §11).

A rule counts as fired when the solver derived its head through it in some
scenario an `expect` of the suites is asked about.  The solver says so itself:
each such scenario is evaluated once with every rule's provenance twin
(`_earlog_fired`, engine/solve.py), and the rule ids of those atoms are
collected; nothing is re-derived here.  A rule the suites cannot fire on purpose
(a carve-out reached only by a what-if, an alternative reading no suite assumes)
is listed with its reason in an allowlist, `coverage_exceptions.txt`, one rule
id per line followed by the reason, so that every rule is either fired or
explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earlog.dsl.session import Step
from earlog.engine.policy import Policy, Rule
from earlog.errors import InputError

EXCEPTIONS_FILE = "coverage_exceptions.txt"


@dataclass
class Coverage:
    """The rules no evaluated scenario fired, split into gaps and allowlisted ones."""

    policy: Policy
    fired: set[str]
    scenarios: int
    reasons: dict[str, str] = field(default_factory=dict)  # rule id -> why it need not fire

    @property
    def total(self) -> int:
        return len(self.policy.rules)

    def _unfired(self) -> list[Rule]:
        return sorted((r for r in self.policy.rules.values() if r.id not in self.fired),
                      key=lambda r: (r.file, r.line))

    @property
    def gaps(self) -> list[Rule]:
        return [r for r in self._unfired() if r.id not in self.reasons]

    @property
    def excused(self) -> list[Rule]:
        return [r for r in self._unfired() if r.id in self.reasons]

    @property
    def stale(self) -> list[str]:
        """Allowlisted rules that did fire: their entry no longer says anything true."""
        return sorted(r for r in self.reasons if r in self.fired)

    @property
    def percent(self) -> float:
        return round(100 * len(self.fired) / self.total, 1) if self.total else 100.0

    def where(self, r: Rule) -> str:
        return f"{self.policy.name}/{r.file}:{r.line}"

    def summary(self) -> str:
        return f"coverage: {len(self.fired)} of {self.total} rules fired ({self.percent:g}%)"

    def to_json(self) -> dict[str, Any]:
        def entry(r: Rule) -> dict[str, Any]:
            return {"rule": r.id, "file": f"{self.policy.name}/{r.file}", "line": r.line, "cite": r.cite}

        return {
            "fired": len(self.fired),
            "total": self.total,
            "percent": self.percent,
            "scenarios": self.scenarios,
            "not_fired": [entry(r) for r in self.gaps],
            "not_fired_with_reason": [entry(r) | {"reason": self.reasons[r.id]} for r in self.excused],
            "fired_but_excepted": self.stale,
        }

    def text_lines(self) -> list[str]:
        out: list[str] = []
        gaps, excused = self.gaps, self.excused
        if gaps:
            out.append(f"not fired by any case ({len(gaps)}):")
            out.extend(f"  {r.id}  {self.where(r)}  {r.cite}" for r in gaps)
        if excused:
            out.append(f"not fired, with reason ({len(excused)}):")
            out.extend(f"  {r.id}  {self.where(r)}  {r.cite} — {self.reasons[r.id]}" for r in excused)
        if self.stale:
            out.append(f"fired, yet listed in {EXCEPTIONS_FILE} (remove the entry): {', '.join(self.stale)}")
        out.append(self.summary())
        return out


def fired_rules(steps: list[Step]) -> tuple[set[str], int]:
    """(ids of the rules that fired, number of scenarios evaluated) over the
    scenarios the steps are asked about.  Steps sharing a scenario share one
    evaluation; the evaluation is cached on it, so running the steps afterwards
    costs nothing more.  `todo` cases are not run, so they fire nothing."""
    from earlog.engine.program import FIRED

    fired: set[str] = set()
    seen: set[int] = set()
    for step in steps:
        ctx = step.context
        if step.todo or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        _verdicts, ans = ctx.evaluate(trace_all=True)
        fired.update(s.arguments[0].string for s in ans.get(FIRED))
    return fired, len(seen)


def default_exception_files(paths: list[Path]) -> list[Path]:
    """The `coverage_exceptions.txt` directly inside each folder named on the command line."""
    return [p / EXCEPTIONS_FILE for p in paths if p.is_dir() and (p / EXCEPTIONS_FILE).is_file()]


def read_exceptions(files: list[Path], policy: Policy) -> dict[str, str]:
    """Rule id -> reason, from lines `rule.id  reason` (`#` starts a comment line).

    An unknown rule id, a missing reason or a rule listed twice is bad input:
    an allowlist that names nothing real would hide a gap."""
    from earlog.dsl.errors import did_you_mean

    out: dict[str, str] = {}
    where_of: dict[str, str] = {}
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(str(f), f"cannot read the coverage exceptions: {e}") from None
        for n, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            rid, *rest = stripped.split(None, 1)
            reason = rest[0].strip() if rest else ""
            here = f"{f}:{n}"
            if rid not in policy.rules:
                raise InputError(here, f"no rule {rid!r} in the policy{did_you_mean(rid, policy.rules)}; "
                                 "expected a rule id followed by the reason it cannot fire in the suites")
            if not reason:
                raise InputError(here, f"{rid} has no reason; expected `{rid} <why no case can fire it>`")
            if rid in out:
                raise InputError(here, f"{rid} is listed twice (first at {where_of[rid]})")
            out[rid] = reason
            where_of[rid] = here
    return out
