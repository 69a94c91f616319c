"""A transaction's quantity out of its decision key, where the policy only ever scales by it.

The policy reads a shipment's quantity once: `shipment_tpp(T, @mul(Q, P)) :- tx_item(T, I),
tx_quantity(T, Q), tpp_of(I, P).` (transactions.lp `tx.shipment_tpp`), and reads that
product only as what a member adds to a running total.  Two rows that differ only in
their quantity (of the same sign) then derive the same atoms up to the product's value,
once each row's running totals are tested with its own amount: so they can share one
decision key, and the fold computes each row's amount from the representative's,
amount(row) = amount(rep) * q(row) / q(rep), in exact integers.

`analyse` proves that from the AST of the whole program, for every integer field of a
transaction (engine/datekeys.py finds them by probing facts.py):

- every rule reading the field's input atom is a *product rule*: the field's variable
  Q occurs only there and in one head argument `@mul(Q, X)` (or `@mul(X, Q)`), X a
  variable bound by body atoms that do not read Q, so X is the same for every row of a
  key (the key holds every other fact the rule can read); every such rule concludes the
  same predicate (the *product*) at the same position, and no other rule concludes it;
- every occurrence of the product's value variable A in a rule reading the product is
  (a) the bare amount of `running_amount(Chain, T, A)` of a chain folded by variants;
  (b) inside a head argument of a predicate holding a value derived from such a chain's
  total (contract.carried: the total after, the headroom; the fold fills them from the
  row's own amount, or `screening._exact` solves the row again with its own quantity);
  (c) the amount in a declared test's comparison (`@leq(@add(V, A), Cap)`, contract.py
  `_test_shape`): the fold decides it with the row's own amount; or
- the rule reads the total before a member of a value-keyed chain (running_fit
  exact_before): such rules fire only in the solve the fold makes for each member of
  that chain with its actual totals, which is given the row's own quantity.

The verdict shows the product itself (verdict.py `shipment_tpp`): engine/keyed.py marks
its value and the fold fills it for each row.  Any other use keeps the field exact in the
key, with the reason in `Scaling.exact` (Screener.stats["field_keys"], the debug log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from clingo import ast

from earlog.engine.contract import (
    _args,
    _const,
    _rule_name,
    _sources,
    _test_shape,
    _variables,
    _walk,
)
from earlog.engine.policy import Policy

log = logging.getLogger(__name__)
SCALED = "\x01scaled:"  # a verdict value the fold fills: the product for the row's own quantity


@dataclass(frozen=True)
class Scaling:
    """How one integer field of a transaction enters the decision key."""

    field: str
    exact: str | None  # why the key keeps the exact value (None: only its sign enters the key)
    product: str | None = None  # the predicate holding the field times a per-key factor
    position: int = 0  # the product's argument position holding that value
    chains: frozenset[str] = frozenset()  # chains whose running_amount is the product

    @property
    def report(self) -> str:
        if self.exact is not None:
            return f"exact: {self.exact}"
        chains = ", ".join(sorted(self.chains)) or "no chain"
        return (f"scaled: only its sign enters the key; {self.product}/{self.position} is the field times a "
                f"value fixed by the key; the fold scales the amounts of {chains}")


def _product_rule(stmt: Any, q: str) -> tuple[str, int] | str:
    """(head predicate, position) if `stmt` concludes `@mul(Q, X)` with X fixed by the key, else why not."""
    head = stmt.head
    if (head.ast_type != ast.ASTType.Literal or head.sign != ast.Sign.NoSign
            or head.atom.ast_type != ast.ASTType.SymbolicAtom
            or head.atom.symbol.ast_type != ast.ASTType.Function):
        return "its head is not a plain atom"
    name, args = head.atom.symbol.name, list(head.atom.symbol.arguments)
    found: tuple[str, int] | None = None
    for j, a in enumerate(args):
        if q not in _variables(a):
            continue
        if found is not None or a.ast_type != ast.ASTType.Function or a.name != "mul" or not a.external \
                or len(a.arguments) != 2:
            return f"it puts the value in {a}, not one @mul(Q, X)"
        left, right = a.arguments
        other = right if left.ast_type == ast.ASTType.Variable and left.name == q else left
        mine = left if other is right else right
        if mine.ast_type != ast.ASTType.Variable or mine.name != q or other.ast_type != ast.ASTType.Variable \
                or other.name in (q, "_"):
            return f"it puts the value in {a}, not @mul(Q, X) with X a variable"
        found = (name, j)
    if found is None:
        return "it does not carry the value into its conclusion"
    readers = [lit for lit in stmt.body if q in _variables(lit)]
    if len(readers) != 1:
        return "it reads the value in its body besides the input atom"
    return found


def _gated(stmt: Any, value_befores: frozenset[str], tx_var: Any) -> bool:
    """The rule reads (positively, outside aggregates) the total before a member of a value-keyed
    chain, about the same transaction: it fires only in the solve with the member's actual values."""
    for lit in stmt.body:
        if lit.ast_type != ast.ASTType.Literal or lit.sign != ast.Sign.NoSign:
            continue
        atom = lit.atom
        if atom.ast_type != ast.ASTType.SymbolicAtom:
            continue
        name, args = _args(atom)
        if name in value_befores and args and str(args[0]) == str(tx_var):
            return True
    return False


def _check_reader(stmt: Any, product: str, position: int, where: str, c: Any, amounts: dict, caps: dict,
                  value_befores: frozenset[str], chains: dict[str, set[str]]) -> str | None:
    """Why a rule reading the product keeps the field exact (None: a use the fold follows)."""
    for atom, in_agg in _walk(stmt.body):
        name, args = _args(atom)
        if name != product:
            continue
        if in_agg:
            return f"rule {where} reads {product} inside an aggregate or condition"
        if position >= len(args) or not args:
            return f"rule {where} reads {product} with another arity"
        v = args[position]
        if v.ast_type != ast.ASTType.Variable:
            return f"rule {where} matches {product} against {v}"
        if v.name == "_":
            continue
        if _gated(stmt, value_befores, args[0]):
            continue
        why = _follow(stmt, v.name, product, where, c, amounts, caps, chains)
        if why is not None:
            return why
    # a negated product atom: its truth does not depend on the value, only on its presence
    return None


def _follow(stmt: Any, a: str, product: str, where: str, c: Any, amounts: dict, caps: dict,
            chains: dict[str, set[str]]) -> str | None:
    befores = {p: ch for ch, p in c.sum_chains.items()}
    for lit in stmt.body:
        if a not in _variables(lit):
            continue
        if lit.ast_type == ast.ASTType.Literal and lit.atom.ast_type == ast.ASTType.SymbolicAtom \
                and _args(lit.atom)[0] == product:
            continue
        if lit.ast_type != ast.ASTType.Literal or lit.sign != ast.Sign.NoSign \
                or lit.atom.ast_type != ast.ASTType.Comparison:
            return f"rule {where} reads {product}'s value in {lit}"
        ok = False
        for atom, _ in _walk(stmt.body):
            name, args = _args(atom)
            ch = befores.get(name or "")
            if ch is None or len(args) < 2 or args[1].ast_type != ast.ASTType.Variable:
                continue
            if _test_shape(stmt, lit.atom, args[1].name, amounts[ch], caps[ch]) in c.tests[ch]:
                ok = True
        if not ok:
            return f"rule {where} compares {product}'s value in {lit}, not a declared test of a running total"
    for atom, in_head in _walk(stmt.head):
        name, args = _args(atom)
        if not any(a in _variables(x) for x in args):
            continue
        if in_head or stmt.head.ast_type != ast.ASTType.Literal:
            return f"rule {where} puts {product}'s value in a choice, aggregate or disjunction"
        if name == "running_amount":
            ch = _const(args[0]) if args else None
            if ch not in c.sum_chains or args[-1].ast_type != ast.ASTType.Variable or args[-1].name != a \
                    or any(a in _variables(x) for x in args[:-1]):
                return (f"rule {where} makes {product}'s value a running amount of {ch!r} in a way the fold "
                        "does not scale")
            chains.setdefault(ch, set()).add(where)
            continue
        if name in c.carried and c.carried[name] in c.sum_chains and name not in c.chains.values():
            continue  # a value derived from a total: filled by the fold, or the row solved again exactly
        return f"rule {where} carries {product}'s value into {name}/{len(args)}"
    return None


def analyse(policy: Policy, c: Any) -> tuple[Scaling, ...]:
    """How each integer field of a transaction enters the decision key (see the module doc), for
    the whole program and its contract `c` (contract.py keeps the answer in Contract.scalings)."""
    from earlog.engine.datekeys import _int_fields

    fields = _int_fields()
    rules = [stmt for _p, stmt in policy.statements if stmt.ast_type == ast.ASTType.Rule]
    others = [str(stmt) for _p, stmt in policy.statements
              if stmt.ast_type not in (ast.ASTType.Rule, ast.ASTType.Comment)]
    out: list[Scaling] = []
    for field, places in fields.items():
        why, found = _field(policy, c, rules, others, places)
        if isinstance(why, str):
            out.append(Scaling(field, why))
        else:
            product, position, chains = found
            out.append(Scaling(field, None, product, position, frozenset(chains)))
        log.debug("decision key, field %s: %s", field, out[-1].report)
    return tuple(out)


def _field(policy: Policy, c: Any, rules: list, others: list[str], places: tuple[tuple[str, int], ...]
           ) -> tuple[str | None, Any]:
    if len(places) != 1:
        return "facts.py gives it to the solver in a form this analysis does not follow", None
    pred, pos = places[0]
    for text in others:
        if pred in text:
            return f"the statement {text!r} names {pred}", None
    product: tuple[str, int] | None = None
    for stmt in rules:
        for atom, in_agg in _walk(stmt.body):
            name, args = _args(atom)
            if name != pred:
                continue
            where = _rule_name(policy, stmt)
            if in_agg or pos >= len(args) or args[pos].ast_type != ast.ASTType.Variable or args[pos].name == "_":
                return f"rule {where} reads {pred} as {atom}", None
            shape = _product_rule(stmt, args[pos].name)
            if isinstance(shape, str):
                return f"rule {where}: {shape}", None
            if product is not None and product != shape:
                return f"rule {where} concludes another product ({shape[0]})", None
            product = shape
        for atom, _ in _walk(stmt.head):
            if _args(atom)[0] == pred:
                return f"rule {_rule_name(policy, stmt)} concludes {pred}", None
    if product is None:
        return "no rule reads it as a factor of a product", None
    name, position = product
    for text in others:
        if name in text:
            return f"the statement {text!r} names {name}", None
    for stmt in rules:  # the product's only source is the field times a fixed value
        if any(_args(a)[0] == name for a, _ in _walk(stmt.head)):
            if not any(_args(a)[0] == pred for a, _ in _walk(stmt.body)):
                return f"rule {_rule_name(policy, stmt)} concludes {name} from something else", None
        if any(_args(a)[0] == "running_amount" for a, _ in _walk(stmt.body)):
            return f"rule {_rule_name(policy, stmt)} reads running_amount", None
    amounts = {ch: _sources(rules, "running_amount", ch) for ch in c.sum_chains}
    caps = {ch: _sources(rules, "running_cap", ch) for ch in c.sum_chains}
    value_befores = frozenset(c.value_chains.values())
    chains: dict[str, set[str]] = {}
    for stmt in rules:
        if not any(_args(a)[0] == name for a, _ in _walk(stmt.body)):
            continue
        why = _check_reader(stmt, name, position, _rule_name(policy, stmt), c, amounts, caps,
                            value_befores, chains)
        if why is not None:
            return why, None
    for stmt in rules:  # a chain's amount is the product in every rule, or never
        for atom, _ in _walk(stmt.head):
            h, args = _args(atom)
            if h != "running_amount":
                continue
            ch = _const(args[0]) if args else None
            if ch is None:
                return f"rule {_rule_name(policy, stmt)} concludes a running amount of no named chain", None
            if ch in chains and _rule_name(policy, stmt) not in chains[ch]:
                return (f"chain {ch!r} takes its running amount from {name} and from elsewhere "
                        f"(rule {_rule_name(policy, stmt)})"), None
    for stmt in rules:  # a value-keyed total exists only for a member the fold solves with its values
        for atom, _ in _walk(stmt.head):
            if _args(atom)[0] in value_befores and not any(
                    _args(a)[0] in ("chain_first", "chain_next") for a, _ in _walk(stmt.body)):
                return (f"rule {_rule_name(policy, stmt)} concludes {_args(atom)[0]} without a chain link, "
                        f"so the rules reading it with {name} may fire for a row solved with another quantity"), None
    return None, (name, position, chains)


def scaled_field(c: Any) -> Scaling | None:
    """The one field the key holds only by sign, from a Contract (None: every field stays as it is;
    two such fields would make a row's amount the product of two ratios, which the fold does not do)."""
    found = [s for s in getattr(c, "scalings", ()) if s.exact is None]
    return found[0] if len(found) == 1 else None


def marked(c: Any) -> dict[str, int]:
    """Product predicate -> value position, whose values the verdict gets as SCALED markers."""
    s = scaled_field(c)
    return {s.product: s.position} if s is not None and s.product else {}


def sign(q: int) -> int:
    return (q > 0) - (q < 0)


__all__ = ["SCALED", "Scaling", "analyse", "marked", "scaled_field", "sign"]
