"""The rulebook (issue 11 point 6): policy/ as an annotated statute.  The HTML parses,
every rule id appears exactly once as a rule heading, cases link to the rules they pin,
and hostile text from the policy or the suites is escaped, never markup."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from earlog.cli import app
from earlog.engine import load_policy
from earlog.explain.rulebook import build_rulebook, case_index
from earlog.render.rulebook import render_rulebook_html, render_rulebook_markdown

VOID = {"meta", "br", "hr", "img", "link", "input"}


class Page(HTMLParser):
    """Collects the rule headings and checks every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.rule_ids: list[str] = []
        self.scripts = 0
        self._in_rule_id = False
        self.errors: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "a":
            self.links.append(a.get("href", ""))
        if tag not in VOID:
            self.stack.append(tag)
        self._in_rule_id = tag == "h4" and a.get("class") == "rule-id"

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()
        self._in_rule_id = False

    def handle_data(self, data):
        if self._in_rule_id:
            self.rule_ids.append(data)


def _parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    p.close()
    return p


def test_html_parses_and_every_rule_heads_once() -> None:
    policy = load_policy()
    page = _parse(render_rulebook_html(build_rulebook(policy)))
    assert not page.errors and page.stack == []
    assert sorted(page.rule_ids) == sorted(policy.rules)  # each rule id exactly once as a heading
    assert page.scripts == 0


def test_rules_follow_the_regulation_and_carry_their_parts() -> None:
    """LPP (15 CFR 740.29) comes after AIA (740.27); a rule shows its seed sentence and ASP source."""
    html = render_rulebook_html(build_rulebook(load_policy()))
    assert html.index('id="rule-aia.available"') < html.index('id="rule-lpp.available"')
    lpp = html[html.index('id="rule-lpp.within_cap"'):]
    lpp = lpp[:lpp.index("</article>")]
    assert "up to a cumulative TPP of 26,900,000 per year per ultimate consignee" in lpp
    assert "Covington client alert" in lpp and "<details><summary>ASP source (exceptions/lpp.lp:" in lpp
    assert "met(T, lpp, within_cap) :-" in lpp
    cy = html[html.index('id="rule-countries.cyprus_d5"'):]
    assert "applies under <code>cyprus_in_d5 = yes</code>" in cy[:cy.index("</article>")]
    assert "90 FR 4544" in html


def test_cases_that_pin_a_rule_are_linked(tmp_path: Path) -> None:
    suite = tmp_path / "lpp_suite.earlog"
    suite.write_text(
        "party nuvem { hq: BR, located: BR }\n"
        "item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }\n"
        "transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem,\n"
        "                 end_use: inference, date: 2025-06-01 }\n"
        "case \"LPP covers 1,000 H100s to a Brazilian cloud\" {\n"
        "  expect exception LPP available by lpp.available\n"
        "}\n")
    policy = load_policy()
    cases, notes = case_index(policy, [tmp_path], use_cache=False)
    assert not notes
    assert [(c.line, c.label) for c in cases["lpp.available"]["pins"]] == \
        [(6, "LPP covers 1,000 H100s to a Brazilian cloud")]
    assert cases["lpp.within_cap"]["exercised"]
    out = tmp_path / "book.html"
    html = render_rulebook_html(build_rulebook(policy, cases, [str(tmp_path)]), str(tmp_path))
    out.write_text(html)
    page = _parse(html)
    assert "lpp_suite.earlog#L6" in page.links


def test_a_broken_suite_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.earlog").write_text("party {\n")
    cases, notes = case_index(load_policy(), [tmp_path], use_cache=False)
    assert cases == {} and len(notes) == 1 and "broken.earlog" in notes[0]


def test_hostile_policy_text_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "policy"
    shutil.copytree(load_policy().root, root)
    (root / "zz_hostile.lp").write_text(
        "% --- </h3><script>alert(1)</script> ---\n"
        "%% @rule   hostile.rule\n"
        "%% @cite   15 CFR 740.29; <img src=x onerror=alert(1)>\n"
        "%% @text   A </p><script>alert(2)</script> & \"quoted\" text.\n"
        "hostile_x(1) :- param(lpp_annual_cap_tpp, _).\n", encoding="utf-8")
    policy = load_policy(str(root))
    html = render_rulebook_html(build_rulebook(policy))
    page = _parse(html)
    assert page.scripts == 0 and not page.errors
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; &quot;quoted&quot;" in html
    assert "<img" not in html
    md = render_rulebook_markdown(build_rulebook(policy))
    assert not re.search(r"(?<!\\)<script", md) and "\\<script\\>" in md


def test_cli_writes_markdown(tmp_path: Path) -> None:
    out = tmp_path / "rulebook.md"
    r = CliRunner().invoke(app, ["rulebook", "--format", "markdown", "--no-cases", "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert text.startswith("# The rulebook of policy")
    assert text.count("#### `lpp.within_cap`") == 1
