"""pytest plugin: .earlog suites are collected as tests, one item per `expect`.

Registered under the `pytest11` entry point, so `pytest` from the repository
root runs the suites in tests/ and queries/ next to the Python tests, with the
same failure text `earlog test` prints.

Only suites are collected: a .earlog file with at least one `expect` (or `check`) line, or any
.earlog file under a folder named in the `earlog_suites` ini option (there a file
without an `expect` fails, as `earlog test` fails it).  A scratch deal file or a
hostile-input fixture lying in the tree is not a test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from earlog.errors import EarlogError

_EXPECT = re.compile(rb"^[ \t]*(expect|check)\b", re.MULTILINE)  # a `check` over a space is an assertion too


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("earlog_suites", type="paths", default=[],
                  help="folders whose every .earlog file is a suite (others are collected only when they "
                       "hold an `expect`)")


def is_suite(file_path: Path, config: pytest.Config) -> bool:
    """Whether a .earlog file is a suite: under a configured folder, or holding an `expect`."""
    for folder in config.getini("earlog_suites"):
        if Path(folder) in file_path.parents:
            return True
    try:
        with file_path.open("rb") as f:
            return _EXPECT.search(f.read(16 * 1024 * 1024)) is not None
    except OSError:
        return False


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".earlog" and is_suite(file_path, parent.config):
        return EarlogFile.from_parent(parent, path=file_path)
    return None


class EarlogFailure(Exception):
    """An `expect` that did not hold; its message is the `earlog test` line."""


class EarlogFile(pytest.File):
    def collect(self):
        from earlog.dsl.suite import expectations

        try:
            steps = expectations(self.path)
        except EarlogError as e:
            raise self.CollectError(str(e)) from None
        if all(s.todo for s in steps):
            yield EarlogItem.from_parent(self, name="(no expectations)", step=None)
        for step in steps:
            q = step.question
            label = f"line {q.span.line}: {q.text}"
            if step.case:
                label = f"{step.case} | {label}"
            yield EarlogItem.from_parent(self, name=label, step=step)

    class CollectError(Exception):
        pass


class EarlogItem(pytest.Item):
    def __init__(self, *, step: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step = step

    def runtest(self) -> None:
        from earlog.dsl.suite import expectations, no_expectations, run_step

        if self.step is None:
            result = no_expectations(self.path, sum(s.todo for s in expectations(self.path)))
        else:
            result = run_step(self.step)
        if result.skipped:
            pytest.skip(result.skipped_line())
        if not result.passed:
            raise EarlogFailure(result.failure_line())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (EarlogFailure, EarlogError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        line = self.step.question.span.line - 1 if self.step is not None else 0
        return self.path, line, self.name
