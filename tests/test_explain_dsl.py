"""Explanations asked in the language: `why` / `why not` in `earlog run` and the
REPL (answered once, at the depth the question asks for)."""

from __future__ import annotations

from earlog.commands.repl import run_lines

DEAL = """\
party nuvem { hq: BR, located: BR }
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem,
                 end_use: inference, date: 2025-06-01 }
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
