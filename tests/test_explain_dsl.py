"""Explanations asked in the language: `why` / `why not` in `earlog run` and the
REPL (answered once, at the depth the question asks for)."""

from __future__ import annotations

from earlog.commands.repl import run_lines

DEAL = """\
party nuvem { hq: BR, located: BR }
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem,
                 end_use: inference, date: 2025-06-01, prior_notification: yes, prior_certification: yes }
"""


def _run(question: str) -> str:
    out: list[str] = []
    run_lines([*DEAL.splitlines(), question], out.append)
    return "\n".join(out)


def test_why_not_of_a_conclusion_that_holds_says_so_once() -> None:
    """Issue 11 point 5: the message was printed twice (the answer and the engine's error)."""
    text = _run("why not exception LPP available for t1")
    assert text.count("holds") == 1, text
    assert "exception LPP available for t1 holds; ask `why` instead." in text


def test_why_of_a_conclusion_that_does_not_hold_says_so_once() -> None:
    text = _run("why exception AIA available for t1")
    assert text.count("does not hold") == 1, text
    assert "ask `why not` instead" in text


def test_why_depth_and_all_parse_and_format() -> None:
    from earlog.dsl.formatter import format_document
    from earlog.dsl.parser import parse_text

    doc = parse_text(DEAL + "why outcome for t1 depth 3\nwhy not exception AIA available for t1 all\n"
                     "why license_required for t1 depth all\nwhy outcome for t1\n")
    depths = [s.depth for s in doc.statements if getattr(s, "kind", "") in ("why", "why_not")]
    assert depths == [3, "all", "all", None]
    src = DEAL + "why outcome for t1   depth 3\nwhy not exception AIA available for t1 all\n"
    out = format_document(parse_text(src))
    assert "why outcome for t1 depth 3" in out and "why not exception AIA available for t1 all" in out


def test_a_bad_depth_is_a_one_line_error() -> None:
    import pytest

    from earlog.dsl.errors import DslError
    from earlog.dsl.parser import parse_text

    with pytest.raises(DslError) as e:
        parse_text(DEAL + "why outcome for t1 depth 99999\n")
    assert "expected a depth of 0 to 1000 levels" in str(e.value) and ":5:26:" in str(e.value)


def test_depth_sets_how_far_the_answer_goes() -> None:
    """`depth 1` stops at the rule's own conditions; `all` reaches the scenario's facts."""
    shallow = _run("why exception LPP available for t1 depth 1")
    deep = _run("why exception LPP available for t1 all")
    assert "ask with a greater depth" in shallow and "Facts of the scenario relied on" not in shallow
    assert "ask with a greater depth" not in deep
    assert "transaction t1: quantity = 1,000 (" in deep
    assert len(deep.splitlines()) > 2 * len(shallow.splitlines())
    assert "not expanded here" not in deep


def test_why_not_shows_the_numbers_by_default() -> None:
    """Seed 004: "up to a cumulative TPP of 26,900,000 per year per ultimate consignee"."""
    out: list[str] = []
    run_lines([*DEAL.replace("1,000", "2,000").splitlines(), "why not exception LPP available for t1"], out.append)
    joined = "\n".join(out)
    assert "0 + 31,664,000 = 31,664,000 TPP > 26,900,000 TPP (lpp annual cap)" in joined
