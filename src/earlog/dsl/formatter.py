"""`earlog fmt`: the canonical layout of a .earlog document.

Canonical means: one statement per line; a declaration on one line when it fits
in 100 columns and has no comment inside, otherwise one field per line; two
spaces of indentation in a case; at most one blank line kept between statements,
always one around a case; `yes`/`no` for booleans; names quoted only when they
must be.  Numbers keep their spelling (`1,000`, `15_832`, `1e26` all stay), since
the writer chose the one that reads best.  Comments stay with the statement or
field they were written beside.  Formatting twice gives the same text.
"""

from __future__ import annotations

import itertools
import re
from collections import deque

from earlog.dsl.nodes import (
    Case,
    Conclusion,
    Declaration,
    Document,
    Expectation,
    Field,
    Name,
    Question,
    SetField,
    Setting,
    Statement,
    Value,
)
from earlog.dsl.parser import word_keywords

WIDTH = 100
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*$")


def format_document(doc: Document) -> str:
    return _Formatter(doc).run()


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def name(n: Name | str) -> str:
    text = n.text if isinstance(n, Name) else n
    if _BARE.match(text) and text not in word_keywords():
        return text
    return _quote(text)


def value(v: Value) -> str:
    if v.kind == "string":
        return _quote(v.raw)
    if v.kind == "word":
        return name(v.raw)
    if v.kind == "bool":
        return "yes" if v.raw else "no"
    if v.kind == "none":
        return "none"
    if v.kind == "list":
        return "[" + ", ".join(value(x) for x in v.raw) + "]"
    if v.kind == "object":
        return "{ " + ", ".join(field(f) for f in v.raw) + " }" if v.raw else "{}"
    return v.text


def field(f: Field) -> str:
    return f"{f.key}: {value(f.value)}"


def _head(d: Declaration) -> list[str]:
    if d.head is None:
        return []
    h = d.head
    return [f"{name(h.kind)} {h.quantity.text} {name(h.item)} from {name(h.from_)} to {name(h.to)}"]


def setting(s: Setting) -> str:
    if s.kind == "policy":
        return f"policy {name(s.target)}"
    if s.kind == "country":
        inner = ", ".join(field(f) for f in s.fields)
        return f"country {name(s.target)} {{ {inner} }}" if inner else f"country {name(s.target)} {{}}"
    if s.kind == "assume":
        # the grammar reads an alternative as a bare name, even `yes`/`no` (cyprus_in_d5 = yes)
        return f"assume {name(s.target)} = {s.value.raw}"
    return f"{s.kind} {name(s.target)} = {s.value.text}"


def change(c: Declaration | Setting | SetField) -> str:
    if isinstance(c, SetField):
        return ".".join([name(c.entity), *(p.text for p in c.path)]) + f" = {value(c.value)}"
    if isinstance(c, Setting):
        return setting(c)
    parts = _head(c) + [field(f) for f in c.fields]
    return f"{c.kind} {name(c.name)} {{ {', '.join(parts)} }}" if parts else f"{c.kind} {name(c.name)} {{}}"


def _for(tx: Name | None) -> str:
    return f" for {name(tx)}" if tx is not None else ""


def conclusion(c: Conclusion) -> str:
    if c.kind in ("exception", "veu"):
        return f"{c.kind} {name(c.name)} available{_for(c.tx)}"
    v = f" = {name(c.value)}" if c.value is not None else ""
    return f"{name(c.name)}{v}{_for(c.tx)}"


def expectation(e: Expectation) -> str:
    rules = ", ".join(r.text for r in e.rules)
    if e.kind in ("exception", "veu"):
        code = name(e.subject[0])
        if e.availability == "available":
            tail = "available" + (f" by {rules}" if rules else "")
        elif e.availability == "not_available":
            tail = "not available"
        else:
            tail = f"failed {rules}"
        return f"{e.kind} {code} {tail}{_for(e.tx)}"
    vals = ", ".join(value(v) for v in e.values) or "[]"
    if e.kind == "available":
        return f"available = {vals}{_for(e.tx)}"
    by = f" by {rules}" if rules else ""
    return f"{'.'.join(n.text for n in e.subject)} = {vals}{by}{_for(e.tx)}"


def question(q: Question) -> str:
    if q.search is not None:  # find, check, diff, `-- smallest change`
        from earlog.space.dsl import format_question

        return format_question(q)
    if q.kind == "ask":
        if q.names:
            return f"ask {', '.join(name(n) for n in q.names)}" + (
                f" for {', '.join(name(n) for n in q.txs)}" if q.txs else "")
        return "ask" + (f" {', '.join(name(n) for n in q.txs)}" if q.txs else "")
    depth = "" if q.depth is None else " all" if q.depth == "all" else f" depth {q.depth}"
    if q.kind == "why":
        return f"why {conclusion(q.conclusion)}{depth}"
    if q.kind == "why_not":
        return f"why not {conclusion(q.conclusion)}{depth}"
    if q.kind == "what_if":
        return "what if " + ", ".join(change(c) for c in q.changes)
    return f"{q.kind} {expectation(q.expectation)}"


class _Formatter:
    """Comments are consumed front to back from a queue in line order (one per line at
    most), so formatting is linear in the number of comments and lines."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.lines = doc.text.splitlines()
        # empty lines up to each line, so "is there a blank line between a and b" is O(1)
        self.blanks = [0]
        for ln in self.lines:
            self.blanks.append(self.blanks[-1] + (not ln.strip()))
        # (line, text, own_line)
        self.comments: deque[tuple[int, str, bool]] = deque(
            (ln, text, not self.lines[ln - 1][: col - 1].strip()) for ln, col, text in doc.comments)
        self.out: list[str] = []
        self.last_line = 0  # last source line emitted

    def blank_between(self, line: int) -> bool:
        """Whether the source has an empty line between what was emitted last and `line`."""
        lo, hi = max(self.last_line, 0), min(line - 1, len(self.lines))
        return hi > lo and self.blanks[hi] - self.blanks[lo] > 0

    def emit_comments_before(self, line: int, indent: str) -> None:
        while self.comments and self.comments[0][0] < line:
            ln, text, _own = self.comments.popleft()
            if self.out and self.blank_between(ln) and self.out[-1] != "":
                self.out.append("")
            self.out.append(indent + text)
            self.last_line = ln

    def pending(self, lo: int, hi: int) -> list[tuple[int, str, bool]]:
        """The comments not yet emitted on lines lo..hi (inclusive), left in the queue."""
        return [c for c in itertools.takewhile(lambda c: c[0] <= hi, self.comments) if c[0] >= lo]

    def trailing(self, lo: int, hi: int) -> list[str]:
        """Pop the comments on lines lo..hi (inclusive)."""
        got, keep = [], []
        while self.comments and self.comments[0][0] <= hi:
            c = self.comments.popleft()
            (got if c[0] >= lo else keep).append(c)
        self.comments.extendleft(reversed(keep))
        return [t for _, t, _ in got]

    def run(self) -> str:
        self.statements(self.doc.statements, "")
        self.emit_comments_before(10**9, "")
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(self.out) + "\n" if self.out else ""

    def statements(self, stmts: list[Statement], indent: str) -> None:
        prev_case = False
        for st in stmts:
            self.emit_comments_before(st.span.line, indent)
            is_case = isinstance(st, Case)
            if self.out and self.out[-1] != "" and not self.out[-1].rstrip().endswith("{") and (
                    self.blank_between(st.span.line) or is_case or prev_case):
                self.out.append("")
            if isinstance(st, Case):
                self.case(st, indent)
            elif isinstance(st, Declaration):
                self.declaration(st, indent)
            elif isinstance(st, Setting) and st.kind == "country" and st.fields:
                self.block(f"country {name(st.target)}", [], st.fields, st.span.line, st.span.end_line, indent)
            elif getattr(st, "is_space", False):
                from earlog.space.dsl import format_space

                extra = self.trailing(st.span.line, st.span.end_line)
                self.out.extend(*([indent + line for line in format_space(st).splitlines()],))
                if extra:
                    self.out[-1] += f"  {extra[-1]}"
            else:
                text = setting(st) if isinstance(st, Setting) else question(st)
                extra = self.trailing(st.span.line, st.span.end_line)
                self.out.append(indent + text + (f"  {extra[-1]}" if extra else ""))
                for e in extra[:-1]:
                    self.out.insert(len(self.out) - 1, indent + e)
            self.last_line = st.span.end_line
            prev_case = is_case

    def declaration(self, d: Declaration, indent: str) -> None:
        self.block(f"{d.kind} {name(d.name)}", _head(d), d.fields, d.span.line, d.span.end_line, indent,
                   d.head.kind.span.line if d.head is not None else None)

    def block(self, opener: str, head: list[str], fields: list[Field], first: int, last: int, indent: str,
              head_line: int | None = None) -> None:
        parts = head + [field(f) for f in fields]
        inner = self.pending(first, last)
        one = f"{indent}{opener} {{ {', '.join(parts)} }}" if parts else f"{indent}{opener} {{}}"
        if not inner and len(one) <= WIDTH:
            self.out.append(one)
            return
        if not inner[:-1] and inner and inner[-1][0] == last and first == last and len(one) <= WIDTH:
            self.trailing(first, last)
            self.out.append(f"{one}  {inner[-1][1]}")
            return
        opening = self.trailing(first, first) if not (head or fields) or _line_of_first(fields, head, first) else []
        self.out.append(f"{indent}{opener} {{" + (f"  {opening[-1]}" if opening else ""))
        for e in opening[:-1]:
            self.out.insert(len(self.out) - 1, indent + e)
        self.last_line = first
        entries: list[tuple[int, str]] = []
        if head:
            entries.append((head_line or first, head[0]))
        entries.extend((f.key_span.line, field(f)) for f in fields)
        for i, (ln, text) in enumerate(entries):
            self.emit_comments_before(ln, indent + "  ")
            own_tail = self.trailing(ln, ln)
            sep = "," if i + 1 < len(entries) else ""
            self.out.append(f"{indent}  {text}{sep}" + (f"  {own_tail[-1]}" if own_tail else ""))
            for e in own_tail[:-1]:
                self.out.insert(len(self.out) - 1, f"{indent}  {e}")
            self.last_line = ln
        # comments above the closing brace stay inside; one after it stays after it
        self.emit_comments_before(last, indent + "  ")
        closing = self.trailing(last, last)
        self.out.append(f"{indent}}}" + (f"  {closing[-1]}" if closing else ""))
        self.last_line = last

    def case(self, c: Case, indent: str) -> None:
        head = f"{indent}{'todo ' if c.todo else ''}case {_quote(c.title)}"
        if c.changes:
            head += " with " + ", ".join(change(x) for x in c.changes)
        first_body = c.body[0].span.line if c.body else c.span.end_line
        opening = self.trailing(c.span.line, c.span.line) if first_body > c.span.line else []
        self.out.append(head + " {" + (f"  {opening[-1]}" if opening else ""))
        for e in opening[:-1]:
            self.out.insert(len(self.out) - 1, indent + e)
        self.last_line = c.span.line
        self.statements(c.body, indent + "  ")
        self.emit_comments_before(c.span.end_line, indent + "  ")
        closing = self.trailing(c.span.end_line, c.span.end_line)
        self.out.append(f"{indent}}}" + (f"  {closing[-1]}" if closing else ""))
        self.last_line = c.span.end_line


def _line_of_first(fields: list[Field], head: list[str], first: int) -> bool:
    """Whether the block's first line holds only its opener (so a comment there trails the `{`)."""
    if head:
        return False
    return not fields or fields[0].key_span.line > first
