"""A memo (earlog.explain.memo) as Markdown, to paste into a legal memo, or as
plain text for the terminal: the conclusion, the rule that decided it, the
decisive conditions numbered with their values, citations and seed sentences,
then the scenario facts, readings and sources relied on.

User text (ids, file names) is printed through `_esc`, so a newline or a
Markdown character in a party name cannot forge a line of the memo.
"""

from __future__ import annotations

import re

from earlog.explain.memo import Block, Memo, Point

_LABEL = {"met": "Met", "not met": "Not met", "applies": "Applies", "does not apply": "Does not apply",
          "not stated": "Not stated", "instead": "Instead"}
_CTRL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MD = re.compile(r"([\\`*<\[\]])|(?<!\w)_|_(?!\w)")


_MORE = "(its conditions: ask with a greater depth: `--depth N`, or `depth N` / `all` in the language)"


def _clean(text: str) -> str:
    """Control characters shown as escapes: a value cannot start a line of its own."""
    return _CTRL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _md(text: str) -> str:
    return _MD.sub(lambda m: "\\" + m.group(0), _clean(text))


def _title(m: Memo) -> str:
    verdict = "holds" if m.holds else "does not hold"
    return f"Why {'not ' if m.question == 'why_not' else ''}{m.conclusion}", verdict


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _with_value(p: Point, esc, strong: str = "") -> str:
    """The rule's sentence with what it concluded here ("The tier of a shipment's destination: 2.");
    for a condition not met, the value it was asked for ("...: not 1.")."""
    text = esc(_cap(p.text))
    if not p.value:
        return text
    neg = "not " if p.status == "not met" else ""
    return f"{text.rstrip('.')}: {neg}{strong}{esc(p.value)}{strong}."


def _number(points: list[Point], prefix: str = "") -> None:
    for i, p in enumerate(points, 1):
        p.number = f"{prefix}{i}"
        _number(p.children, f"{p.number}.")


# --- Markdown ----------------------------------------------------------------------------

def render_memo_markdown(m: Memo) -> str:
    title, verdict = _title(m)
    out = [f"## {_md(title)}", ""]
    where = f" for the scenario `{_clean(m.scenario)}`" if m.scenario else ""
    out.append(f"**Conclusion.** {_md(m.conclusion)} {verdict}{where}.")
    out.append("")
    if m.note:
        out += [_md(m.note[0].upper() + m.note[1:]) + ".", ""]
    for b in m.blocks:
        _number(b.points)
        out += _md_block(b, m)
    out += _md_tail(m)
    return "\n".join(out).rstrip() + "\n"


def _md_block(b: Block, m: Memo) -> list[str]:
    how = "decided it" if b.fired else "would have concluded it"
    out = [f"**Rule `{b.rule}`** ({how}): {_md(b.text)}", "", f"*{_md(b.cite)}* — {b.source}", ""]
    out += [f"> {_md(s)} — *{_md(who)}*" for who, s in b.seeds]
    if b.seeds:
        out.append("")
    if b.numbers:
        out += [f"{'Held' if b.fired else 'Failed'}: **{_md(x)}**" for x in b.numbers] + [""]
    if b.met:
        out.append("Conditions met:")
        out.append("")
        out += [f"- {_md(p.text)} (`{p.rule}`)" for p in b.met]
        out.append("")
    if b.points:
        out.append("Because:" if b.fired else "Not met:")
        out.append("")
        for p in b.points:
            out += _md_point(p, 0)
        out.append("")
    return out


def _md_point(p: Point, level: int) -> list[str]:
    pad = "   " * level
    label = _LABEL.get(p.status, p.status)
    if p.see is not None:
        return [f"{pad}{p.number.rsplit('.', 1)[-1]}. {label}: {_md(p.text)} (see {p.see.number})"]
    rule = f" (`{p.rule}`)" if p.rule else ""
    line = f"{pad}{p.number.rsplit('.', 1)[-1]}. **{label}.** {_with_value(p, _md, '**')}{rule}"
    if p.numbers:
        line += " " + "; ".join(f"**{_md(x)}**" for x in p.numbers) + "."
    out = [line]
    inner = pad + "   "
    if p.cite:
        out.append(f"{inner}*{_md(p.cite)}* — {p.source}")
    for who, s in p.seeds:
        out.append(f"{inner}> {_md(s)} — *{_md(who)}*")
        out.append("")
    if p.more:
        out.append(f"{inner}{_MORE}")
    for c in p.children:
        out += _md_point(c, level + 1)
    return out


def _md_tail(m: Memo) -> list[str]:
    out: list[str] = []
    if m.facts:
        out += ["**Facts of the scenario relied on**", ""] + [f"- {_md(f)}" for f in m.facts] + [""]
    if m.readings:
        out += ["**Interpretations relied on**", ""] + [f"- {_md(r)}" for r in m.readings] + [""]
    if m.sources:
        out += ["**Sources**", ""] + [f"- {_md(s)}" for s in m.sources] + [""]
    return out


# --- plain text ----------------------------------------------------------------------------

def render_memo_text(m: Memo) -> str:
    title, verdict = _title(m)
    out = [_clean(title), ""]
    where = f" (scenario {_clean(m.scenario)})" if m.scenario else ""
    out.append(f"Conclusion: {_clean(m.conclusion)} {verdict}{where}.")
    if m.note:
        out.append(_clean(m.note[0].upper() + m.note[1:]) + ".")
    for b in m.blocks:
        _number(b.points)
        out.append("")
        how = "decided it" if b.fired else "would have concluded it"
        out.append(f"Rule {b.rule} ({how}): {_clean(b.text)}")
        out.append(f"  {_clean(b.cite)} — {b.source}")
        out += [f"  seed: \"{_clean(s)}\" ({_clean(who)})" for who, s in b.seeds]
        out += [f"  {'Held' if b.fired else 'Failed'}: {_clean(x)}" for x in b.numbers]
        if b.met:
            out.append("  Conditions met:")
            out += [f"    - {_clean(p.text)} [{p.rule}]" for p in b.met]
        if b.points:
            out.append("  Because:" if b.fired else "  Not met:")
            for p in b.points:
                out += _text_point(p, 2)
    for head, items in (("Facts of the scenario relied on", m.facts), ("Interpretations relied on", m.readings),
                        ("Sources", m.sources)):
        if items:
            out += ["", f"{head}:"] + [f"  - {_clean(x)}" for x in items]
    return "\n".join(out).rstrip() + "\n"


def _text_point(p: Point, indent: int) -> list[str]:
    pad = " " * indent
    label = _LABEL.get(p.status, p.status)
    if p.see is not None:
        return [f"{pad}{p.number} {label}: {_clean(p.text)} (see {p.see.number})"]
    rule = f" [{p.rule}]" if p.rule else ""
    out = [f"{pad}{p.number} {label}: {_with_value(p, _clean)}{rule}"]
    inner = pad + " " * (len(p.number) + 1)
    out += [f"{inner}{_clean(x)}" for x in p.numbers]
    if p.cite:
        out.append(f"{inner}{_clean(p.cite)} — {p.source}")
    out += [f"{inner}seed: \"{_clean(s)}\" ({_clean(who)})" for who, s in p.seeds]
    if p.more:
        out.append(f"{inner}{_MORE}")
    for c in p.children:
        out += _text_point(c, indent + 3)
    return out
