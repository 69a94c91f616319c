"""Regression suites: every `expect` in the .earlog files under a path, run and
reported the same way by `earlog test` and by the pytest plugin."""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from earlog.dsl.errors import DslError, did_you_mean
from earlog.dsl.parser import parse_file
from earlog.dsl.session import Step, plan
from earlog.errors import EarlogError, InputError

# verdict fields whose values are the constants of one policy predicate: a misspelt
# value (`authorised_by_exception`) is caught when the suite is loaded, not run as a failure
_VALUE_PREDICATES = {"outcome": "outcome", "review_policy": "review_policy", "route": "route"}


@dataclass
class Result:
    file: str
    line: int
    expectation: str
    passed: bool
    actual: str
    case: str | None = None
    skipped: bool = False  # an `expect` of a `todo case`: a known gap, not run
    error: bool = False  # the file could not be loaded: `actual` holds the error

    def failure_line(self) -> str:
        if self.error:
            return f"{self.file}: error: {self.actual}"
        case = f" [case: {self.case}]" if self.case else ""
        return f"{self.file}:{self.line}: {self.expectation} — actual: {self.actual}{case}"

    def skipped_line(self) -> str:
        return f"{self.file}:{self.line}: skipped (todo): {self.expectation} [case: {self.case}]"

    def passed_line(self) -> str:
        case = f" [case: {self.case}]" if self.case else ""
        return f"{self.file}:{self.line}: {self.expectation}{case}"

    @property
    def node_id(self) -> str:
        """What -k matches: the file, the case title and the expectation text."""
        return f"{self.file}::{self.case or ''}::{self.expectation}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def find_files(paths: list[str | Path]) -> list[Path]:
    """The .earlog files named or under the folders named, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.earlog")))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(str(p), "no such file or folder")
    return out


def expectations(path: str | Path) -> list[Step]:
    """The planned `expect` and `check` steps of one file (all names resolved, nothing
    evaluated).  A `check` passes when its property holds over its space.  Rule ids and
    outcome values in the expectations are checked against the policy here, with a
    did-you-mean."""
    steps = plan(parse_file(path))
    expects = [s for s in steps if s.question.kind == "expect"]
    check_names(expects)
    return [s for s in steps if s.question.kind in ("expect", "check")]


def check_names(steps: list[Step]) -> None:
    """Every rule id after `by`/`failed` is a rule of the policy, and every outcome or
    review-policy value is one the policy can conclude."""
    from earlog.engine import load_policy
    from earlog.verdict import _auth_name, conditions

    policy = load_policy()
    condition_ids = {f"{code}.{c}" for code, conds in conditions(policy).items() for c, _ in conds}
    values = {field: {r.head_args[1] for r in policy.rules_for(pred) if len(r.head_args) > 1 and r.head_args[1]}
              for field, pred in _VALUE_PREDICATES.items()}
    # what a shipment goes out under: a route of the policy, or an exception or VEU code
    values["authorization"] = ({_auth_name(r) for r in values.pop("route")}
                               | {code.upper() for code in conditions(policy)})
    for s in steps:
        e = s.question.expectation
        # `failed` names the conditions of an exception (lpp.consignee_not_tier3); `by` names rules
        known = condition_ids if e.availability == "failed" else policy.rules
        for r in e.rules:
            if r.text not in known:
                what = "condition" if known is condition_ids else "rule id"
                raise DslError(s.file, s.text, r.span, f"unknown {what} {r.text!r}"
                               f"{did_you_mean(r.text, known)}; `earlog rules` lists them")
        field = e.subject[0].text if e.kind == "field" and len(e.subject) == 1 else None
        if field in values and values[field]:
            for v in e.values:
                if v.kind == "word" and v.raw not in values[field]:
                    raise DslError(s.file, s.text, v.span,
                                   f"{field} is never {v.raw!r}{did_you_mean(str(v.raw), values[field])}; "
                                   f"expected one of {', '.join(sorted(values[field]))}")


def run_step(step: Step) -> Result:
    from earlog.dsl.questions import expect

    q = step.question
    if step.todo:
        return Result(step.file, q.span.line, q.text, False, "not run: a todo case", step.case, skipped=True)
    if q.kind == "check":
        from earlog.space.answers import answer_search

        text, _data, holds = answer_search(step)
        return Result(step.file, q.span.line, q.text, bool(holds), text, step.case)
    a = expect(step)
    return Result(step.file, q.span.line, q.text, bool(a.passed), str(a.actual), step.case)


def no_expectations(path: str | Path, todo: int = 0) -> Result:
    """A suite that expects nothing tests nothing; one whose every case is `todo` neither."""
    why = f" but {todo} in todo cases" if todo else ""
    return Result(str(path), 1, "the suite", False, f"has no expectations{why}; a suite must expect something")


def load_error(path: str | Path, e: EarlogError) -> Result:
    """A file that cannot be loaded: reported as an error, and the other files still run."""
    line = e.span.line if isinstance(e, DslError) and e.span is not None else 1
    message = e.message if isinstance(e, InputError) else str(e)
    where = e.where if isinstance(e, InputError) else ""
    if isinstance(e, DslError):
        where = f"line {line}" + (f":{e.span.col}" if e.span is not None else "")
    text = f"{where}: {message}" if where and where != str(path) else message
    return Result(str(path), line, "loading the file", False, text, error=True)


def selected(result_id: str, pattern: str | None) -> bool:
    """-k: a case-insensitive substring of `file::case::expectation`, or a glob with * and ?."""
    if not pattern:
        return True
    low, pat = result_id.lower(), pattern.lower()
    if any(c in pat for c in "*?["):
        return fnmatch.fnmatchcase(low, f"*{pat}*")
    return pat in low
