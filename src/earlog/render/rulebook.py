"""The rulebook (earlog.explain.rulebook) as self-contained HTML (inline CSS, no
script, nothing fetched) or as Markdown.  Every piece of text from the policy or the
suites is escaped: a rule text with `<script>` in it is shown, never run."""

from __future__ import annotations

import html
import os
import re

from earlog.explain.rulebook import CaseRef, Entry, Rulebook

_MAX_EXERCISED = 5  # cases listed per rule beyond those that pin it; the rest are counted

_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45}
h1{font-size:1.8rem}h2{margin-top:2.5rem;border-bottom:1px solid #bbb}h3{color:#555;font-size:1.05rem}
nav ol{columns:2}article.rule{margin:1.2rem 0 1.6rem;padding-left:.8rem;border-left:3px solid #ccd}
h4.rule-id{font-family:Menlo,Consolas,monospace;font-size:.95rem;margin:0}
p.cite{font-size:.9rem;color:#444;margin:.2rem 0}p.text{font-size:1.05rem;margin:.3rem 0}
blockquote{margin:.4rem 0 .4rem 1rem;padding-left:.6rem;border-left:2px solid #ddd;color:#333;font-size:.93rem}
blockquote footer{font-size:.8rem;color:#666}p.switch,p.cases{font-size:.88rem;margin:.25rem 0}
details{margin:.3rem 0}summary{cursor:pointer;font-size:.85rem;color:#335}
pre{background:#f6f6f8;padding:.5rem;overflow-x:auto;font-size:.82rem}p.intro{font-style:italic;color:#444}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _href(ref: CaseRef, base: str | None) -> str:
    path = ref.file
    if base is not None:
        try:
            path = os.path.relpath(os.path.abspath(ref.file), base)
        except ValueError:
            path = os.path.abspath(ref.file)
    return f"{path}#L{ref.line}"


def render_rulebook_html(book: Rulebook, base: str | None = None) -> str:
    """`base`: the folder the HTML file is written to, so case links are relative to it."""
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>earlog rulebook: {_e(book.policy)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>The rulebook of {_e(book.policy)}</h1>",
           "<p>Every rule of the policy, in the order of the regulation: its citation, its text in plain "
           "English, the sentence of the source it encodes, the readings that switch it, the regression cases "
           "that pin it, and its ASP source (folded).</p>",
           "<nav><h2>Contents</h2><ol>"]
    out += [f'<li><a href="#{_slug(c.file)}">{_e(c.title)}</a></li>' for c in book.chapters]
    out.append("</ol></nav>")
    for c in book.chapters:
        out.append(f'<section id="{_slug(c.file)}">')
        out.append(f"<h2>{_e(c.title)}</h2>")
        if c.intro:
            out.append(f'<p class="intro">{_e(c.intro)}</p>')
        heading = None
        for en in c.entries:
            if en.heading and en.heading != heading:
                out.append(f"<h3>{_e(en.heading)}</h3>")
            heading = en.heading
            out += _html_entry(en, base)
        out.append("</section>")
    out.append('<section id="sources"><h2>Sources</h2><ul>')
    out += [f"<li>{_e(s)}</li>" for s in book.sources]
    out.append("</ul></section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_entry(en: Entry, base: str | None) -> list[str]:
    r = en.rule
    out = [f'<article class="rule" id="rule-{_e(r.id)}">', f'<h4 class="rule-id">{_e(r.id)}</h4>',
           f'<p class="cite">{_e(en.cite)}</p>', f'<p class="text">{_e(r.text)}</p>']
    for who, sentence in en.seeds:
        out.append(f"<blockquote>{_e(sentence)}<footer>{_e(who)}</footer></blockquote>")
    for q, a, positive in en.switches:
        how = "applies under" if positive else "applies unless"
        out.append(f'<p class="switch">Interpretation: {how} <code>{_e(q)} = {_e(a)}</code></p>')
    out += _html_cases(en, base)
    out.append(f"<details><summary>ASP source ({_e(r.file)}:{r.line})</summary>"
               f"<pre><code>{_e(r.source)}</code></pre></details>")
    out.append("</article>")
    return out


def _html_cases(en: Entry, base: str | None) -> list[str]:
    def link(c: CaseRef) -> str:
        return f'<a href="{_e(_href(c, base))}">{_e(c.file)}:{c.line}</a> ({_e(c.label)})'

    out = []
    if en.pins:
        out.append('<p class="cases">Pinned by: ' + "; ".join(link(c) for c in en.pins) + "</p>")
    if en.exercised:
        shown = en.exercised[:_MAX_EXERCISED]
        more = len(en.exercised) - len(shown)
        out.append('<p class="cases">Exercised by: ' + "; ".join(link(c) for c in shown)
                   + (f"; and {more:,} more" if more > 0 else "") + "</p>")
    return out


# --- Markdown ------------------------------------------------------------------------------

_MD = re.compile(r"([\\`*<>\[\]|#])|(?<!\w)_|_(?!\w)")


def _m(text: str) -> str:
    return _MD.sub(lambda m: "\\" + m.group(0), re.sub(r"\s*\n\s*", " ", text))


def render_rulebook_markdown(book: Rulebook, base: str | None = None) -> str:
    out = [f"# The rulebook of {_m(book.policy)}", "",
           "Every rule of the policy, in the order of the regulation: its citation, its text, the sentence "
           "of the source it encodes, the readings that switch it, the regression cases that pin it, and its "
           "ASP source.", ""]
    for c in book.chapters:
        out += [f"## {_m(c.title)}", ""]
        if c.intro:
            out += [f"*{_m(c.intro)}*", ""]
        heading = None
        for en in c.entries:
            if en.heading and en.heading != heading:
                out += [f"### {_m(en.heading)}", ""]
            heading = en.heading
            r = en.rule
            out += [f"#### `{r.id}`", "", f"*{_m(en.cite)}*", "", _m(r.text), ""]
            out += [f"> {_m(s)} — *{_m(who)}*\n" for who, s in en.seeds]
            for q, a, positive in en.switches:
                out += [f"Interpretation: applies {'under' if positive else 'unless'} `{q} = {a}`", ""]
            if en.pins:
                out += ["Pinned by: " + "; ".join(f"[{_m(x.file)}:{x.line}]({_href(x, base)}) ({_m(x.label)})"
                                                  for x in en.pins), ""]
            if en.exercised:
                shown = en.exercised[:_MAX_EXERCISED]
                more = len(en.exercised) - len(shown)
                out += ["Exercised by: " + "; ".join(f"[{_m(x.file)}:{x.line}]({_href(x, base)})" for x in shown)
                        + (f"; and {more:,} more" if more > 0 else ""), ""]
            src = html.escape(r.source)
            out += [f"<details><summary>ASP source ({_m(r.file)}:{r.line})</summary>", "",
                    f"<pre><code>{src}</code></pre>", "", "</details>", ""]
    out += ["## Sources", ""] + [f"- {_m(s)}" for s in book.sources]
    return "\n".join(out).rstrip() + "\n"
