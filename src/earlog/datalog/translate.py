"""Translate the policy's clingo statements into Datalog clauses for pyDatalog.

The input is exactly what the clingo engine grounds: `engine.program.live_program`
(the policy's statements with their `_earlog_fired` / `_earlog_unmet` twins, and
with explanations the `_earlog_why` twins), read through clingo's AST.  Nothing of
the law is restated here and no predicate of the law is named.

Translated (rule by rule, after unpooling):
- facts and rules whose head is one atom, and integrity constraints;
- positive body atoms, whose arguments may be constants, variables, computed
  terms (checked once their variables are bound) or compound terms and tuples
  (taken apart, then rebuilt and compared);
- default negation `not a(...)` of an atom whose named variables are bound (an
  anonymous `_` reads "for no value");
- comparisons `= != < <= > >=` over clingo's term order, `X = term` as assignment;
- arithmetic `+ - * / \\` and unary `-` with clingo's 32-bit semantics, compound
  terms and tuples, and the @-functions of engine/arith.py (terms.py);
- body aggregates `#count`, `#sum`, `#sum+`, `#min`, `#max` with guards (any
  number per rule): the aggregate's context (the rule's plain literals) and each
  element become rules pyDatalog evaluates; the value over each context's distinct
  element tuples is folded by the driver (engine.py) once those rules are complete;
- conditional literals `L : C` in a body (L an atom, `not` atom or a comparison of
  plain terms), as `not _earlog_dl_condN(globals)` where that predicate holds when
  some binding makes C true and L false;
- `#show` and `#defined` statements are ignored (no atom depends on them).

Refused, with the rule id, file:line and the construct: disjunctive and choice
heads, head aggregates, classical negation, `not not`, negated comparisons and
aggregates, other conditional literals, intervals, the operators `** & ? ^ ~ |..|`,
unknown @-functions, other statements (`#const`, `#external`, ...), an unsafe
variable, and an aggregate through a cycle of predicates.

Negation through a cycle of predicates (running totals whose every step reads the
previous transaction's route) is not refused: such a stratum is marked `cyclic`
and evaluated by its well-founded model (engine.py); when the scenario's facts
break the cycle that model is total and is the unique answer set clingo computes,
otherwise the evaluation stops with "no unique answer set", as clingo's would.

Stratification is computed per program part from the predicate dependency graph:
`base` first, then `cumulative` over base's complete result (as clingo grounds
them in turn), so a cumulative rule may read any base predicate.  Computed by
shared engine code rather than by rules: the links of each running-total chain
(`engine.chains.chain_links`, between the two parts, as for clingo).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from clingo import Function, Symbol, ast

from earlog.datalog.terms import TranslationError, compile_term, variables_of
from earlog.engine.astlock import reads_shared_asts
from earlog.engine.policy import Policy

Key = tuple[str, int]  # (predicate, arity)
Node = tuple[Key, tuple]  # a predicate and the constants a head fixes (None: any value)


@dataclass(frozen=True)
class Var:
    name: str


Arg = Var | Symbol


@dataclass(frozen=True)
class Pos:
    pred: str
    args: tuple[Arg, ...]


@dataclass(frozen=True)
class Neg:
    pred: str
    args: tuple[Arg, ...]


@dataclass(frozen=True)
class Cmp:
    op: str  # pyDatalog's comparison primitive: == != < <= > >=
    left: Arg
    right: Arg


@dataclass(frozen=True)
class Eval:
    """out == fn(bindings of inputs): binds `out`, or checks it when already bound."""

    out: Var
    fn: object  # Callable[[dict[str, Symbol]], object]
    inputs: tuple[str, ...]
    text: str


Literal = Pos | Neg | Cmp | Eval


@dataclass
class Clause:
    head: Key
    args: tuple[Arg, ...]
    body: tuple[Literal, ...]
    origin: str


@dataclass(frozen=True)
class AggregateSpec:
    """`value` (globals..., V) is folded from `elements` (globals..., tuple) for each `context` (globals...)."""

    value: Key
    context: Key
    elements: Key
    function: int
    origin: str
    assigned: bool  # False: only guards read the value, which clingo compares exactly


@dataclass
class Part:
    name: str
    clauses: dict[Key, list[Clause]] = field(default_factory=dict)
    aggregates: dict[Key, AggregateSpec] = field(default_factory=dict)
    nodes: dict[Node, list[Clause]] = field(default_factory=dict)
    strata: list[list[Node]] = field(default_factory=list)  # SCCs in evaluation order
    constraints: dict[Key, str] = field(default_factory=dict)  # head of a constraint's rule -> origin
    # strata whose negation runs through a cycle of predicates (by index in `strata`), with
    # the literals that do: evaluated by the well-founded semantics, which must be total
    cyclic: dict[int, list[str]] = field(default_factory=dict)
    reads: set[Key] = field(default_factory=set)  # every predicate a body reads


@dataclass
class Translation:
    parts: list[Part]
    needed: dict[frozenset[str], frozenset[Key]] = field(default_factory=dict)  # cache, engine.needed_keys


_CMP = {
    ast.ComparisonOperator.Equal: "==", ast.ComparisonOperator.NotEqual: "!=",
    ast.ComparisonOperator.LessThan: "<", ast.ComparisonOperator.LessEqual: "<=",
    ast.ComparisonOperator.GreaterThan: ">", ast.ComparisonOperator.GreaterEqual: ">=",
}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
PARTS = ("base", "cumulative")  # the parts the clingo engine grounds, in its order
INTERNAL = "_earlog_dl_"  # the translator's own predicates (aggregates, conditions, constraints)


def origins(policy: Policy, statements: Iterable[tuple[str, ast.AST]]) -> list[tuple[str, ast.AST, str]]:
    """(part, statement, "rule id (file:line)") for each statement; a twin follows
    the rule it was made from and is named after it."""
    by_stmt = {id(r.statement): r for r in policy.rules.values()}
    out = []
    current = None
    for part, stmt in statements:
        rule = by_stmt.get(id(stmt))
        if rule is not None:
            current = rule
        if current is not None and (rule is not None or stmt.location == current.statement.location):
            where = f"rule {current.id} ({current.file}:{stmt.location.begin.line})"
            if rule is None:
                where += ", in its engine twin"
        else:
            where = f"the statement `{str(stmt)[:80]}` (line {stmt.location.begin.line})"
        out.append((part, stmt, where))
    return out


@reads_shared_asts
def translate(policy: Policy, statements: Sequence[tuple[str, ast.AST]]) -> Translation:
    """The Datalog program for the given statements (raises TranslationError)."""
    names = itertools.count(1)
    parts = {p: Part(p) for p in PARTS}
    for part, stmt, where in origins(policy, statements):
        if part not in parts:
            continue  # the clingo engine grounds only base and cumulative
        _statement(stmt, where, parts[part], names)
    for p in parts.values():
        _stratify(p)
    return Translation([parts[p] for p in PARTS])


_CACHE: dict[int, tuple[object, Translation]] = {}


def cached_translation(policy: Policy, statements: tuple[tuple[str, ast.AST], ...]) -> Translation:
    """One translation per distinct live program (live_program is itself cached, so
    the same tuple object comes back for the same kind of scenario)."""
    hit = _CACHE.get(id(statements))
    if hit is not None and hit[0] is statements:
        return hit[1]
    t = translate(policy, statements)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(statements)] = (statements, t)
    return t


def _statement(stmt: ast.AST, where: str, part: Part, names: Iterable[int]) -> None:
    kind = stmt.ast_type
    if kind in (ast.ASTType.Comment, ast.ASTType.Program, ast.ASTType.ShowSignature, ast.ASTType.ShowTerm,
                ast.ASTType.Defined):
        return  # no atom depends on them (the engine reads the predicates it needs itself)
    if kind != ast.ASTType.Rule:
        raise TranslationError(f"{where}: the statement kind {kind.name} is not translated "
                               "(only rules, facts and constraints are)")
    for s in stmt.unpool():
        _rule(s, where, part, names)


def _head(stmt: ast.AST, where: str) -> tuple[str, list[ast.AST]] | None:
    head = stmt.head
    t = head.ast_type
    if t == ast.ASTType.Literal:
        atom = head.atom
        if atom.ast_type == ast.ASTType.BooleanConstant and not atom.value and head.sign == ast.Sign.NoSign:
            return None  # an integrity constraint
        if head.sign != ast.Sign.NoSign:
            raise TranslationError(f"{where}: a negated head `{head}`")
        if atom.ast_type != ast.ASTType.SymbolicAtom:
            raise TranslationError(f"{where}: the head `{head}` is not an atom")
        sym = atom.symbol
        if sym.ast_type == ast.ASTType.UnaryOperation:
            raise TranslationError(f"{where}: classical negation in the head `{head}`")
        if sym.ast_type == ast.ASTType.SymbolicTerm and sym.symbol.type.name == "Function":
            return sym.symbol.name, []
        if sym.ast_type != ast.ASTType.Function or sym.external:
            raise TranslationError(f"{where}: the head `{head}` is not an atom")
        return sym.name, list(sym.arguments)
    what = {ast.ASTType.Disjunction: "a disjunctive head", ast.ASTType.Aggregate: "a choice rule",
            ast.ASTType.HeadAggregate: "a head aggregate", ast.ASTType.TheoryAtom: "a theory atom"}
    raise TranslationError(f"{where}: {what.get(t, t.name)} (`{head}`) is not translated")


def _atom_parts(lit: ast.AST, where: str) -> tuple[str, list[ast.AST]]:
    sym = lit.atom.symbol
    if sym.ast_type == ast.ASTType.UnaryOperation:
        raise TranslationError(f"{where}: classical negation in `{lit}`")
    if sym.ast_type == ast.ASTType.SymbolicTerm and sym.symbol.type.name == "Function":
        return sym.symbol.name, []
    if sym.ast_type != ast.ASTType.Function or sym.external:
        raise TranslationError(f"{where}: the body literal `{lit}` is not an atom")
    return sym.name, list(sym.arguments)


@dataclass
class _Item:
    """A body element before ordering."""

    kind: str  # pos, neg, cmp, match
    pred: str = ""
    terms: tuple = ()
    op: str = ""
    text: str = ""

    def variables(self) -> set[str]:
        return {v for t in self.terms for v in variables_of(t) if v != "_"}


def _body_items(body: Iterable[ast.AST], where: str) -> list[_Item] | None:
    """Items for the body's literals other than aggregates; None if a literal is #false."""
    items: list[_Item] = []
    for lit in body:
        if lit.ast_type == ast.ASTType.ConditionalLiteral:
            continue  # handled by the caller
        if lit.ast_type != ast.ASTType.Literal:
            raise TranslationError(f"{where}: the body element `{lit}` is not translated")
        atom = lit.atom
        if atom.ast_type == ast.ASTType.BodyAggregate:
            continue  # handled by the caller
        if lit.sign == ast.Sign.DoubleNegation:
            raise TranslationError(f"{where}: double negation `{lit}` is not translated")
        if atom.ast_type == ast.ASTType.SymbolicAtom:
            name, args = _atom_parts(lit, where)
            items.append(_Item("pos" if lit.sign == ast.Sign.NoSign else "neg", name, tuple(args), text=str(lit)))
        elif atom.ast_type == ast.ASTType.Comparison:
            if lit.sign != ast.Sign.NoSign:
                raise TranslationError(f"{where}: the negated comparison `{lit}` is not translated")
            left = atom.term
            for g in atom.guards:
                items.append(_Item("cmp", terms=(left, g.term), op=_CMP[g.comparison], text=str(lit)))
                left = g.term
        elif atom.ast_type == ast.ASTType.BooleanConstant:
            holds = bool(atom.value) == (lit.sign == ast.Sign.NoSign)
            if not holds:
                return None
        else:
            raise TranslationError(f"{where}: the body literal `{lit}` ({atom.ast_type.name}) is not translated")
    return items


def _is_plain(t: ast.AST) -> bool:
    return t.ast_type == ast.ASTType.Variable or t.ast_type == ast.ASTType.SymbolicTerm


def _is_constructor(t: ast.AST) -> bool:
    """Only constants, variables, compound terms and tuples: a pattern that can be taken apart."""
    if _is_plain(t):
        return True
    return t.ast_type == ast.ASTType.Function and not t.external and all(_is_constructor(a) for a in t.arguments)


class _Orderer:
    """Puts a body into an order pyDatalog can evaluate left to right: every
    variable bound before a negation, comparison or computation reads it."""

    def __init__(self, where: str, names: Iterable[int]) -> None:
        self.where = where
        self.names = names
        self.out: list[Literal] = []
        self.bound: set[str] = set()

    def fresh(self) -> str:
        return f"_V{next(self.names)}"

    def arg(self, t: ast.AST, pending: list[_Item]) -> Arg:
        if t.ast_type == ast.ASTType.Variable:
            return Var(self.fresh() if t.name == "_" else t.name)
        if t.ast_type == ast.ASTType.SymbolicTerm:
            return t.symbol
        v = Var(self.fresh())
        pending.append(_Item("match", terms=(t,), pred=v.name, text=str(t)))
        return v

    def value(self, t: ast.AST) -> Arg:
        """A plain argument for a term whose variables are bound (computing it first)."""
        if t.ast_type == ast.ASTType.Variable:
            return Var(t.name)
        if t.ast_type == ast.ASTType.SymbolicTerm:
            return t.symbol
        v = Var(self.fresh())
        self.emit_eval(v, t)
        return v

    def emit_eval(self, out: Var, t: ast.AST) -> None:
        fn = compile_term(t, self.where)
        self.out.append(Eval(out, fn, tuple(variables_of(t)), str(t)))
        self.bound.add(out.name)

    def ready(self, item: _Item) -> bool:
        if item.kind == "pos":
            return True
        if item.kind == "match":
            return item.pred in self.bound
        if item.kind == "neg":
            return item.variables() <= self.bound
        left, right = item.terms
        if item.op == "==" and self._assignable(left, right) or item.op == "==" and self._assignable(right, left):
            return True
        return item.variables() <= self.bound

    def _assignable(self, var: ast.AST, other: ast.AST) -> bool:
        return (var.ast_type == ast.ASTType.Variable and var.name != "_" and var.name not in self.bound
                and set(variables_of(other)) <= self.bound)

    def take(self, item: _Item, pending: list[_Item]) -> None:
        if item.kind == "pos":
            args = tuple(self.arg(t, pending) for t in item.terms)
            self.out.append(Pos(item.pred, args))
            self.bound |= {a.name for a in args if isinstance(a, Var)}
        elif item.kind == "neg":
            args = []
            for t in item.terms:
                if t.ast_type == ast.ASTType.Variable and t.name == "_":
                    args.append(Var(self.fresh()))  # unbound: "for no value" (pyDatalog's negation)
                else:
                    args.append(self.value(t))
            self.out.append(Neg(item.pred, tuple(args)))
        elif item.kind == "match":
            self.match(Var(item.pred), item.terms[0])
        else:
            left, right = item.terms
            if item.op == "==" and self._assignable(left, right):
                self.emit_eval(Var(left.name), right)
            elif item.op == "==" and self._assignable(right, left):
                self.emit_eval(Var(right.name), left)
            else:
                self.out.append(Cmp(item.op, self.value(left), self.value(right)))

    def match(self, value: Var, pattern: ast.AST) -> None:
        """Bind the pattern's unbound variables from a value, then check the value is the pattern."""
        unbound = [v for v in variables_of(pattern) if v not in self.bound]
        if unbound:
            if not _is_constructor(pattern):
                raise TranslationError(f"{self.where}: the argument `{pattern}` computes from variables "
                                       f"({', '.join(unbound)}) nothing else binds")
            for name in unbound:
                path = _path_to(pattern, name)
                self.out.append(Eval(Var(name), _extractor(value.name, path), (value.name,), f"{name} in {pattern}"))
                self.bound.add(name)
        self.emit_eval(value, pattern)  # a check: the value is the pattern, rebuilt

    def order(self, items: list[_Item]) -> None:
        pending = list(items)
        while pending:
            pick = next((i for i in pending if i.kind != "pos" and self.ready(i)), None)
            if pick is None:
                pick = next((i for i in pending if i.kind == "pos"), None)
            if pick is None:
                missing = set().union(*(i.variables() for i in pending)) - self.bound
                raise TranslationError(f"{self.where}: unsafe variable(s) {', '.join(sorted(missing))} "
                                       f"in `{pending[0].text}`")
            pending.remove(pick)
            self.take(pick, pending)


def _path_to(pattern: ast.AST, name: str) -> tuple[tuple[str, int, int], ...]:
    """The (function name, arity, argument index) steps from a pattern down to a variable."""
    if pattern.ast_type == ast.ASTType.Variable:
        return ()
    for i, a in enumerate(pattern.arguments):
        if name in variables_of(a):
            return ((pattern.name, len(pattern.arguments), i), *_path_to(a, name))
    raise AssertionError(name)


def _extractor(source: str, path: tuple[tuple[str, int, int], ...]):
    from earlog.datalog.terms import UNDEFINED

    def extract(env: dict[str, Symbol]) -> object:
        v = env[source]
        for name, arity, i in path:
            if v.type.name != "Function" or v.name != name or len(v.arguments) != arity or not v.positive:
                return UNDEFINED
            v = v.arguments[i]
        return v

    return extract


def _ordered(items: list[_Item], head_terms: Sequence[ast.AST], where: str,
             names: Iterable[int]) -> tuple[tuple[Arg, ...], tuple[Literal, ...]]:
    o = _Orderer(where, names)
    o.order(items)
    head_args: list[Arg] = []
    for t in head_terms:
        missing = set(variables_of(t)) - o.bound
        if missing:
            raise TranslationError(f"{where}: unsafe variable(s) {', '.join(sorted(missing))} in the head")
        head_args.append(o.value(t))
    return tuple(head_args), tuple(o.out)


def _rule(stmt: ast.AST, where: str, part: Part, names: Iterable[int]) -> None:
    head = _head(stmt, where)
    items = _body_items(stmt.body, where)
    if items is None:
        return  # a body with #false never holds
    aggs = [lit for lit in stmt.body if lit.ast_type == ast.ASTType.Literal
            and lit.atom.ast_type == ast.ASTType.BodyAggregate]
    conds = [lit for lit in stmt.body if lit.ast_type == ast.ASTType.ConditionalLiteral]
    if head is None:
        name = f"_earlog_dl_constraint{next(names)}"
        head = (name, [])
        part.constraints[(name, 0)] = where
    pred, head_terms = head
    if aggs or conds:
        items = _complex_body(items, aggs, conds, head_terms, where, part, names)
    args, body = _ordered(items, head_terms, where, names)
    _add(part, Clause((pred, len(args)), args, body, where))


def _complex_body(items: list[_Item], aggs: list[ast.AST], conds: list[ast.AST], head_terms: Sequence[ast.AST],
                  where: str, part: Part, names: Iterable[int]) -> list[_Item]:
    """Aggregates and conditional literals each become an atom of a predicate their own
    rules define over the rule's context: the plain literals that do not read a value
    an aggregate assigns."""
    positive_vars = set().union(set(), *(i.variables() for i in items if i.kind == "pos"))
    assigned: dict[int, str | None] = {}
    for k, lit in enumerate(aggs):
        lg = lit.atom.left_guard
        assigned[k] = (lg.term.name if lg is not None and lg.comparison == ast.ComparisonOperator.Equal
                       and lg.term.ast_type == ast.ASTType.Variable and lg.term.name not in positive_vars else None)
    values = {v for v in assigned.values() if v}
    context = [i for i in items if not (i.variables() & values)]
    rest = [i for i in items if i not in context]
    out = list(context)
    for k, lit in enumerate(aggs):
        shared = _shared(lit, aggs, conds, items, head_terms)
        out.extend(_aggregate(lit, context, shared, assigned[k], where, part, names))
    for lit in conds:
        out.append(_conditional(lit, context, _shared(lit, aggs, conds, items, head_terms), where, part, names))
    return out + rest


def _shared(lit: ast.AST, aggs: list[ast.AST], conds: list[ast.AST], items: list[_Item],
            head_terms: Sequence[ast.AST]) -> set[str]:
    """The global variables of an aggregate or conditional literal: those that also
    occur in the head, in a plain body literal or in an aggregate's guard (a variable
    only inside aggregates' elements or conditions is local to each)."""
    elsewhere: set[str] = set()
    for t in head_terms:
        elsewhere.update(variables_of(t))
    for i in items:
        elsewhere |= i.variables()
    for a in aggs:
        for g in (a.atom.left_guard, a.atom.right_guard):
            if g is not None:
                elsewhere.update(variables_of(g.term))
    return set(variables_of(lit)) & elsewhere


def _conditional(lit: ast.AST, context: list[_Item], outside: set[str], where: str, part: Part,
                 names: Iterable[int]) -> _Item:
    """`L : C` holds when no binding of C's own variables makes C true and L false:
    `not _earlog_dl_condN(globals)` with `_earlog_dl_condN(globals) :- context, C, not L.`"""
    head = lit.literal
    atom = head.atom if head.ast_type == ast.ASTType.Literal else None
    if atom is not None and atom.ast_type == ast.ASTType.Comparison and head.sign == ast.Sign.NoSign \
            and len(atom.guards) == 1 and _is_plain(atom.term) and _is_plain(atom.guards[0].term):
        # plain terms always compare, so `not (A < B)` is exactly `A >= B`
        violated = _Item("cmp", terms=(atom.term, atom.guards[0].term), op=_NEGATED[_CMP[atom.guards[0].comparison]],
                         text=str(head))
    elif atom is not None and atom.ast_type == ast.ASTType.SymbolicAtom and head.sign != ast.Sign.DoubleNegation:
        name, args = _atom_parts(head, where)
        violated = _Item("neg" if head.sign == ast.Sign.NoSign else "pos", name, tuple(args), text=str(head))
    else:
        raise TranslationError(f"{where}: the conditional literal `{lit}` (before `:` an atom, `not` atom or a "
                               "comparison of plain terms is translated)")
    cond = _body_items(lit.condition, where)
    if cond is None:
        return _Item("cmp", terms=(ast.SymbolicTerm(lit.location, Function("t")),) * 2, op="==", text=str(lit))
    globals_ = sorted((set(variables_of(lit)) & outside) - {"_"})
    n = next(names)
    gterms = [ast.Variable(lit.location, g) for g in globals_]
    key = (f"_earlog_dl_cond{n}", len(globals_))
    a, body = _ordered([*context, *cond, violated], gterms, f"{where} (the conditional literal `{lit}`)", names)
    _add(part, Clause(key, a, body, where))
    return _Item("neg", key[0], tuple(gterms), text=str(lit))


def _add(part: Part, clause: Clause) -> None:
    part.clauses.setdefault(clause.head, []).append(clause)
    for lit in clause.body:
        if isinstance(lit, (Pos, Neg)):
            part.reads.add((lit.pred, len(lit.args)))


def _aggregate(lit: ast.AST, context: list[_Item], outside: set[str], assigned: str | None, where: str,
               part: Part, names: Iterable[int]) -> list[_Item]:
    """An atom of a body aggregate's value (and its guards); adds the rules that give
    the aggregate's context and elements."""
    agg = lit.atom
    if lit.sign != ast.Sign.NoSign:
        raise TranslationError(f"{where}: the negated aggregate `{lit}` is not translated")
    inside: set[str] = set()
    for e in agg.elements:
        for t in e.terms:
            inside.update(variables_of(t))
        for c in e.condition:
            inside.update(variables_of(c))
    lg = agg.left_guard
    globals_ = sorted((inside & outside) - {"_"} - ({assigned} if assigned else set()))
    n = next(names)
    loc = lit.location
    gterms = [ast.Variable(loc, g) for g in globals_]
    ctx_key = (f"_earlog_dl_agg{n}_context", len(globals_))
    elem_key = (f"_earlog_dl_agg{n}_elements", len(globals_) + 1)
    value_key = (f"_earlog_dl_agg{n}_value", len(globals_) + 1)
    args, body = _ordered(list(context), gterms, f"{where} (the context of `{lit}`)", names)
    _add(part, Clause(ctx_key, args, body, where))
    for e in agg.elements:
        cond = _body_items(e.condition, where)
        if cond is None:
            continue
        tup = ast.Function(loc, "", list(e.terms), 0)
        args, body = _ordered([*context, *cond], [*gterms, tup], f"{where} (an element of `{lit}`)", names)
        _add(part, Clause(elem_key, args, body, where))
    part.aggregates[value_key] = AggregateSpec(value_key, ctx_key, elem_key, agg.function, where, assigned is not None)
    result = ast.Variable(loc, assigned or f"_A{n}")
    out = [_Item("pos", value_key[0], (*gterms, result), text=str(lit))]
    if lg is not None and assigned is None:
        out.append(_Item("cmp", terms=(lg.term, result), op=_CMP[lg.comparison], text=str(lit)))
    if agg.right_guard is not None:
        out.append(_Item("cmp", terms=(result, agg.right_guard.term), op=_CMP[agg.right_guard.comparison],
                         text=str(lit)))
    return out


def _shape(args: Sequence[Arg]) -> tuple[Symbol | None, ...]:
    return tuple(a if isinstance(a, Symbol) else None for a in args)


def _compatible(body: Sequence[Arg], shape: tuple[Symbol | None, ...]) -> bool:
    return all(not (isinstance(b, Symbol) and h is not None and b != h) for b, h in zip(body, shape, strict=True))


def _stratify(part: Part) -> None:
    """SCCs of the part's predicates in evaluation order; a negative or aggregate
    dependency inside a cycle is refused, naming the rule.

    A node is a predicate with the constants its head fixes (`review_policy(T,
    denial)` and `review_policy(T, approval)` are two nodes), and a body literal
    depends only on the heads it can match: the policy's negations are stratified
    at that grain (a rule for one value reads the absence of another)."""
    nodes: dict[Node, list[Clause]] = {}
    for key, clauses in part.clauses.items():
        for c in clauses:
            nodes.setdefault((key, _shape(c.args)), []).append(c)
    for key in part.aggregates:
        nodes.setdefault((key, (None,) * key[1]), [])
    by_key: dict[Key, list[Node]] = defaultdict(list)
    for n in nodes:
        by_key[n[0]].append(n)
    edges: dict[Node, list[tuple[Node, bool, str, str]]] = {n: [] for n in nodes}
    for node, clauses in nodes.items():
        for c in clauses:
            for lit in c.body:
                if isinstance(lit, (Pos, Neg)):
                    for dep in by_key.get((lit.pred, len(lit.args)), ()):
                        if _compatible(lit.args, dep[1]):
                            what = f"`not {lit.pred}`" if isinstance(lit, Neg) else lit.pred
                            edges[node].append((dep, isinstance(lit, Neg), c.origin, what))
    for key, spec in part.aggregates.items():
        for dep_key in (spec.context, spec.elements):
            for dep in by_key.get(dep_key, ()):
                edges[(key, (None,) * key[1])].append((dep, True, spec.origin, "an aggregate"))
    order = sorted(nodes, key=lambda n: (n[0], [str(x) for x in n[1]]))
    sccs = _tarjan(order, {k: [d for d, *_ in v] for k, v in edges.items()})
    for i, scc in enumerate(sccs):
        members = set(scc)
        for k in scc:
            for dep, negative, origin, what in edges[k]:
                if negative and dep in members:
                    if what == "an aggregate":
                        raise TranslationError(
                            f"{origin}: an aggregate is not stratified in the `{part.name}` part: "
                            f"{_show(dep)} depends on {_show(k)} through a cycle "
                            f"({', '.join(sorted(_show(m) for m in members))})")
                    part.cyclic.setdefault(i, []).append(f"{origin}: {what}")
    part.nodes = nodes
    part.strata = sccs


def _show(node: Node) -> str:
    (name, _arity), shape = node
    return f"{name}({', '.join('_' if c is None else str(c) for c in shape)})"


def _tarjan(nodes: list[Node], edges: dict[Node, list[Node]]) -> list[list[Node]]:
    """Strongly connected components, dependencies first (iterative Tarjan)."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    out: list[list[Node]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def function_symbol(name: str, args: Sequence[Symbol]) -> Symbol:
    return Function(name, list(args))
