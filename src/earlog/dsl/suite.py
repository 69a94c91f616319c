"""Regression suites: every `expect` in the .earlog files under a path, run and
reported the same way by `earlog test` and by the pytest plugin."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from earlog.dsl.parser import parse_file
from earlog.dsl.session import Step, plan
from earlog.errors import InputError


@dataclass
class Result:
    file: str
    line: int
    expectation: str
    passed: bool
    actual: str
    case: str | None = None
    skipped: bool = False  # an `expect` of a `todo case`: a known gap, not run

    def failure_line(self) -> str:
        case = f" [case: {self.case}]" if self.case else ""
        return f"{self.file}:{self.line}: {self.expectation} — {self.actual}{case}"

    def skipped_line(self) -> str:
        return f"{self.file}:{self.line}: skipped (todo): {self.expectation} [case: {self.case}]"


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
    evaluated).  A `check` passes when its property holds over its space."""
    steps = plan(parse_file(path))
    return [s for s in steps if s.question.kind in ("expect", "check")]


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
    return Result(step.file, q.span.line, q.text, bool(a.passed), f"actual: {a.actual}", step.case)


def no_expectations(path: str | Path, todo: int = 0) -> Result:
    """A suite that expects nothing tests nothing; one whose every case is `todo` neither."""
    why = f" but {todo} in todo cases" if todo else ""
    return Result(str(path), 1, "the suite", False, f"has no expectations{why}; a suite must expect something")
