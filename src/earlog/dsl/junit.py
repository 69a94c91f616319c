"""`earlog test --junit-xml`: the results as the JUnit XML that CI servers read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from earlog.dsl.suite import Result


def write_junit(path: Path, results: list[Result]) -> None:
    """One <testsuite> per file, one <testcase> per expectation (or per file that failed to load)."""
    root = ET.Element("testsuites", name="earlog")
    by_file: dict[str, list[Result]] = {}
    for r in results:
        by_file.setdefault(r.file, []).append(r)
    for file, rs in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(rs)),
                              failures=str(sum(not r.passed and not r.skipped and not r.error for r in rs)),
                              errors=str(sum(r.error for r in rs)), skipped=str(sum(r.skipped for r in rs)))
        for r in rs:
            name = f"line {r.line}: {r.expectation}" + (f" [case: {r.case}]" if r.case else "")
            case = ET.SubElement(suite, "testcase", classname=file, name=name, file=file, line=str(r.line))
            if r.error:
                ET.SubElement(case, "error", message=r.actual).text = r.failure_line()
            elif r.skipped:
                ET.SubElement(case, "skipped", message="todo case")
            elif not r.passed:
                ET.SubElement(case, "failure", message=f"actual: {r.actual}").text = r.failure_line()
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
