"""docs/language.md cannot drift from the language (issue 11 point 10): its grammar
appendix is the grammar, every keyword and scenario field is described, every example
parses and the complete one runs; parse errors offer only what fits."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from earlog.commands.repl import run_lines
from earlog.dsl.errors import DslError
from earlog.dsl.parser import parse_text, unsupported_keywords, word_keywords

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
GRAMMAR = ROOT / "src" / "earlog" / "dsl" / "earlog.lark"
_APPENDIX = re.compile(r"(<!-- grammar:begin -->\n```lark\n)(.*?)(```\n<!-- grammar:end -->)", re.S)


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _examples() -> list[str]:
    return re.findall(r"```earlog\n(.*?)```", _doc(), re.S)


def test_appendix_is_the_grammar() -> None:
    """Regenerate with EARLOG_UPDATE_GOLDEN=1 after changing earlog.lark."""
    grammar = GRAMMAR.read_text(encoding="utf-8")
    text = _doc()
    if os.environ.get("EARLOG_UPDATE_GOLDEN"):
        text = _APPENDIX.sub(lambda m: m.group(1) + grammar + m.group(3), text)
        DOC.write_text(text, encoding="utf-8")
    m = _APPENDIX.search(text)
    assert m, f"{DOC}: no grammar appendix between <!-- grammar:begin --> and <!-- grammar:end -->"
    assert m.group(2) == grammar, f"{DOC}: the grammar appendix differs from {GRAMMAR}; regenerate it"


def test_every_keyword_is_described() -> None:
    body = _APPENDIX.sub("", _doc())
    missing = [k for k in sorted(word_keywords()) if not re.search(rf"`[^`]*\b{k}\b[^`]*`|\b{k}\b", body)]
    assert not missing, f"{DOC}: keywords not described: {missing}"


def test_every_scenario_field_is_described() -> None:
    from earlog.scenario import json_input as j

    body = _doc()
    fields = (j._PARTY | j._ITEM | j._TX | j._LEDGER | j._COUNTRY) - {"id"}
    missing = sorted(f for f in fields if f"`{f}`" not in body)
    assert not missing, f"{DOC}: scenario fields not described: {missing}"


@pytest.mark.parametrize("n", range(len(_examples())))
def test_every_example_parses(n: int) -> None:
    src = _examples()[n]
    try:
        parse_text(src, f"{DOC}#example{n + 1}")
    except DslError as e:
        pytest.fail(f"{DOC}: example {n + 1} does not parse: {e}")


def test_the_complete_example_runs_and_its_expectations_pass() -> None:
    out: list[str] = []
    run_lines(_examples()[0].splitlines(), out.append)
    text = "\n".join(out)
    assert "FAILED" not in text and "error" not in text.lower(), text[-2000:]
    assert text.count("ok: expect") == 3


def _error(src: str) -> str:
    with pytest.raises(DslError) as e:
        parse_text(src)
    return str(e.value).splitlines()[0]


def test_parse_errors_offer_what_fits_not_every_keyword() -> None:
    msg = _error("party x { hq: BR }\nfoo\n")
    assert "expected a new statement" in msg and "'ledger'" not in msg and "'}'" not in msg
    msg = _error("party x { hq: BR }\nwhy outcome for t1 depht 3\n")
    # `--` fits too: `why ... -- smallest change` (docs/spaces.md)
    assert "expected one of '--', 'all' or 'depth', or a new statement" in msg and "did you mean 'depth'" in msg
    assert "'from'" not in msg and "','" not in msg  # look-aheads of merged LALR states are not offered


def test_unsupported_questions_are_not_offered() -> None:
    assert {"find", "check"} <= unsupported_keywords() or not unsupported_keywords()
    for src in ("fnd x\n", "party x { hq: BR }\nchek\n", "party x { hq: BR }\n}\n"):
        msg = _error(src)
        for word in unsupported_keywords():
            assert f"'{word}'" not in msg, msg
