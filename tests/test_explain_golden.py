"""Golden files for every explanation renderer (STYLE.md §12).

Each case is a question about tests/golden/explain/lpp_cap.json (a Brazilian
buyer whose earlier LPP shipments leave too little of the 26,900,000 TPP annual
cap, seed 004) and one expected file per renderer beside it.  Depth-limited, so
a change elsewhere in the policy does not move them.  After an intended change,
regenerate with EARLOG_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest
from clingo import parse_term

from earlog.explain import Explanation, explain
from earlog.render.explanation_dot import render_dot, render_svg
from earlog.render.explanation_json import render_json
from earlog.render.explanation_markdown import render_markdown
from earlog.render.explanation_tree import render_plain
from earlog.scenario.json_input import load_json_text

GOLDEN = Path(__file__).parent / "golden" / "explain"
CASES = {
    # case: (sentence, atom, why_not, depth)
    "why_not_within_cap": ("LPP's cap condition fails: 25,331,200 + 3,166,400 > 26,900,000.",
                           'met("t1", lpp, within_cap)', True, 2),
    "why_cap_exceeded": ("The carve-out lpp.cap_exceeded holds, with the same numbers.",
                         'lpp_cap_exceeded("t1")', False, 1),
    "why_not_lpp": ("LPP is unavailable: its last condition, the annual cap, failed.",
                    'exception_available("t1", lpp)', True, 1),
}
RENDERERS = {"txt": render_plain, "json": render_json, "md": render_markdown, "dot": render_dot}


def _explanation(atom: str, why_not: bool, depth: int) -> Explanation:
    text = (GOLDEN / "lpp_cap.json").read_text(encoding="utf-8")
    sc = load_json_text(text, file="lpp_cap.json")  # a fixed name, so paths in the output do not depend on cwd
    return explain(sc, parse_term(atom), why_not=why_not, depth=depth)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("ext", sorted(RENDERERS))
def test_golden(case: str, ext: str) -> None:
    sentence, atom, why_not, depth = CASES[case]
    actual = RENDERERS[ext](_explanation(atom, why_not, depth)).rstrip("\n") + "\n"
    path = GOLDEN / f"{case}.{ext}"
    if os.environ.get("EARLOG_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"expected {path}", "actual"))
        pytest.fail(f"{path}:1: {sentence}\n{diff}", pytrace=False)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_svg_renders() -> None:
    svg = render_svg(_explanation('met("t1", lpp, within_cap)', True, 1)).decode()
    assert "<svg" in svg and "lpp.within_cap" in svg
