"""An explanation as a lawyer reads it: the conclusion first, then the decisive
conditions in plain English with their numbers, each with its citation (the
source documents named, not `seed 004`) and the seed sentence it encodes.

The full proof (earlog.explain.build) has every step the solver took.  A memo
leaves out what is the model's machinery rather than the law, read from the
policy itself, never from a list of names:

- a rule whose @cite begins with "earlog convention" (docs/policy.md) is folded
  into the rule that uses it: its own conditions stand in its place;
- facts written in policy/ that no rule derives (`exception_code(lpp)`) and facts
  the engine enters are definitions, not conditions: they are not listed;
- a `not X` that held is shown only when X is something the law names (derived
  by an annotated rule of the law: "does not apply"), or a scenario fact that was
  not stated ("not stated").

Scenario facts are listed once, at the end, each with the JSON path or DSL line
that stated it; named interpretations the conclusion rests on, likewise.
`depth` limits how many levels of conditions are shown (None: the default, three
levels of a failure, two of a derivation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from clingo import SymbolType, parse_term

from earlog.engine.policy import Policy, Rule
from earlog.explain.citations import bibliography, cite_words, seed_label
from earlog.explain.model import Application, Condition, Explanation, Node
from earlog.explain.provenance import ANY
from earlog.explain.seeds import stored
from earlog.explain.sources import INPUT_NAMES, policy_names

WHY_DEPTH = 2  # levels of a derivation a memo shows unless asked for more
WHY_NOT_DEPTH = 3  # levels of a failure likewise
_NUMBERS_BELOW = 2  # levels under a point cut by the depth searched for the numbers that decided it
_SEED_CHARS = 420  # a seed sentence longer than this is shown around the phrase it quotes
_PRED = re.compile(r"^\s*([a-z_][A-Za-z0-9_]*)")


@dataclass
class Point:
    """One condition in words."""

    status: str  # met | not met | applies | does not apply | not stated | instead
    text: str
    rule: str = ""
    cite: str = ""  # in words
    source: str = ""  # file:line of the rule
    numbers: list[str] = field(default_factory=list)
    seeds: list[tuple[str, str]] = field(default_factory=list)  # (source in words, sentence)
    children: list[Point] = field(default_factory=list)
    see: Point | None = None  # the same conclusion, shown earlier
    more: bool = False  # the depth limit left its conditions out
    value: str = ""  # what the rule concluded here, when its conclusion carries a value
    number: str = ""  # assigned when the memo is numbered


@dataclass
class Block:
    """One rule that concluded (why) or could have concluded (why not) the question."""

    rule: str
    text: str
    cite: str
    source: str
    fired: bool
    seeds: list[tuple[str, str]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    met: list[Point] = field(default_factory=list)  # why not: the conditions that held
    points: list[Point] = field(default_factory=list)  # why: its conditions; why not: those that failed


@dataclass
class Memo:
    question: str  # why | why_not
    conclusion: str  # the conclusion asked about, in the query language where it has a form there
    holds: bool
    scenario: str
    blocks: list[Block]
    note: str = ""  # why not with no rule: what the explanation says instead
    facts: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def conclusion_words(atom: str) -> str:
    """`exception_available("t1",lpp)` as the query language writes it (`exception LPP
    available for t1`); a conclusion with no such form is kept as written."""
    try:
        s = parse_term(atom.replace(ANY, "_"))
    except RuntimeError:
        return atom
    args = s.arguments
    if s.type != SymbolType.Function or not args or args[0].type != SymbolType.String:
        return atom
    tx = args[0].string
    if s.name in ("exception_available", "veu_available") and len(args) == 2:
        kind = s.name.split("_")[0]
        return f"{kind} {str(args[1]).upper()} available for {tx}"
    if len(args) == 1:
        return f"{s.name} for {tx}"
    if len(args) == 2:
        return f"{s.name} = {args[1]} for {tx}"
    return atom


def is_machinery(rule: Rule) -> bool:
    """A rule of the model's own making (docs/policy.md: its @cite begins "earlog convention")."""
    return rule.cite.strip().lower().startswith("earlog convention")


def dsl_locator(origins: dict) -> Callable[[str], str]:
    """For a scenario written in the query language: a JSON path -> the file:line
    that declared it (the DSL builder's `origins`, keyed by JSON path)."""
    def locate(where: str) -> str:
        path = where.rsplit(": ", 1)[-1]
        while path:
            o = origins.get(path)
            if o is not None:
                return f"{o.file}:{o.span.line}"
            path = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path) if path != "$" else ""
        return where
    return locate


class _MemoBuilder:
    def __init__(self, expl: Explanation, policy: Policy, depth: int | None,
                 locate: Callable[[str], str] | None = None) -> None:
        self.locate = locate or (lambda w: w)
        self.expl = expl
        self.policy = policy
        self.depth = depth if depth is not None else (WHY_NOT_DEPTH if expl.question == "why_not" else WHY_DEPTH)
        self.seeds_shown: set[str] = set()  # a rule's seed sentence is quoted the first time it appears
        self.nodes = {n.id: n for n in expl.root.walk()}
        self.points: dict[str, list[Point]] = {}  # node id -> the points it became
        self.seeds = stored()
        self.countries, _ = policy_names(policy.root, tuple(policy.files))
        self.cites: list[str] = []
        self.facts: list[str] = []  # scenario facts under the points shown, in the order met

    # --- rules ---------------------------------------------------------------------

    def _rule(self, rule_id: str) -> Rule | None:
        return self.policy.rules.get(rule_id)

    def _machinery(self, rule_id: str) -> bool:
        r = self._rule(rule_id)
        return r is not None and is_machinery(r)

    def _seed_lines(self, rule_id: str) -> list[tuple[str, str]]:
        if rule_id in self.seeds_shown:
            return []
        self.seeds_shown.add(rule_id)
        out = []
        for s in self.seeds.get(rule_id, []):
            out.append((seed_label(s["seed"]), _window(s["sentence"], s["phrase"])))
        return out

    def _point(self, status: str, a: Application, atom: str = "") -> Point:
        self.cites.append(a.cite)
        return Point(status, a.text, rule=a.rule, cite=cite_words(a.cite), source=a.source_text(),
                     numbers=_numbers(a, status), seeds=self._seed_lines(a.rule), value=self._value(a.rule, atom))

    def _value(self, rule_id: str, atom: str) -> str:
        """What the rule concluded here, when its head carries a value (`dest_tier(T, N)` -> "2"):
        the arguments after the first that the rule leaves to its variables."""
        rule = self._rule(rule_id)
        if rule is None or not atom:
            return ""
        try:
            s = parse_term(atom)
        except RuntimeError:
            return ""
        if s.type != SymbolType.Function or len(s.arguments) != len(rule.head_args):
            return ""
        dated = s.name.endswith("date")
        vals = [_value_words(v, self.countries, dated) for k, (h, v) in enumerate(zip(rule.head_args, s.arguments,
                                                                                       strict=True))
                if k > 0 and h is None]
        return ", ".join(vals)

    def _fact(self, n: Node) -> None:
        if n.kind == "scenario_fact" and n.origin:
            what = n.origin.get("what", "")
            line = f"{_scenario_value(what, n.atom, self.countries)} ({self.locate(n.origin.get('where', ''))})"
            if line not in self.facts:
                self.facts.append(line)

    def _law_rules_for(self, pred: str) -> list[Rule]:
        return [r for r in self.policy.rules_for(pred) if not is_machinery(r)]

    # --- why --------------------------------------------------------------------------

    def held(self, a: Application, level: int) -> list[Point]:
        """The conditions of a fired rule, in words."""
        out: list[Point] = []
        for c in a.conditions:
            if c.kind == "atom":
                for ch in c.children:
                    self._fact(ch)
                    out.extend(self.holds(ch, level))
            elif c.kind == "not":
                out.extend(self._absent(c))
        return out

    def holds(self, n: Node, level: int) -> list[Point]:
        if n.kind == "ref":
            target = self.nodes.get(n.ref or "")
            if target is None:
                return []
            if target.id in self.points:
                return [Point(p.status, p.text, rule=p.rule, see=p) for p in self.points[target.id]]
            return self.holds(target, level)
        if n.kind != "derived" or not n.rules:
            return []  # facts: the scenario's are listed at the end, the policy's are definitions
        a = n.rules[0]
        if self._machinery(a.rule):
            pts: list[Point] = []
            self.points[n.id] = pts  # registered first: a reference from below finds it
            pts.extend(self.held(a, level))
            return pts
        p = self._point("met", a, n.atom)
        self.points[n.id] = [p]
        if self.depth is None or level < self.depth:
            p.children = self.held(a, level + 1)
        else:
            p.more = any(c.kind in ("atom", "not") and c.children for c in a.conditions)
            if not p.numbers:  # the numbers that decided it, from just below the cut
                p.numbers = self._numbers_below(n, _NUMBERS_BELOW)
        return [p]

    def _numbers_below(self, n: Node, levels: int) -> list[str]:
        """The comparisons (with their values) of the rules under a node, `levels` deep, at most three."""
        out: list[str] = []
        frontier = [n]
        for _ in range(levels):
            nxt: list[Node] = []
            for m in frontier:
                for a in m.rules[:1]:
                    for c in a.conditions:
                        if c.kind == "comparison" and c.plain and c.plain not in out and m is not n:
                            out.append(c.plain)
                        nxt.extend(ch for ch in c.children if ch.kind == "derived")
            frontier = nxt
        return out[:3]

    def _absent(self, c: Condition) -> list[Point]:
        """A `not X` that held: said only when X is something the law names or the scenario could state."""
        text = c.detail.removeprefix("not ").replace(ANY, "_")
        m = _PRED.match(text)
        if not m:
            return []
        pred = m.group(1)
        law = self._law_rules_for(pred)
        if law:
            r = law[0]
            self.cites.append(r.cite)
            return [Point("does not apply", r.text, rule=r.id, cite=cite_words(r.cite), source=f"{r.file}:{r.line}")]
        if pred in INPUT_NAMES:
            return [Point("not stated", f"the scenario does not state {_fact_words(text, self.countries)}")]
        return []

    # --- why not -----------------------------------------------------------------------

    def failed(self, a: Application, level: int) -> list[Point]:
        """The conditions of a rule that did not fire, that failed, in words."""
        out: list[Point] = []
        for c in a.conditions:
            if c.status != "failed":
                continue
            if c.kind == "atom":
                for ch in c.children:
                    out.extend(self.fails(ch, level))
            elif c.kind == "not":
                for ch in c.children:  # X holds, so `not X` failed: what established X
                    pts = self.holds(ch, level)
                    for p in pts:
                        if p.see is None:
                            p.status = "applies"
                    out.extend(pts)
        return out

    def fails(self, n: Node, level: int) -> list[Point]:
        if n.kind == "ref":
            target = self.nodes.get(n.ref or "")
            if target is not None and target.id in self.points:
                return [Point(p.status, p.text, rule=p.rule, see=p) for p in self.points[target.id]]
            return self.fails(target, level) if target is not None else []
        if n.kind == "derived":  # what holds instead of what was asked
            pts = self.holds(n, max(level, (self.depth or level + 1) - 1))
            for p in pts:
                p.status = "instead"
            return pts
        if n.kind != "not_derived":
            return []
        if not n.rules:
            words = _fact_words(n.atom, self.countries)
            p = Point("not met", f"{words}: {n.text}" if n.text else words)
            self.points[n.id] = [p]
            return [p]
        out: list[Point] = []
        self.points[n.id] = out  # registered first: a reference from below (a cycle of why-nots) finds it
        for a in n.rules:
            if self._machinery(a.rule):
                # folded into its user; a scenario fact it lacked (a what-if overlay no one set) is no reason
                out.extend(p for p in self.failed(a, level) if p.rule or p.see is not None)
                continue
            p = self._point("not met", a, n.atom)
            if self.depth is None or level < self.depth:
                p.children = self.failed(a, level + 1)
            else:
                p.more = True
            out.append(p)
        return out

    def met_conditions(self, a: Application) -> list[Point]:
        """The conditions of a candidate rule that held, each as the rule of the law that concludes it."""
        out: list[Point] = []
        for c in a.conditions:
            if c.status != "ok" or c.kind != "atom":
                continue
            r = self._rule_concluding(c.detail)
            if r is not None:
                self.cites.append(r.cite)
                out.append(Point("met", r.text, rule=r.id, cite=cite_words(r.cite), source=f"{r.file}:{r.line}"))
        return out

    def _rule_concluding(self, atom: str) -> Rule | None:
        """The one rule of the law whose head matches the atom's constants (met(T, lpp, dest_tier12))."""
        try:
            s = parse_term(atom.split(" or ")[0])
        except RuntimeError:
            return None
        if s.type != SymbolType.Function:
            return None
        fits = []
        for r in self._law_rules_for(s.name):
            if len(r.head_args) != len(s.arguments):
                continue
            if all(h is None or (v.type == SymbolType.Function and v.name == h)
                   for h, v in zip(r.head_args, s.arguments, strict=True)):
                fits.append(r)
        return fits[0] if len(fits) == 1 else None

    # --- the memo ------------------------------------------------------------------------

    def build(self) -> Memo:
        e = self.expl
        root = e.root
        blocks: list[Block] = []
        note = ""
        for a in root.rules:
            self.cites.append(a.cite)
            b = Block(a.rule, a.text, cite_words(a.cite), a.source_text(), a.status == "fired",
                      seeds=self._seed_lines(a.rule), numbers=_numbers(a, "met" if a.status == "fired" else "not met"))
            if a.status == "fired":
                b.points = self.held(a, 1)
            else:
                b.met = self.met_conditions(a)
                b.points = self.failed(a, 1)
            blocks.append(b)
        if not root.rules:
            note = root.text
        memo = Memo(e.question, conclusion_words(e.atom), e.holds, e.scenario, blocks, note=note)
        memo.facts = self.facts
        memo.readings = self._readings()
        memo.sources = bibliography(self.cites)
        return memo

    def _readings(self) -> list[str]:
        """The named interpretations the conclusion rests on (docs/policy.md: `interpretation(Q, A)`)."""
        data = self.policy.data
        defaults = {s.arguments[0].name: s.arguments[1].name for s in data.get("interpretation_default", ())}
        out: list[str] = []
        for n in self.expl.root.walk():
            if not n.atom.startswith("interpretation("):
                continue
            try:
                s = parse_term(n.atom)
            except RuntimeError:
                continue
            q, ans = s.arguments[0].name, s.arguments[1].name
            how = "the default reading" if defaults.get(q) == ans else "assumed by the scenario"
            line = f"{q} = {ans} ({how}; `earlog show interpretation {q}`)"
            if line not in out:
                out.append(line)
        return out


def build_memo(expl: Explanation, policy: Policy, depth: int | None = None,
               locate: Callable[[str], str] | None = None) -> Memo:
    """The memo of an explanation (see the module docstring for what it leaves out);
    `locate` turns a scenario fact's JSON path into where the user wrote it."""
    return _MemoBuilder(expl, policy, depth, locate).build()


def _numbers(a: Application, status: str) -> list[str]:
    """A rule's comparisons with their values: those that held (why) or failed (why not)."""
    want = "ok" if status == "met" else "failed"
    return [c.plain for c in a.conditions if c.kind == "comparison" and c.status == want and c.plain]


def _window(sentence: str, phrase: str) -> str:
    """A long sentence cut to the part around the phrase the rule quotes."""
    if len(sentence) <= _SEED_CHARS:
        return sentence
    first = re.split(r"\s*(?:\.\.\.|…)\s*", phrase)[0].strip().strip("'\"").lower()
    pos = sentence.lower().find(first[:60]) if first else -1
    if pos < 0:
        return sentence[:_SEED_CHARS].rsplit(" ", 1)[0] + " …"
    start = max(0, pos - 120)
    end = min(len(sentence), pos + max(len(phrase), 200) + 80)
    head = "… " if start > 0 else ""
    tail = " …" if end < len(sentence) else ""
    body = sentence[start:end]
    if start > 0:
        body = body.split(" ", 1)[-1]
    if end < len(sentence):
        body = body.rsplit(" ", 1)[0]
    return head + body + tail


def _value_words(v, countries, dated: bool = False) -> str:
    if v.type == SymbolType.Number:
        n = v.number
        if dated and 10000101 <= n <= 99991231:  # dates are YYYYMMDD (docs/policy.md)
            return f"{n // 10000:04d}-{n // 100 % 100:02d}-{n % 100:02d}"
        return f"{n:,}" if abs(n) >= 10000 else str(n)
    if v.type == SymbolType.String:
        s = v.string
        return f"{int(s):,}" if s.isdigit() and len(s) > 4 else s
    if v.type == SymbolType.Function and not v.arguments and v in countries:
        return f"{v.name.upper()} ({countries[v]})"
    return str(v)


def _fact_words(atom: str, countries) -> str:
    """An atom no rule of the law concluded, in words: `distributor("x")` -> "distributor of x"."""
    try:  # a free variable (`party_parent("p", Q)`) stands for anyone
        s = parse_term(re.sub(r"(?<=[(,])\s*(?:_|[A-Z][A-Za-z0-9_]*)\s*(?=[,)])", "anyone", atom))
    except RuntimeError:
        return atom
    if s.type != SymbolType.Function:
        return atom
    words = s.name.replace("_", " ")
    args = [_value_words(a, countries) for a in s.arguments]
    return f"{words} of {', '.join(args)}" if args else words


def _scenario_value(what: str, atom: str, countries) -> str:
    """`transaction t1, field date` and tx_date("t1",20250601) -> "transaction t1: date = 2025-06-01"."""
    try:
        s = parse_term(atom)
    except RuntimeError:
        return what
    obj, _, fld = what.partition(", field ")
    if not fld:
        return what
    v = s.arguments[-1] if len(s.arguments) > 1 else None
    if v is None:
        return f"{obj}: {fld}"
    if fld.endswith("date") and v.type == SymbolType.Number:
        n = v.number
        shown = f"{n // 10000:04d}-{n // 100 % 100:02d}-{n % 100:02d}"
    elif v.type == SymbolType.Number and not fld.endswith("year"):
        shown = f"{v.number:,}"  # a count or an amount
    else:
        shown = _value_words(v, countries)
    return f"{obj}: {fld} = {shown}"
