"""Build why and why-not trees from the solver's provenance and probes.

why X reads the `_earlog_why` atoms the provenance twins left in the answer set:
each names the rule instance that derived an atom, its ground body and bindings.
why not X tries every rule whose head unifies with X, testing its conditions in
order with clingo probes over the answer set (earlog.explain.probe).  This module
only assembles what those two recorded into a tree and says it in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

from clingo import Function, Number, Symbol, SymbolType, ast

from earlog.engine.policy import Policy, Rule
from earlog.engine.program import WHY
from earlog.engine.solve import Answer
from earlog.explain.model import Application, Binding, Condition, Node
from earlog.explain.probe import FREE, Instance, Prober, head_equalities, literal_kind
from earlog.explain.provenance import (
    ANY,
    CMP,
    NEG,
    NEGNEG,
    Derivation,
    Provenance,
    comparison_operands,
    variables,
    variants,
)
from earlog.explain.sources import INPUT_NAMES, Sources, policy_names

Pattern = tuple[str, tuple[Symbol | str, ...]]  # predicate, arguments (a str names a free variable)
_MAX_INSTANCES = 4  # at most this many alternative bindings are shown per condition


_VARIANTS: dict[int, tuple[ast.AST, ...]] = {}
_SHAPES: dict[int, tuple[list[str], list[str], dict[str, str], list[str]]] = {}


def _shape(stmt: ast.AST) -> tuple[list[str], list[str], dict[str, str], list[str]]:
    """Per rule variant, read once (AST attribute access is slow): each condition's
    kind and text, what each variable stands for, and the variables in order."""
    key = id(stmt)
    if key not in _SHAPES:
        _SHAPES[key] = ([literal_kind(lit) for lit in stmt.body], [lit_text(lit) for lit in stmt.body],
                        _labels(stmt), variables(stmt))
    return _SHAPES[key]


def _variants(rule: Rule) -> tuple[ast.AST, ...]:
    """The rule's pool-free variants, computed once per loaded rule."""
    key = id(rule.statement)
    if key not in _VARIANTS:
        _VARIANTS[key] = tuple(variants(rule.statement))
    return _VARIANTS[key]


def pattern_text(p: Pattern) -> str:
    name, args = p
    if not args:
        return name
    return f"{name}({','.join(a if isinstance(a, str) else str(a) for a in args)})"


def _atom_text(s: Symbol) -> str:
    return str(s).replace(ANY, "_")


class Builder:
    """Assembles explanation nodes for one evaluated scenario."""

    def __init__(self, answer: Answer, policy: Policy, *, all_failed: bool = False) -> None:
        self.policy = policy
        self.prov = Provenance(answer.get(WHY))
        self.answer = answer
        self._atoms: set[Symbol] | None = None
        self._in_progress: set[Symbol] = set()
        self.sources = Sources(answer.scenario, policy)
        self.countries, self.param_cites = policy_names(policy.root, tuple(policy.files))
        self.all_failed = all_failed
        self._prober: Prober | None = None
        self._ids = 0
        self.shown: dict[Symbol, str] = {}
        self.shown_not: dict[Pattern, str] = {}
        self.order = {rid: i for i, rid in enumerate(policy.rules)}
        self._texts: dict[Symbol, str] = {}
        self._apps: dict[int, tuple[Rule, list[Binding], list[tuple]]] = {}
        self._leaves: dict[Symbol, tuple[str, str, dict[str, str] | None]] = {}

    @property
    def atoms(self) -> set[Symbol]:
        """Every atom of the answer set (read only when a why-not needs them)."""
        if self._atoms is None:
            self._atoms = {s for name, ss in self.answer.atoms.items() if not name.startswith("_earlog") for s in ss}
        return self._atoms

    def atoms_named(self, name: str) -> list[Symbol]:
        return self.answer.get(name)

    @property
    def prober(self) -> Prober:
        if self._prober is None:
            self._prober = Prober(sorted(self.atoms))
        return self._prober

    def text(self, s: Symbol) -> str:
        """str(symbol), cached: the same atoms recur in every transaction's tree."""
        t = self._texts.get(s)
        if t is None:
            t = self._texts[s] = str(s)
        return t

    def _id(self) -> str:
        self._ids += 1
        return f"n{self._ids}"

    # --- why -------------------------------------------------------------------------

    def why(self, atom: Symbol, depth: int | None) -> Node:
        if atom in self.shown:
            return Node(self._id(), "ref", self.text(atom), True, ref=self.shown[atom],
                        text="shown above")
        derivations = self.prov.grounded(atom, self._in_progress)
        if not derivations:
            return self._leaf(atom)
        if depth is not None and depth <= 0:
            return Node(self._id(), "derived", self.text(atom), True, truncated=True,
                        text=self._rules_text(derivations))
        node = Node(self._id(), "derived", self.text(atom), True)
        self.shown[atom] = node.id
        nxt = None if depth is None else depth - 1
        self._in_progress.add(atom)
        for d in sorted(derivations, key=lambda d: self.order.get(d.rule_id, 0)):
            node.rules.append(self._application(d, nxt))
        self._in_progress.discard(atom)
        node.text = node.rules[0].text if node.rules else ""
        return node

    def _rules_text(self, derivations: list[Derivation]) -> str:  # for a node the depth limit cut
        rules = sorted({d.rule_id for d in derivations})
        return "derived by " + ", ".join(rules)

    def _leaf(self, atom: Symbol) -> Node:
        hit = self._leaves.get(atom)
        if hit is None:
            hit = self._leaves[atom] = self._leaf_parts(atom)
        kind, text, origin = hit
        return Node(self._id(), kind, self.text(atom), True, text=text, origin=dict(origin) if origin else None)

    def _leaf_parts(self, atom: Symbol) -> tuple[str, str, dict[str, str] | None]:
        o = self.sources.origin(atom)
        kind = {"scenario": "scenario_fact", "policy": "policy_fact", "engine": "engine_fact"}.get(o.kind, "fact")
        origin = {"where": o.where} if o.where else {}
        if o.cite:
            origin["cite"] = o.cite
        if o.what:
            origin["what"] = o.what
        text = {"scenario_fact": f"stated by the scenario ({o.what})" if o.what else "stated by the scenario",
                "policy_fact": "a fact of the policy",
                "engine_fact": o.what,
                "fact": "a fact"}[kind]
        return kind, text, origin or None

    def _variant_for(self, rule: Rule, d: Derivation) -> ast.AST:
        vs = _variants(rule)
        if len(vs) == 1:
            return vs[0]
        for v in vs:  # a pooled rule: the alternative whose atoms the twin recorded
            names = [lit.atom.symbol.name for lit in v.body if literal_kind(lit) == "atom"]
            if names == [b.name for b in d.positive_atoms()]:
                return v
        return vs[0]

    def _application(self, d: Derivation, depth: int | None) -> Application:
        """A fired rule instance; its words are worked out once per instance (the same
        instances recur in every transaction's tree), its sub-trees each time."""
        key = id(d)
        hit = self._apps.get(key)
        if hit is None:
            hit = self._apps[key] = self._application_words(d)
        rule, bindings, conds = hit
        app = Application(rule.id, rule.cite, rule.text, rule.file, rule.line, "fired", bindings=list(bindings))
        for ltext, kind, detail, params, sub, absent, plain in conds:
            children = []
            if sub is not None:
                children.append(self.why(sub, depth))
            elif absent is not None:
                children.append(Node(self._id(), "absent", absent, False, text=f"not {absent}: no rule derived it",
                                     expand=f"why not {absent}"))
            app.conditions.append(Condition(ltext, kind, "ok", detail, params=list(params), children=children,
                                            plain=plain))
        return app

    def _application_words(self, d: Derivation) -> tuple[Rule, list[Binding], list[tuple]]:
        """(rule, bindings in words, per condition: text, kind, detail, params, atom to
        explain below it, atom shown as `not` leaf)."""
        rule = self.policy.rules[d.rule_id]
        stmt = self._variant_for(rule, d)
        env = dict(d.bindings)
        kinds, texts, labels, _order = _shape(stmt)
        bindings = [self._binding(n, v, _date_labels(labels, env)) for n, v in d.bindings]
        conds: list[tuple] = []
        for lit, kind, ltext, rec in zip(stmt.body, kinds, texts, d.body, strict=False):
            rname = rec.name if rec.type == SymbolType.Function else ""
            if kind == "atom":
                conds.append((ltext, "atom", self.text(rec), [], rec, None, ""))
            elif kind in ("not", "notnot") and rname in (NEG, NEGNEG):
                inner = rec.arguments[0]
                text = _atom_text(inner)
                if rname == NEG:
                    conds.append((ltext, "not", f"not {text}", [], None, text, ""))
                else:
                    conds.append((ltext, "not", f"not not {text}", [], inner, None, ""))
            elif kind == "comparison" and rname == CMP:
                detail, params = self._comparison(lit, env, rec, labels)
                plain = self._comparison(lit, env, rec, labels, plain=True)[0]
                conds.append((ltext, "comparison", detail, params, None, None, plain))
            else:
                conds.append((ltext, "other", "holds", [], None, None, ""))
        return rule, bindings, conds

    # --- why not ---------------------------------------------------------------------

    def why_not(self, p: Pattern, depth: int | None) -> Node:
        if p in self.shown_not:
            return Node(self._id(), "ref", pattern_text(p), False, ref=self.shown_not[p], text="shown above")
        name, args = p
        node = Node(self._id(), "not_derived", pattern_text(p), False)
        self.shown_not[p] = node.id
        target = tuple(None if isinstance(a, str) else a for a in args)
        candidates = [r for r in self.policy.rules.values()
                      if r.head_predicate == name and len(r.statement.head.atom.symbol.arguments) == len(args)]
        nxt = None if depth is None else depth - 1
        for rule in candidates:
            for stmt in _variants(rule):
                app = self._try(rule, stmt, target, nxt)
                if app is not None:
                    node.rules.append(app)
        if not node.rules:
            node.text = self._no_rule_text(name, candidates)
        elif depth is not None and depth <= 0:
            node.truncated = True
        firsts = [r.first_failed() for r in node.rules]
        if not node.text:
            node.text = "; ".join(f"{r.rule}: {c.literal} failed" for r, c in zip(node.rules, firsts, strict=True)
                                  if c is not None)
        return node

    def _no_rule_text(self, name: str, candidates: list[Rule]) -> str:
        if candidates:
            return "no rule concluding it applies to these arguments"
        if any(s.name == name for s in self.sources.inputs) or name in INPUT_NAMES:
            return "the scenario does not state it"
        files = sorted({f for s, (f, _l, _c) in self.sources.policy_facts.items() if s.name == name})
        if files:
            return f"the policy lists no such fact (see {', '.join(files)})"
        return "nothing states or derives it"

    def _try(self, rule: Rule, stmt: ast.AST, target: tuple[Symbol | None, ...], depth: int | None
             ) -> Application | None:
        unified = head_equalities(stmt.head.atom.symbol, target)
        if unified is None:
            return None
        _, eqs, bound, finals = unified
        _kinds, _texts, labels, var_order = _shape(stmt)
        body = list(stmt.body)
        steps = self.prober.conditions(body, eqs, bound, self.all_failed)
        app = Application(rule.id, rule.cite, rule.text, rule.file, rule.line, "failed")
        first = True
        last_instances: list[Instance] = []
        for lit, step in zip(body, steps, strict=True):
            kind = literal_kind(lit)
            cond = Condition(lit_text(lit), kind, step.status, "")
            if step.status == "ok":
                last_instances = step.passed
                cond.detail, cond.params = self._tested(lit, step.passed, labels)
                cond.plain = self._tested_plain(lit, step.passed, labels)
            elif step.status == "failed":
                cond.first_failed = first
                first = False
                cond.detail, cond.params = self._tested(lit, step.reached, labels)
                cond.plain = self._tested_plain(lit, step.reached, labels)
                if not last_instances:
                    last_instances = step.reached
                cond.children = self._failed_children(lit, step.reached, depth)
            else:
                cond.detail = "not evaluated"
            app.conditions.append(cond)
        if first and finals:
            names = sorted(set().union(*(set(i.bindings) for i in last_instances)) if last_instances else bound)
            step = self.prober.head_instances(finals, [*eqs, *body], bound, set(names))
            if step.status == "failed":
                app.conditions.append(Condition(str(stmt.head.atom.symbol), "head", "failed",
                                                "the rule's conclusion has other values here", first_failed=True))
                first = False
        if first:
            return None  # every condition held: the atom holds, nothing failed
        inst = last_instances[:_MAX_INSTANCES]
        if inst:
            values: dict[str, list[Symbol]] = {}
            for i in inst:
                for n, v in i.bindings.items():
                    if v not in values.setdefault(n, []):
                        values[n].append(v)
            order = {n: k for k, n in enumerate(var_order)}
            app.bindings = [self._binding(n, vs, labels)
                            for n, vs in sorted(values.items(), key=lambda kv: order.get(kv[0], 99))]
        return app

    def _tested(self, lit: ast.AST, instances: list[Instance], labels: dict[str, str]
                ) -> tuple[str, list[dict[str, str]]]:
        kind = literal_kind(lit)
        recs = [i for i in instances if i.record is not None][:_MAX_INSTANCES]
        if not recs:
            return ("no binding reached it" if not instances else str(lit)), []
        if kind in ("atom", "not", "notnot"):
            pats = _unique(pattern_text(self._pattern(lit, i)) for i in recs)
            prefix = {"atom": "", "not": "not ", "notnot": "not not "}[kind]
            return " or ".join(prefix + p for p in pats), []
        if kind == "comparison":
            details, params = [], []
            for i in recs:
                d, ps = self._comparison(lit, i.bindings, Function(CMP, list(i.record.arguments)), labels)
                if d not in details:
                    details.append(d)
                params.extend(p for p in ps if p not in params)
            return " or ".join(details), params
        return str(lit), []

    def _tested_plain(self, lit: ast.AST, instances: list[Instance], labels: dict[str, str]) -> str:
        """A comparison's values in plain words (no variable names), for a memo."""
        if literal_kind(lit) != "comparison":
            return ""
        out: list[str] = []
        for i in [i for i in instances if i.record is not None][:_MAX_INSTANCES]:
            d = self._comparison(lit, i.bindings, Function(CMP, list(i.record.arguments)), labels, plain=True)[0]
            if d not in out:
                out.append(d)
        return " or ".join(out)

    def _pattern(self, lit: ast.AST, inst: Instance) -> Pattern:
        sym = lit.atom.symbol
        args: list[Symbol | str] = []
        for a, v in zip(sym.arguments, inst.record.arguments, strict=True):
            if v == Function(FREE):
                args.append(str(a))
            else:
                args.append(v)
        return sym.name, tuple(args)

    def _failed_children(self, lit: ast.AST, instances: list[Instance], depth: int | None) -> list[Node]:
        kind = literal_kind(lit)
        if kind not in ("atom", "not"):
            return []  # a comparison's values are in its detail; nothing below it
        recs = [i for i in instances if i.record is not None][:_MAX_INSTANCES]
        out: list[Node] = []
        seen: set[Pattern] = set()
        for i in recs:
            p = self._pattern(lit, i)
            if p in seen:
                continue
            seen.add(p)
            if kind == "atom":
                if depth is not None and depth < 0:
                    continue
                child = self.why_not(p, depth) if depth is None or depth > 0 else Node(
                    self._id(), "not_derived", pattern_text(p), False, truncated=True,
                    expand=f"why not {pattern_text(p)}")
                out.append(child)
                out.extend(self._instead(lit, p))
            elif kind == "not" and all(not isinstance(a, str) for a in p[1]):
                held = Function(p[0], list(p[1]))  # type: ignore[arg-type]
                out.append(self.why(held, depth if depth is None else max(depth, 1)))
        return out

    def _instead(self, lit: ast.AST, p: Pattern) -> list[Node]:
        """What holds in place of a failed atom that differs in one constant (dest_tier(t1, 2)
        when dest_tier(t1, 1) was asked for)."""
        consts = [k for k, a in enumerate(lit.atom.symbol.arguments) if a.ast_type == ast.ASTType.SymbolicTerm]
        if len(consts) != 1:
            return []
        k = consts[0]
        name, args = p
        out = []
        for s in sorted(self.atoms_named(name), key=str):
            if len(s.arguments) != len(args):
                continue
            if all(j == k or isinstance(a, str) or s.arguments[j] == a for j, a in enumerate(args)):
                n = self.why(s, 1)
                n.text = f"instead: {s}" + (f" ({n.text})" if n.text else "")
                out.append(n)
        return out[:_MAX_INSTANCES]

    # --- words -------------------------------------------------------------------------

    def _binding(self, name: str, value: Symbol | list[Symbol], labels: dict[str, str]) -> Binding:
        """`C = br (Brazil), from destination(T,C)`; several values (why-not) are joined by "or"."""
        vs = value if isinstance(value, list) else [value]
        label = labels.get(name, "")
        shown = " or ".join(self._value(v, label) for v in vs)
        label = label.removesuffix(" _date")
        words = f"{name} = {shown}" + (f", from {label}" if label else "")
        return Binding(name, " or ".join(str(v) for v in vs), words)

    def _value(self, value: Symbol, label: str = "") -> str:
        if value.type == SymbolType.Number:
            n = value.number
            if _is_date(label):
                return _date(n)
            return f"{n:,}" if abs(n) >= 10000 else str(n)
        if value.type == SymbolType.String:
            s = value.string
            if s.isdigit() and len(s) > 9:
                return f"{int(s):,}"
            return f'"{s}"'
        if value.type == SymbolType.Function and not value.arguments and value in self.countries:
            return f"{value.name} ({self.countries[value]})"
        return str(value)

    def _param_cite(self, pname: str) -> str:
        return self.param_cites.get(pname, "")

    def _comparison(self, lit: ast.AST, env: dict[str, Symbol], rec: Symbol, labels: dict[str, str],
                    plain: bool = False) -> tuple[str, list[dict[str, str]]]:
        """The comparison with its values.  plain=True says it as a memo would: values
        only, with the unit of the parameter it is measured against (`_tpp` -> TPP,
        `_pct` -> %, the unit-suffix convention of params.lp), no variable names."""
        calls = iter(rec.arguments[1].arguments)
        params: list[dict[str, str]] = []
        units: list[str] = []

        def term(t: ast.AST, top: bool = False) -> str:
            tt = t.ast_type
            if tt == ast.ASTType.Variable:
                v = env.get(t.name)
                if v is None:
                    return t.name
                label = labels.get(t.name, "")
                if label.startswith("param "):
                    pname = label[6:]
                    cite = self._param_cite(pname)
                    overridden = Function("param_override", [Function(pname), v]) in self.sources.inputs
                    src = "set by the scenario" if overridden else cite
                    params.append({"name": pname, "value": str(v), "cite": src})
                    if plain:
                        unit = _unit(pname)
                        if unit and unit not in units:
                            units.append(unit)
                        words = f" ({_words(label)})" if top or t.name in leq_bound else ""
                        return self._value(v, label) + _with_unit(unit) + words
                    return f"{self._value(v, label)} [param {pname}{', ' + src if src else ''}]"
                if plain:  # a value compared as it is says what it is; a term of a sum does not
                    return self._value(v, label) + (f" ({_words(label)})" if top and label else "")
                return f"{self._value(v, label)} [{t.name}{', ' + label if label else ''}]"
            if tt == ast.ASTType.SymbolicTerm:
                return self._value(t.symbol)
            if tt == ast.ASTType.Function and t.external:
                value = next(calls, None)
                args = [term(a) for a in t.arguments]
                shown = self._value(value) if value is not None else "?"
                op = {"add": "+", "mul": "*", "div": "/"}.get(t.name)
                if op and len(args) == 2:
                    return f"({args[0]} {op} {args[1]} = {shown})"
                if t.name == "leq" and len(args) == 2:
                    rel = "<=" if value == _ONE else ">"
                    if plain:
                        share = _pct_share(t, env, labels, value == _ONE)
                        if share:
                            return share
                        lhs = _strip(args[0])
                        return f"{lhs}{_units_missing(lhs, units)} {rel} {args[1]}"
                    return f"{args[0]} {rel} {args[1]}"
                return f"@{t.name}({', '.join(args)}) = {shown}"
            if tt == ast.ASTType.BinaryOperation:
                return f"({term(t.left)} {_BINOP.get(int(t.operator_type), '?')} {term(t.right)})"
            return str(t)

        atom = lit.atom
        ops = comparison_operands(atom)
        first = ops[0]
        # the bound of an @leq is named like a value compared directly (`26,900,000 TPP (lpp annual cap)`)
        leq_bound = {a.name for f in ops if f.ast_type == ast.ASTType.Function and f.external and f.name == "leq"
                     for a in f.arguments[1:] if a.ast_type == ast.ASTType.Variable}
        # `@leq(X, Y) = 1` / `= 0`: the relation itself says it; the constant adds nothing
        if (first.ast_type == ast.ASTType.Function and first.external and first.name == "leq"
                and len(atom.guards) == 1 and atom.guards[0].term.ast_type == ast.ASTType.SymbolicTerm):
            return _strip(term(first)), params
        terms = [_strip(term(first, True))] + [_strip(term(g.term, True)) for g in atom.guards]
        if plain:
            terms = [t + _units_missing(t, units) for t in terms]
        parts = [terms[0]]
        for g, t in zip(atom.guards, terms[1:], strict=True):
            parts.append(_CMP.get(int(g.comparison), "?"))
            parts.append(t)
        return " ".join(parts), params


_ONE = Number(1)
_CMP = {int(ast.ComparisonOperator.Equal): "=", int(ast.ComparisonOperator.NotEqual): "!=",
        int(ast.ComparisonOperator.LessThan): "<", int(ast.ComparisonOperator.LessEqual): "<=",
        int(ast.ComparisonOperator.GreaterThan): ">", int(ast.ComparisonOperator.GreaterEqual): ">="}
_BINOP = {int(ast.BinaryOperator.Plus): "+", int(ast.BinaryOperator.Minus): "-",
          int(ast.BinaryOperator.Multiplication): "*", int(ast.BinaryOperator.Division): "/",
          int(ast.BinaryOperator.Modulo): "\\", int(ast.BinaryOperator.Power): "**"}


_UNITS = {"tpp": "TPP", "pct": "%", "nm": "nm", "year": "", "date": ""}


def _unit(pname: str) -> str:
    """A parameter's unit, from the suffix its name carries by the params.lp convention."""
    return _UNITS.get(pname.rsplit("_", 1)[-1], "")


def _with_unit(unit: str) -> str:
    return "" if not unit else unit if unit == "%" else f" {unit}"


def _units_missing(text: str, units: list[str]) -> str:
    """The unit a side of a comparison is measured in, when it does not say it yet."""
    if len(units) != 1 or not text or not text[-1].isdigit():
        return ""
    return _with_unit(units[0])


def _pct_share(t: ast.AST, env: dict[str, Symbol], labels: dict[str, str], holds: bool) -> str:
    """A percentage limit written as a cross-multiplication (`@leq(@mul(T, M), @mul(A, 100))`
    with M a `_pct` parameter: A is at least M% of T) said as a share: "74.0% < 75%"."""
    def parts(f: ast.AST) -> tuple[str, str] | None:
        if f.ast_type != ast.ASTType.Function or not f.external or f.name != "mul" or len(f.arguments) != 2:
            return None
        names = [a.name if a.ast_type == ast.ASTType.Variable else
                 ("100" if a.ast_type == ast.ASTType.SymbolicTerm and str(a.symbol) == "100" else "")
                 for a in f.arguments]
        return (names[0], names[1]) if all(names) else None

    left, right = (parts(a) for a in t.arguments)
    if left is None or right is None:
        return ""

    def pct_param(pair: tuple[str, str]) -> tuple[str, str] | None:  # (the _pct variable, the other factor)
        for a, b in (pair, pair[::-1]):
            label = labels.get(a, "")
            if label.startswith("param ") and _unit(label[6:]) == "%":
                return a, b
        return None

    for pct_side, other, pct_is_left in ((left, right, True), (right, left, False)):
        found = pct_param(pct_side)
        if found is None or "100" not in other:
            continue
        m_var, whole_var = found
        part_var = other[1] if other[0] == "100" else other[0]
        try:
            m, whole, part = (int(str(env[v]).strip('"')) for v in (m_var, whole_var, part_var))
        except (KeyError, ValueError):
            return ""
        if whole == 0:
            return f"nothing deployed: no share to compare with {m}%"
        exact = Fraction(part * 100, whole)
        digits = 1
        while digits < 6 and round(exact, digits) == m and exact != m:
            digits += 1  # 74.99% is not shown as 75.0%
        share = f"{float(exact):.{digits}f}%"
        # pct on the left: whole x M <= part x 100, i.e. share >= M%; on the right: share <= M%
        rel = (">=" if holds else "<") if pct_is_left else ("<=" if holds else ">")
        return f"{share} {rel} {m}% ({_words(labels[m_var])})"
    return ""


def _words(label: str) -> str:
    """What a value is, from the parameter or predicate that gave it: `lpp_annual_cap_tpp`
    -> "lpp annual cap", `tx_date(T,D)` -> "tx date"."""
    name = label.removeprefix("param ").split("(")[0].strip()
    if label.startswith("param ") and name.rsplit("_", 1)[-1] in _UNITS:
        name = name.rsplit("_", 1)[0]
    return name.replace("_", " ")


def _strip(s: str) -> str:
    return s[1:-1] if s.startswith("(") and s.endswith(")") and s.count("(") == 1 else s


def _date_labels(labels: dict[str, str], env: dict[str, Symbol]) -> dict[str, str]:
    """Labels with a date marked where the atom that binds a value names it as one:
    in `param_default(N,V)` with N = ai_diffusion_compliance_date, V is a date."""
    dated = {n: v.name for n, v in env.items()
             if v.type == SymbolType.Function and not v.arguments and v.name.endswith("_date")}
    if not dated:
        return labels
    out = dict(labels)
    for var, label in labels.items():
        args = label.split("(", 1)[-1]
        if any(re.search(rf"\b{n}\b", args) for n in dated) and env.get(var) is not None \
                and env[var].type == SymbolType.Number:
            out[var] = f"{label} _date"
    return out


def _is_date(label: str) -> bool:
    """Dates are integers YYYYMMDD in predicates and parameters named `..._date`."""
    return label.endswith(" _date") or label.removeprefix("param ").split("(")[0].strip().endswith("_date")


def _date(n: int) -> str:
    return f"{n // 10000:04d}-{n // 100 % 100:02d}-{n % 100:02d}"


def _unique(xs: Iterator[str]) -> list[str]:
    out: list[str] = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out


_ANON_NAME = re.compile(r"_EarlogAnon\d+")


def lit_text(lit: ast.AST) -> str:
    """A condition as the rule writes it (anonymous variables named for the twin shown as `_`)."""
    return _ANON_NAME.sub("_", str(lit))


def _labels(stmt: ast.AST) -> dict[str, str]:
    """What each variable stands for: the first positive condition that binds it
    (`param <name>` for a parameter)."""
    out: dict[str, str] = {}
    for lit in stmt.body:
        if literal_kind(lit) != "atom":
            continue
        sym = lit.atom.symbol
        if sym.ast_type != ast.ASTType.Function:
            continue
        for k, a in enumerate(sym.arguments):
            if a.ast_type != ast.ASTType.Variable or a.name in out or a.name == "_":
                continue
            if (sym.name == "param" and k == 1 and sym.arguments[0].ast_type == ast.ASTType.SymbolicTerm):
                out[a.name] = f"param {sym.arguments[0].symbol.name}"
            else:
                out[a.name] = lit_text(lit)
    return out
