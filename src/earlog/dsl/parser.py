"""Parse .earlog text into a Document (nodes.py), with syntax errors in words.

The grammar is earlog.lark (LALR, contextual lexer: a keyword is a keyword only
where the grammar allows one, so `export` can still name a field value).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from earlog.dsl.errors import DslError, did_you_mean
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
    Span,
    Statement,
    TxHead,
    Value,
)
from earlog.errors import InputError
from earlog.scenario.json_input import _JsonFloat

# how a terminal is named in an error message
_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "ECCN": "an ECCN such as 3A090.a",
    "GROUP": "a country group such as D:4",
    "$END": "the end of the file",
}


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("earlog.dsl").joinpath("earlog.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                start=["start", "conclusion"], maybe_placeholders=False)


@functools.lru_cache(maxsize=1)
def keywords() -> dict[str, str]:
    """Terminal name -> keyword or punctuation text, read from the grammar."""
    out = {}
    for t in _lark().terminals:
        if t.pattern.type == "str":
            out[t.name] = t.pattern.value
    return out


def word_keywords() -> set[str]:
    return {v for v in keywords().values() if v.isalpha()}


def parse_file(path: str | Path) -> Document:
    """Parse a .earlog file (`-` reads stdin), held to the limits of scenario/limits.py."""
    from earlog.scenario.limits import read_text

    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        text = read_text(path)
    except InputError as e:
        raise DslError(name, "", None, e.message) from None
    return parse_text(text, name)


def parse_text(text: str, file: str = "<input>") -> Document:
    _check_nesting(text, file)
    try:
        tree = _lark().parse(text, start="start")
    except UnexpectedInput as e:
        raise syntax_error(e, text, file) from None
    b = _Builder(file, text)
    return Document(file=file, text=text, statements=[b.statement(s) for s in tree.children],
                    comments=comments(text))


def parse_conclusion(text: str, file: str = "<conclusion>") -> Conclusion:
    try:
        tree = _lark().parse(text, start="conclusion")
    except UnexpectedInput as e:
        raise syntax_error(e, text, file) from None
    return _Builder(file, text).conclusion(tree)


# a quoted string (perhaps never closed) or a comment: what bracket counting skips
_NOT_CODE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*')
_BRACKETS = re.compile(r"[\[\]{}\n]")


def _check_nesting(text: str, file: str) -> None:
    """Refuse `[`/`{` nested deeper than any scenario needs, before the parser (and the
    tree builder, which recurses per level) sees them."""
    from earlog.scenario.limits import MAX_DEPTH

    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth, line = 0, 1
    for m in _BRACKETS.finditer(_NOT_CODE.sub("", text)):  # strings and comments hold no newline
        ch = m.group()
        if ch == "\n":
            line += 1
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise DslError(file, text, Span(line, 1, line, 2),
                               f"values nested deeper than {MAX_DEPTH} levels; a scenario needs a handful")
        else:
            depth -= 1


def comments(text: str) -> list[tuple[int, int, str]]:
    """Every `# ...` outside a quoted string, as (line, column, text)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        in_str = esc = False
        for i, ch in enumerate(line):
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch == "#":
                out.append((n, i + 1, line[i:].rstrip()))
                break
    return out


# --- syntax errors in words ---------------------------------------------------

@functools.lru_cache(maxsize=1)
def unsupported_keywords() -> frozenset[str]:
    """Keywords the grammar parses but earlog cannot answer yet, never offered in an error's
    "expected" list: the grammar marks them with a line `// unsupported: find check`."""
    grammar = resources.files("earlog.dsl").joinpath("earlog.lark").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in grammar.splitlines():
        m = re.match(r"^//\s*unsupported:\s*(.*)$", line.strip())
        if m:
            words.update(m.group(1).split())
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def statement_starters() -> frozenset[str]:
    """The terminals that can start a statement (what the parser accepts at the start of a file)."""
    return frozenset(_lark().parse_interactive("", start="start").accepts()) - {"$END"}


def _fitting(e: UnexpectedInput, fallback: set[str]) -> set[str]:
    """The terminals that really fit where the error is.  LALR's expected set can hold
    look-aheads of merged states (`}` after a complete statement); the interactive
    parser tries each terminal on a copy of the parser and keeps those it accepts."""
    ip = getattr(e, "interactive_parser", None)
    if ip is not None:
        try:
            return set(ip.accepts())
        except Exception:  # noqa: BLE001 - any failure: the expected set is still right, only longer
            pass
    return fallback


def _offered(expected: set[str]) -> set[str]:
    kw = keywords()
    hidden = unsupported_keywords()
    return {t for t in expected if kw.get(t) not in hidden}


def _describe(expected: set[str]) -> str:
    """What fits, in words: the words that continue the statement, and "a new statement"
    in place of the list of every statement keyword."""
    expected = _offered(expected)
    starters = _offered(set(statement_starters()))
    if starters and starters <= expected:
        rest = expected - starters - {"$END"}
        statement = "a new statement (such as 'ask', 'why', 'expect' or 'party'; see docs/language.md)"
        return f"{_list(rest)}, or {statement}" if rest else statement
    return _list(expected)


def _list(expected: set[str]) -> str:
    kw = keywords()
    words: list[str] = []
    for name in sorted(expected):
        if name in kw:
            words.append(f"'{kw[name]}'")
        else:
            words.append(_TERMINAL_WORDS.get(name, name.lower()))
    words = sorted(set(words), key=lambda w: (not w.startswith("'"), w))
    if not words:
        return "nothing more"
    if len(words) == 1:
        return words[0]
    return "one of " + ", ".join(words[:-1]) + " or " + words[-1]


def _prev_word(text: str, line: int, col: int) -> tuple[str, Span] | None:
    lines = text.splitlines()
    before = "\n".join(lines[: line - 1] + [lines[line - 1][: col - 1] if line <= len(lines) else ""])
    before = re.sub(r"#[^\n]*", "", before)
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", before)
    if not m:
        return None
    start = m.start(1)
    ln = before.count("\n", 0, start) + 1
    c = start - (before.rfind("\n", 0, start) + 1) + 1
    return m.group(1), Span(ln, c, ln, c + len(m.group(1)))


def syntax_error(e: UnexpectedInput, text: str, file: str) -> DslError:
    kws = word_keywords() - unsupported_keywords()
    if isinstance(e, UnexpectedCharacters):
        expected = _fitting(e, set(e.allowed or ()))
        span = Span(e.line, e.column, e.line, e.column + 1)
        ch = text[e.pos_in_stream] if 0 <= e.pos_in_stream < len(text) else ""
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[e.pos_in_stream:])
        if m:
            span = Span(e.line, e.column, e.line, e.column + len(m.group(0)))
            options = [keywords()[t] for t in _offered(expected) if t in keywords() and keywords()[t].isalpha()]
            return DslError(file, text, span, f"unexpected word {m.group(0)!r}; expected {_describe(expected)}"
                            + did_you_mean(m.group(0), options))
        what = "a quote that is never closed" if ch == '"' else f"unexpected character {ch!r}"
        return DslError(file, text, span, f"{what}; expected {_describe(expected)}")
    if isinstance(e, UnexpectedToken):
        tok: Token = e.token
        expected = _fitting(e, set(e.expected or ()))
        if tok.type == "$END":
            return _at_end(text, file, expected)
        span = Span.of(tok)
        shown = f"{tok.value!r}"
        options = [keywords()[t] for t in _offered(expected) if t in keywords() and keywords()[t].isalpha()]
        hint = did_you_mean(str(tok.value), options) if tok.type == "NAME" else ""
        if not hint:
            prev = _prev_word(text, tok.line, tok.column)
            if prev and prev[0] not in kws:
                near = did_you_mean(prev[0], kws)
                if near:
                    return DslError(file, text, prev[1], f"unknown word {prev[0]!r}{near}")
        return DslError(file, text, span, f"unexpected {shown}; expected {_describe(expected)}{hint}")
    if isinstance(e, UnexpectedEOF):
        return _at_end(text, file, _fitting(e, set(e.expected or ())))
    return DslError(file, text, None, str(e))


def _at_end(text: str, file: str, expected: set[str]) -> DslError:
    lines = text.splitlines() or [""]
    ln = len(lines)
    while ln > 1 and not lines[ln - 1].strip():
        ln -= 1
    col = len(lines[ln - 1]) + 1
    return DslError(file, text, Span(ln, col, ln, col + 1),
                    f"the text ends in the middle of a statement; expected {_describe(expected)}")


# --- tree -> nodes ----------------------------------------------------------------

def _unquote(s: str) -> str:
    body = s[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


_MAX_DEPTH = 1000  # `why ... depth N`: more levels than any derivation has


def _number(tok: Token, file: str, text: str, fractions: bool = False) -> int | float:
    """A written number.  A field value may be a fraction (a performance density, a die
    area, MacTOPS): it is passed on as the JSON reader's own float that keeps the digits
    written, so the reader decides, exactly as for a JSON file, whether the field takes one."""
    from earlog.scenario.limits import MAX_AMOUNT_DIGITS

    raw = str(tok).replace("_", "").replace(",", "")
    try:
        d = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the lexer only lets numbers through
        raise DslError(file, text, Span.of(tok), f"{str(tok)!r} is not a number") from None
    if d and d.adjusted() >= MAX_AMOUNT_DIGITS:
        # checked before anything rounds or expands it: 1e1000000 overflows the decimal context
        raise DslError(file, text, Span.of(tok), f"the number {str(tok)[:40]} is too large; earlog accepts "
                                                 f"amounts below 10^{MAX_AMOUNT_DIGITS}")
    if d and d.adjusted() < -MAX_AMOUNT_DIGITS:
        raise DslError(file, text, Span.of(tok), f"the number {str(tok)[:40]} has too many decimals")
    if fractions and d.is_finite() and d != d.to_integral_value() and abs(d) <= Decimal(10) ** 40:
        return _JsonFloat(raw)
    if d != d.to_integral_value():
        raise DslError(file, text, Span.of(tok),
                       f"expected a whole number, got {str(tok)}; earlog counts units, TPP and dates in integers")
    if abs(d) > Decimal(10) ** 40:
        raise DslError(file, text, Span.of(tok), f"the number {str(tok)} is too large")
    return int(d)


def _flatten(values: list[Value]) -> list[Value]:
    """`expect red_flags = [a, b]` means `expect red_flags = a, b`; `= []` expects none."""
    if len(values) == 1 and values[0].kind == "list":
        return list(values[0].raw)
    return values


class _Builder:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text

    def err(self, span: Span, message: str) -> DslError:
        return DslError(self.file, self.text, span, message)

    def unquote(self, tok: Token) -> str:
        """A quoted string's text; an escape that writes a control character (`\\n`, `\\t`) is
        refused, since the text becomes a name or a case title printed in reports."""
        from earlog.scenario.limits import bad_character

        s = _unquote(str(tok))
        bad = bad_character(s)
        if bad is not None:
            raise self.err(Span.of(tok), f"a quoted string may not hold control characters (it holds {bad})")
        return s

    def span(self, t: Tree | Token) -> Span:
        if isinstance(t, Token):
            return Span.of(t)
        m = t.meta
        return Span(m.line, m.column, m.end_line, m.end_column)

    def line_text(self, t: Tree) -> str:
        m = t.meta
        return " ".join(self.text[m.start_pos:m.end_pos].split())

    def name(self, t: Any) -> Name:
        tok = t
        if tok.type == "STRING":
            return Name(self.unquote(tok), Span.of(tok), quoted=True)
        return Name(str(tok), Span.of(tok))

    def value(self, t: Tree) -> Value:
        k = t.data
        sp = self.span(t)
        if k in ("string", "word", "number", "date", "eccn", "group"):
            tok = t.children[0]
            raw: Any = str(tok)
            if k == "string":
                raw = self.unquote(tok)
            elif k == "number":
                raw = _number(tok, self.file, self.text, fractions=True)
            return Value(k, raw, Span.of(tok), str(tok))
        if k == "yes":
            return Value("bool", True, sp, "yes")
        if k == "no":
            return Value("bool", False, sp, "no")
        if k == "none":
            return Value("none", None, sp, "none")
        if k == "list":
            return Value("list", [self.value(c) for c in t.children], sp)
        if k == "object":
            return Value("object", self.fields(t.children[0]), sp)
        raise AssertionError(f"unknown value node {k}")  # pragma: no cover - the grammar has no other

    def fields(self, t: Tree) -> list[Field]:
        return [self.field(f) for f in t.children]

    def field(self, t: Tree) -> Field:
        key, val = t.children
        return Field(str(key), Span.of(key), self.value(val))

    def statement(self, t: Tree) -> Statement:
        k = t.data
        if k in ("party", "item", "transaction", "ledger"):
            return self.declaration(t)
        if k in ("policy", "parameter", "tier", "country", "assume"):
            return self.setting(t)
        if k == "case":
            return self.case(t)
        if k == "todo":
            c = self.case(t.children[0])
            c.todo = True
            c.span = self.span(t)
            return c
        if k == "space":
            from earlog.space.dsl import space_node

            return space_node(self, t)
        return self.question(t)

    def declaration(self, t: Tree) -> Declaration:
        name = self.name(t.children[0])
        body = t.children[1]
        head = None
        if body.data == "tx_with_head":
            h = body.children[0]
            kind, qty, item, frm, to = h.children
            head = TxHead(self.name(kind), Value("number", _number(qty, self.file, self.text), Span.of(qty),
                                                 str(qty)),
                          self.name(item), self.name(frm), self.name(to))
            fields = [self.field(f) for f in body.children[1:]]
        else:
            fields = self.fields(body)
        return Declaration(str(t.data), name, fields, self.span(t), head)

    def setting(self, t: Tree) -> Setting:
        k = str(t.data)
        sp = self.span(t)
        if k == "policy":
            n = self.name(t.children[0])
            return Setting(k, n, Value("string", n.text, n.span, str(t.children[0])), sp)
        if k == "country":
            return Setting(k, self.name(t.children[0]), None, sp, self.fields(t.children[1]))
        target, val = t.children
        if val.type == "NUMBER":
            v = Value("number", _number(val, self.file, self.text), Span.of(val), str(val))
        else:
            v = Value("word", str(val), Span.of(val), str(val))
        return Setting(k, self.name(target), v, sp)

    def change(self, t: Tree) -> Any:
        if t.data == "set_field":
            target, val = t.children
            names = [self.name(c) for c in target.children]
            return SetField(names[0], names[1:], self.value(val), self.span(t))
        return self.statement(t)

    def conclusion(self, t: Tree) -> Conclusion:
        k = t.data
        ch = list(t.children)
        tx = None
        if ch and isinstance(ch[-1], Tree) and ch[-1].data == "for_tx":
            tx = self.name(ch.pop().children[0])
        if k == "c_exception":
            return Conclusion("exception", self.name(ch[0]), None, tx, self.span(t))
        if k == "c_veu":
            return Conclusion("veu", self.name(ch[0]), None, tx, self.span(t))
        value = self.name(ch[1]) if len(ch) > 1 else None
        return Conclusion("field", self.name(ch[0]), value, tx, self.span(t))

    def rules(self, t: Tree) -> list[Name]:
        out = []
        for r in t.children:
            parts = [str(c) for c in r.children]
            out.append(Name(".".join(parts), self.span(r)))
        return out

    def expectation(self, t: Tree) -> Expectation:
        k = t.data
        if k in ("e_exception", "e_veu", "e_exception_cond", "e_veu_cond"):
            code = self.name(t.children[0])
            kind = "exception" if k.startswith("e_exception") else "veu"
            if len(t.children) == 1:
                return Expectation(kind, [code], [], "available")
            av = t.children[1]
            rules: list[Name] = []
            if av.data == "avail_yes":
                if av.children:
                    rules = self.rules(av.children[0].children[0])
                return Expectation(kind, [code], [], "available", rules)
            if av.data == "avail_no":
                return Expectation(kind, [code], [], "not_available")
            return Expectation(kind, [code], [], "failed", self.rules(av.children[0]))
        if k == "e_available":
            return Expectation("available", [], _flatten([self.value(v) for v in t.children[0].children]))
        if k == "e_veu_field":  # `veu` is a keyword, so a path under the verdict's veu field has its own form
            names = [c for c in t.children if not isinstance(c, Tree)]
            trees = [c for c in t.children if isinstance(c, Tree)]
            path = [Name("veu", self.span(t)), *(self.name(c) for c in names)]
            values = [self.value(v) for v in trees[0].children]
            values = _flatten(values)
            rules = self.rules(trees[1].children[0]) if len(trees) > 1 else []
            return Expectation("field", path, values, None, rules)
        path = [self.name(c) for c in t.children[0].children]
        vals_node = t.children[1]
        values = ([self.value(v) for v in vals_node.children] if isinstance(vals_node, Tree)
                  and vals_node.data == "expected_values" else [self.value(vals_node)])
        values = _flatten(values)
        rules = self.rules(t.children[2].children[0]) if len(t.children) > 2 else []
        return Expectation("field", path, values, None, rules)

    def question(self, t: Tree) -> Question:
        k = str(t.data)
        q = Question(k, self.span(t), self.line_text(t))
        ch = list(t.children)
        if k == "ask":
            if ch:
                first = [self.name(n) for n in ch[0].children]
                if len(ch) > 1:
                    q.names, q.txs = first, [self.name(n) for n in ch[1].children]
                else:
                    q.txs = first
        elif k in ("why", "why_not"):
            q.conclusion = self.conclusion(ch[0])
            if len(ch) > 1:
                for d in ch[1:]:
                    if d.data == "smallest_change":
                        from earlog.space.dsl import smallest_node

                        q.search = smallest_node(self, d)
                    elif d.data == "depth_all":
                        q.depth = "all"
                    else:
                        tok = d.children[0]
                        n = _number(tok, self.file, self.text)
                        if not isinstance(n, int) or n < 0 or n > _MAX_DEPTH:
                            raise DslError(self.file, self.text, Span.of(tok),
                                           f"expected a depth of 0 to {_MAX_DEPTH} levels (or `all`), got {str(tok)}")
                        q.depth = n
        elif k == "what_if":
            q.changes = [self.change(c) for c in ch[0].children]
        elif k in ("find", "check", "diff"):
            from earlog.space.dsl import search_node

            q.search = search_node(self, t)
        else:  # expect
            e = self.expectation(ch[0])
            if len(ch) > 1:
                e.tx = self.name(ch[1].children[0])
            q.expectation = e
        return q

    def case(self, t: Tree) -> Case:
        title_tok = t.children[0]
        changes: list[Any] = []
        body_node = t.children[-1]
        if len(t.children) == 3:
            changes = [self.change(c) for c in t.children[1].children]
        body = [self.statement(s) for s in body_node.children]
        return Case(self.unquote(title_tok), Span.of(title_tok), changes, body, self.span(t))
