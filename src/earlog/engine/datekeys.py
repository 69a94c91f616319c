"""Integer fields of a transaction in the decision key, only as finely as the policy reads them.

A decision key that holds a transaction's exact date cannot repeat across an order
book whose rows carry their own dates.  The policy reads a date only by comparing
it with parameter dates (`D >= C` with C a compliance date, `param(x, E)` joined
with an en-route date) and by arithmetic such as `tx_year(T, D / 10000)`.  Two
dates that compare alike with every value the comparisons can meet, and give the
same value to every arithmetic term, derive the same atoms, so they can share a key.

`field_uses` reads that off the AST of the whole program, for every integer field
of the transaction (found by probing facts.py, as contract.py finds the input
predicates): each occurrence of the field's variable in a rule must be

- compared (`<`, `<=`, `=`, `!=`, `>`, `>=`) with a number or with a variable bound
  by a positive atom of a *static* predicate (one that reads no transaction, party
  or item, and not the set of countries either): the values that predicate holds at
  that position in the static closure of the overlay are breakpoints;
- an argument of an atom of a static predicate (an equality join): likewise;
- inside an arithmetic term over that variable alone (`D / 10000`), in a comparison,
  an atom or the head: the term's value goes into the key, whatever it then meets.

Any other use (the bare value in a head, passed to an `@function`, compared with
another field or a derived value, inside an aggregate, a non-rule statement naming
the predicate) keeps the exact value in the key for that field: the sound fallback,
reported in `Abstraction.report` (Screener.stats["field_keys"]) and the debug log.

`abstraction` then builds, for one overlay, the function that maps a row's field
values to their key: for an abstracted field the position of the value among the
breakpoints (equalities counted apart) and the value of each arithmetic term.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import logging
import typing
from collections.abc import Iterator
from dataclasses import dataclass

from clingo import Function, Symbol, ast

from earlog.engine.contract import _SEQ, _variables
from earlog.engine.policy import Policy
from earlog.engine.prepared import COUNTRY_INPUT

Any = typing.Any
log = logging.getLogger(__name__)

_COMPARE = {ast.ComparisonOperator.LessThan, ast.ComparisonOperator.LessEqual,
            ast.ComparisonOperator.GreaterThan, ast.ComparisonOperator.GreaterEqual,
            ast.ComparisonOperator.Equal, ast.ComparisonOperator.NotEqual}


@dataclass(frozen=True)
class FieldUse:
    """How the policy reads one integer field of a transaction."""

    field: str
    places: tuple[tuple[str, int], ...]  # (input predicate, argument position) holding the value
    exact: str | None = None  # why the key keeps the exact value (None: abstracted)
    # static (predicate, position, the atom's constant arguments as (position, text)) compared with the value
    sources: tuple[tuple[str, int, tuple[tuple[int, str], ...]], ...] = ()
    constants: tuple[int, ...] = ()  # numbers compared with the value
    terms: tuple[Any, ...] = ()  # arithmetic terms over the value (see _term), evaluated per row


# --- probing facts.py -----------------------------------------------------------------


def _int_fields() -> dict[str, tuple[tuple[str, int], ...]]:
    """Each integer field of Transaction -> where facts.py puts its value, found by giving each
    field a distinct value.  A field whose value appears in no fact maps to ()."""
    from earlog.engine.contract import _probe_transaction
    from earlog.engine.facts import _tx_facts
    from earlog.scenario.model import Transaction

    hints = typing.get_type_hints(Transaction)
    probe = _probe_transaction()
    marks: dict[int, str] = {}
    for k, f in enumerate(dataclasses.fields(Transaction)):
        t = str(hints[f.name])
        if f.name in ("src", "ledger") or "bool" in t or "int" not in t:
            continue
        v = 7_301_000 + 17 * k
        marks[v] = f.name
        probe = dataclasses.replace(probe, **{f.name: v})
    places: dict[str, list[tuple[str, int]]] = {n: [] for n in marks.values()}
    for s in _tx_facts(probe, lambda c: Function(c.lower())):
        for j, a in enumerate(s.arguments):
            if j > 0 and a.type.name == "Number" and a.number in marks:
                places[marks[a.number]].append((s.name, j))
            elif j > 0 and a.type.name == "String" and a.string.lstrip("-").isdigit() and int(a.string) in marks:
                places[marks[int(a.string)]].append((s.name, j))
    return {n: tuple(p) for n, p in places.items()}


# --- the AST walk ---------------------------------------------------------------------


_BIN = {ast.BinaryOperator.Plus: "+", ast.BinaryOperator.Minus: "-", ast.BinaryOperator.Multiplication: "*",
        ast.BinaryOperator.Division: "/", ast.BinaryOperator.Modulo: "\\"}


def _term(node: Any, var: str) -> Any:
    """An arithmetic term over `var` and numbers as a tuple tree (None if it is not one):
    ("v",), ("n", k), ("-", t), (op, t1, t2)."""
    t = node.ast_type
    if t == ast.ASTType.Variable:
        return ("v",) if node.name == var else None
    if t == ast.ASTType.SymbolicTerm:
        return ("n", node.symbol.number) if node.symbol.type.name == "Number" else None
    if t == ast.ASTType.UnaryOperation:
        inner = _term(node.argument, var)
        return ("-", inner) if inner is not None and node.operator_type == ast.UnaryOperator.Minus else None
    if t == ast.ASTType.BinaryOperation:
        op = _BIN.get(node.operator_type)
        a, b = _term(node.left, var), _term(node.right, var)
        return (op, a, b) if op and a is not None and b is not None else None
    return None


def evaluate(term: Any, x: int) -> int | None:
    """A term's value as clingo computes it (division and modulo truncate toward zero; a
    division by zero makes the rule instance vanish, here None)."""
    kind = term[0]
    if kind == "v":
        return x
    if kind == "n":
        return term[1]
    if kind == "-":
        v = evaluate(term[1], x)
        return None if v is None else -v
    a, b = evaluate(term[1], x), evaluate(term[2], x)
    if a is None or b is None:
        return None
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if b == 0:
        return None
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return q if kind == "/" else a - b * q


def _atom(lit: Any) -> tuple[str, list[Any]] | None:
    atom = getattr(lit, "atom", None)
    if atom is None or atom.ast_type != ast.ASTType.SymbolicAtom:
        return None
    sym = atom.symbol
    if sym.ast_type != ast.ASTType.Function or sym.external:
        return None
    return sym.name, list(sym.arguments)


def _mentions(node: Any, var: str) -> bool:
    return var in _variables(node)


class _Use:
    """What one field's uses add up to, or why the field stays exact."""

    def __init__(self) -> None:
        self.exact: str | None = None
        self.sources: set[tuple[str, int, tuple[tuple[int, str], ...]]] = set()
        self.constants: set[int] = set()
        self.terms: set[Any] = set()

    def refuse(self, why: str) -> None:
        if self.exact is None:
            self.exact = why

    def term(self, node: Any, var: str, why: str) -> None:
        """An arithmetic term over the value (evaluated per row), or the field stays exact."""
        t = _term(node, var)
        if t is None:
            self.refuse(why)
        else:
            self.terms.add(t)


def _rule_name(policy: Policy, stmt: Any) -> str:
    for r in policy.rules.values():
        if r.statement is stmt:
            return f"{r.id} ({r.file}:{r.line})"
    return f"{stmt.location.begin.filename}:{stmt.location.begin.line}"


def _pattern(args: list[Any]) -> tuple[tuple[int, str], ...]:
    """The constant (ground, variable-free) arguments of an atom, by position."""
    return tuple((k, str(a.symbol)) for k, a in enumerate(args) if a.ast_type == ast.ASTType.SymbolicTerm)


def _static_term(term: Any, body: list[Any], static: frozenset[str], use: _Use, where: str) -> bool:
    """Record the values `term` (met in a comparison) can take; False if they are not static."""
    if term.ast_type == ast.ASTType.SymbolicTerm:
        if term.symbol.type.name == "Number":
            use.constants.add(term.symbol.number)
            return True
        return term.symbol.type.name in ("String", "Function")  # never equal to a number; constant order
    if term.ast_type != ast.ASTType.Variable:
        return False
    found = False
    for lit in body:
        a = _atom(lit)
        if a is None or lit.ast_type != ast.ASTType.Literal or lit.sign != ast.Sign.NoSign:
            continue
        name, args = a
        if name not in static:
            continue
        for j, arg in enumerate(args):
            if arg.ast_type == ast.ASTType.Variable and arg.name == term.name:
                use.sources.add((name, j, _pattern(args)))
                found = True
    return found


def _check_var(var: str, binder: int, stmt: Any, static: frozenset[str], carriers: set[str],
               use: _Use, where: str) -> None:
    """Every occurrence of `var` (bound by the body literal `binder`) in the rule."""
    body = list(stmt.body)
    for k, lit in enumerate(body):
        if k == binder or not _mentions(lit, var):
            continue
        if lit.ast_type != ast.ASTType.Literal:
            use.refuse(f"rule {where} reads it inside an aggregate or condition")
            continue
        atom = lit.atom
        if atom.ast_type == ast.ASTType.Comparison:
            chain = [atom.term, *[g.term for g in atom.guards]]
            ops = [g.comparison for g in atom.guards]
            for n, op in enumerate(ops):
                left, right = chain[n], chain[n + 1]
                for mine, other in ((left, right), (right, left)):
                    if not _mentions(mine, var):
                        continue
                    if op not in _COMPARE:
                        use.refuse(f"rule {where} compares it with an unknown operator")
                    elif mine.ast_type == ast.ASTType.Variable:
                        if _mentions(other, var) or not _static_term(other, body, static, use, where):
                            use.refuse(f"rule {where} compares it with {other}, not a static value")
                    else:
                        use.term(mine, var, f"rule {where} reads it in {mine}")
                        if _mentions(other, var):
                            use.refuse(f"rule {where} compares it with itself ({atom})")
            continue
        a = _atom(lit)
        if a is None:
            use.refuse(f"rule {where} reads it in {lit}")
            continue
        name, args = a
        for j, arg in enumerate(args):
            if not _mentions(arg, var):
                continue
            if arg.ast_type == ast.ASTType.Variable:
                if name in static and name not in carriers:
                    use.sources.add((name, j, _pattern(args)))
                else:
                    use.refuse(f"rule {where} joins it with {name}/{len(args)}, not a static predicate")
            else:
                use.term(arg, var, f"rule {where} passes it to {arg}")
    for a, inside in _head_atoms(stmt.head):
        if not _mentions(a, var):
            continue
        if inside:
            use.refuse(f"rule {where} puts it in a choice, aggregate or disjunction")
            continue
        for arg in a.arguments:
            if not _mentions(arg, var):
                continue
            t = _term(arg, var)
            if t == ("v",):
                use.refuse(f"rule {where} carries the value itself into its conclusion")
            elif t is None:
                use.refuse(f"rule {where} puts it in {arg} in its conclusion")
            else:
                use.terms.add(t)
    if stmt.head.ast_type != ast.ASTType.Literal and not list(_head_atoms(stmt.head)) and _mentions(stmt.head, var):
        use.refuse(f"rule {where} reads it in its head")


def _head_atoms(head: Any) -> Iterator[tuple[Any, bool]]:
    if head.ast_type == ast.ASTType.Literal:
        atom = head.atom
        if atom.ast_type == ast.ASTType.SymbolicAtom and atom.symbol.ast_type == ast.ASTType.Function:
            yield atom.symbol, False
        return
    # anything else (choice, aggregate, disjunction): every function under it
    stack = [head]
    while stack:
        n = stack.pop()
        if isinstance(n, _SEQ):
            stack.extend(n)
        elif isinstance(n, ast.AST):
            if n.ast_type == ast.ASTType.SymbolicAtom and n.symbol.ast_type == ast.ASTType.Function:
                yield n.symbol, True
            else:
                stack.extend(getattr(n, k) for k in n.child_keys)


def _literal_atoms(node: Any, in_agg: bool = False) -> Iterator[tuple[Any, Any, bool]]:
    """(literal, (name, args), inside an aggregate or condition) for every symbolic atom."""
    if isinstance(node, _SEQ):
        for x in node:
            yield from _literal_atoms(x, in_agg)
        return
    if not isinstance(node, ast.AST):
        return
    if node.ast_type == ast.ASTType.Literal and getattr(node.atom, "ast_type", None) == ast.ASTType.SymbolicAtom:
        a = _atom(node)
        if a is not None:
            yield node, a, in_agg
        return
    inner = in_agg or node.ast_type in (ast.ASTType.BodyAggregate, ast.ASTType.Aggregate,
                                        ast.ASTType.ConditionalLiteral, ast.ASTType.HeadAggregate,
                                        ast.ASTType.Disjunction)
    for key in node.child_keys:
        yield from _literal_atoms(getattr(node, key), inner)


def _country_dependent(policy: Policy) -> frozenset[str]:
    """Predicates whose atoms depend, directly or not, on which countries a batch names."""
    deps: dict[str, set[str]] = {}
    for _p, stmt in policy.statements:
        if stmt.ast_type != ast.ASTType.Rule:
            continue
        body = {a[0] for _l, a, _i in _literal_atoms(stmt.body)}
        for a, _inside in _head_atoms(stmt.head):
            deps.setdefault(a.name, set()).update(body)
    out = {COUNTRY_INPUT}
    changed = True
    while changed:
        changed = False
        for p, body in deps.items():
            if p not in out and body & out:
                out.add(p)
                changed = True
    return frozenset(out)


def field_uses(policy: Policy, static: frozenset[str]) -> tuple[FieldUse, ...]:
    """How the whole program reads each integer field of a transaction (see the module doc).
    `static`: the predicates that read no transaction, party or item (engine/prepared.py)."""
    fields = _int_fields()
    by_place: dict[tuple[str, int], str] = {pl: f for f, pls in fields.items() for pl in pls}
    carriers = {pl[0] for pl in by_place}
    uses = {f: _Use() for f in fields}
    for f, pls in fields.items():
        if not pls:
            uses[f].refuse("facts.py gives it to the solver in a form this analysis does not follow")
    country = _country_dependent(policy)
    static_ok = frozenset(static - country)
    for _p, stmt in policy.statements:
        if stmt.ast_type != ast.ASTType.Rule:
            if stmt.ast_type == ast.ASTType.Comment:
                continue
            text = str(stmt)
            for (pred, _j), f in by_place.items():
                if pred in text:
                    uses[f].refuse(f"the statement {text!r} names {pred}")
            continue
        where = ""
        for idx, top in enumerate(stmt.body):
            for lit, (name, args), in_agg in _literal_atoms(top):
                for j, arg in enumerate(args):
                    f = by_place.get((name, j))
                    if f is None:
                        continue
                    use = uses[f]
                    where = where or _rule_name(policy, stmt)
                    if arg.ast_type == ast.ASTType.Variable and arg.name == "_":
                        continue
                    if arg.ast_type == ast.ASTType.SymbolicTerm and arg.symbol.type.name == "Number":
                        use.constants.add(arg.symbol.number)
                        continue
                    if arg.ast_type != ast.ASTType.Variable or in_agg or lit.sign != ast.Sign.NoSign:
                        use.refuse(f"rule {where} reads {name}/{len(args)} as {lit}")
                        continue
                    _check_var(arg.name, idx, stmt, static_ok, carriers, use, where)
    out = []
    for f, pls in fields.items():
        u = uses[f]
        if u.exact is None:
            for pred, _j, _pat in u.sources:
                if pred in country:
                    u.refuse(f"its breakpoints ({pred}) depend on the countries of a batch")
        out.append(FieldUse(field=f, places=pls, exact=u.exact,
                            sources=tuple(sorted(u.sources)) if u.exact is None else (),
                            constants=tuple(sorted(u.constants)) if u.exact is None else (),
                            terms=tuple(sorted(u.terms, key=repr)) if u.exact is None else ()))
    return tuple(out)


# --- the key of one overlay ------------------------------------------------------------


@dataclass(frozen=True)
class Abstraction:
    """For one overlay: how each integer field of a row enters its decision key."""

    fields: tuple[str, ...]  # the order of the values tuple the key is made from
    breakpoints: dict[str, tuple[int, ...]]
    terms: dict[str, tuple[Any, ...]]
    exact: dict[str, str]  # field -> why it stays exact
    report: dict[str, str]  # field -> one line for stats and the debug log

    @functools.cached_property
    def _plan(self) -> tuple[tuple[int, tuple[int, ...], tuple[Any, ...]], ...]:
        pos = {f: i for i, f in enumerate(self.fields)}
        return tuple((pos[f], self.breakpoints[f], self.terms[f]) for f in self.breakpoints if f in pos)

    def key(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """The values with each abstracted field replaced by (its interval code, its terms' values)."""
        plan = self._plan
        if not plan:
            return values
        out = list(values)
        memo = self._memo
        for i, bps, terms in plan:
            x = out[i]
            if x is None or not isinstance(x, int) or not -(2 ** 31) < x < 2 ** 31:
                continue  # absent (no fact), or beyond clingo's numbers: kept as it is
            got = memo.get((i, x)) if x.__class__ is int else None  # a book repeats its dates
            if got is None:
                k = bisect.bisect_left(bps, x)
                code = 2 * k + (1 if k < len(bps) and bps[k] == x else 0)
                got = ("\x01k", code, *(evaluate(t, x) for t in terms))
                if x.__class__ is int and len(memo) < 65_536:
                    memo[(i, x)] = got
            out[i] = got
        return tuple(out)

    @functools.cached_property
    def _memo(self) -> dict[tuple[int, int], tuple[Any, ...]]:
        """(position, value) -> the value as the key holds it (a function of the two alone)."""
        return {}


def abstraction(uses: tuple[FieldUse, ...], static_atoms: tuple[Symbol, ...], read: frozenset[str],
                fields: tuple[str, ...]) -> Abstraction:
    """The key function for one overlay, whose static closure is `static_atoms` (holding the
    predicates in `read`)."""
    by_pred: dict[str, list[Symbol]] = {}
    for s in static_atoms:
        by_pred.setdefault(s.name, []).append(s)
    bps: dict[str, tuple[int, ...]] = {}
    terms: dict[str, tuple[Any, ...]] = {}
    exact: dict[str, str] = {}
    report: dict[str, str] = {}
    for u in uses:
        why = u.exact
        if why is None:
            missing = [p for p, _j, _pat in u.sources if p not in read]
            if missing:
                why = f"the static closure does not hold {', '.join(sorted(set(missing)))}"
        if why is not None:
            exact[u.field] = why
            report[u.field] = f"exact: {why}"
            continue
        values = set(u.constants)
        for pred, j, pattern in u.sources:
            for s in by_pred.get(pred, ()):
                if any(k >= len(s.arguments) or str(s.arguments[k]) != text for k, text in pattern):
                    continue  # an atom the rule's constant arguments rule out
                if j < len(s.arguments) and s.arguments[j].type.name == "Number":
                    values.add(s.arguments[j].number)
        bps[u.field] = tuple(sorted(values))
        terms[u.field] = u.terms
        report[u.field] = (f"abstracted: {len(values)} breakpoints from "
                           f"{', '.join(sorted({f'{p}/{j}' for p, j, _pat in u.sources})) or 'constants'}"
                           + (f"; terms {', '.join(_show(t) for t in u.terms)}" if u.terms else ""))
    for f, line in report.items():
        log.debug("decision key, field %s: %s", f, line)
    return Abstraction(fields=fields, breakpoints=bps, terms=terms, exact=exact, report=report)


def _show(t: Any) -> str:
    if t[0] == "v":
        return "X"
    if t[0] == "n":
        return str(t[1])
    if len(t) == 2:
        return f"-({_show(t[1])})"
    return f"({_show(t[1])} {t[0]} {_show(t[2])})"


_MEMO: dict[tuple[int, tuple[Symbol, ...], tuple[str, ...]], tuple[Any, Abstraction]] = {}
_MEMO_MAX = 64


def for_screener(state: Any, overlay: tuple[Symbol, ...], fields: tuple[str, ...]) -> Abstraction:
    """The abstraction for a Screener's overlay, from the static closure the keyed solves use;
    kept per (prepared policy, overlay), since `earlog.evaluate` makes a Screener per call and
    the breakpoints cost more than a cache hit."""
    key = (id(state), overlay, fields)
    found = _MEMO.get(key)
    if found is not None and found[0] is state:
        return found[1]
    a = _for_screener(state, overlay, fields)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = (state, a)
    return a


def _for_screener(state: Any, overlay: tuple[Symbol, ...], fields: tuple[str, ...]) -> Abstraction:
    from earlog.engine.keyed import CONTRACT_READS
    from earlog.engine.program import VERDICT_PREDICATES
    from earlog.verdict import VERDICT_READS

    c = state.contract
    uses = getattr(c, "field_uses", ())
    if not uses:
        return Abstraction(fields=fields, breakpoints={}, terms={}, exact={}, report={})
    shown = (VERDICT_READS | CONTRACT_READS | c.cross | frozenset(c.chains.values())
             | frozenset(c.afters.values()))
    prep = state.prepare(VERDICT_PREDICATES, shown)
    # a verdict that showed the input atom itself would echo the representative's value
    uses = tuple(dataclasses.replace(u, exact=f"the verdict reads {', '.join(p for p, _j in u.places)}")
                 if u.exact is None and any(p in shown for p, _j in u.places) else u for u in uses)
    return abstraction(uses, prep.static_for(overlay, frozenset()), prep.read, fields)


__all__ = ["Abstraction", "FieldUse", "abstraction", "evaluate", "field_uses", "for_screener"]
