"""What the keyed engine may assume about a policy, read from the policy itself.

The keyed engine (earlog.engine.screening) solves each transaction apart from the
others and folds the running totals afterwards.  That is exact only when

- no rule joins two transactions, except the chain rules (`chain_first`,
  `chain_next`) of a chain whose running total the policy declares
  (`running_total/2`, policy/running_totals.lp), which the fold replaces;
- no rule draws a conclusion from a transaction's atoms without naming the
  transaction (a party-level fact another transaction could read), unless the
  policy declares that conclusion `cross_transaction/1`: the engine then gathers
  it from every transaction first and gives it to each, and the conclusion must
  not feed back into a running total;
- no aggregate counts over transactions.

`check` walks the AST of the WHOLE program (never the rules left for one kind of
scenario) and raises FastPathRefused naming the first rule that breaks this.
Which predicates are transaction-level starts from the input facts the engine
makes for a transaction (facts.py), found by probing, and follows the rules.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass

from clingo import Function, String, ast

from earlog.engine.policy import Policy
from earlog.errors import EarlogError

CHAIN_PREDICATES = ("chain_first", "chain_next")
SUM_FIT = "sum_at_most_cap"  # the fold compares total + amount with the cap and solves fit / no fit
VALUE_FIT = "exact_before"  # the fold gives the member its actual totals and solves that row
FIT_TESTS = (SUM_FIT, VALUE_FIT)  # the tests the fold knows (running_fit/2)


class FastPathRefused(EarlogError):
    """The policy has a rule the keyed engine cannot answer exactly; the message names it."""


@dataclass(frozen=True)
class Contract:
    """The running totals and cross-transaction conclusions a policy declares."""

    chains: dict[str, str]  # chain -> predicate holding the total before a member
    fits: dict[str, str]  # chain -> fit test
    cross: frozenset[str]  # cross-transaction predicates
    reads: frozenset[str]  # every name a rule body (or a non-rule statement) uses
    tx_predicates: dict[str, frozenset[int]]  # predicate -> argument positions holding a transaction
    afters: dict[str, str] = dataclasses.field(default_factory=dict)  # value-keyed chain -> after predicate
    field_uses: tuple[typing.Any, ...] = ()  # how rules read each integer field (engine/datekeys.py)

    @property
    def sum_chains(self) -> dict[str, str]:
        """The chains folded by fit / no-fit variants (chain -> before predicate)."""
        return {ch: p for ch, p in self.chains.items() if self.fits[ch] == SUM_FIT}

    @property
    def value_chains(self) -> dict[str, str]:
        """The value-keyed chains, solved with their actual totals (chain -> before predicate)."""
        return {ch: p for ch, p in self.chains.items() if self.fits[ch] == VALUE_FIT}


def _probe_transaction() -> typing.Any:
    """A transaction with every optional field set, so facts.py emits every input predicate."""
    from earlog.scenario.model import Transaction

    hints = typing.get_type_hints(Transaction)
    values: dict[str, typing.Any] = {}
    for f in dataclasses.fields(Transaction):
        if f.name in ("src", "ledger"):
            continue
        t = str(hints[f.name])
        values[f.name] = True if "bool" in t else (20250101 if "int" in t else "x")
    values["ledger"] = True
    return Transaction(**values)


@functools.lru_cache(maxsize=1)
def transaction_input_predicates() -> frozenset[str]:
    """The input predicates whose first argument is the transaction (what facts.py emits for one)."""
    from earlog.engine.facts import _tx_facts

    tx = _probe_transaction()
    t = String(tx.id)
    return frozenset(s.name for s in _tx_facts(tx, lambda c: Function(c.lower()))
                     if s.arguments and s.arguments[0] == t)


_NAME = re.compile(r"([a-z_][A-Za-z0-9_']*)\s*\(")


def _names_read(policy: Policy) -> frozenset[str]:
    used: set[str] = set()
    for _part, stmt in policy.statements:
        if stmt.ast_type == ast.ASTType.Rule:
            for lit in stmt.body:
                used.update(_NAME.findall(str(lit)))
        elif stmt.ast_type != ast.ASTType.Comment:
            used.update(_NAME.findall(str(stmt)))
    return frozenset(used)


_SEQ = (list, tuple, ast.ASTSequence)


def _walk(node: typing.Any, in_aggregate: bool = False) -> Iterator[tuple[typing.Any, bool]]:
    """Every SymbolicAtom under `node`, with whether it sits inside an aggregate or condition."""
    if isinstance(node, _SEQ):
        for x in node:
            yield from _walk(x, in_aggregate)
        return
    if not isinstance(node, ast.AST):
        return
    t = node.ast_type
    if t == ast.ASTType.SymbolicAtom:
        yield node, in_aggregate
        return
    inner = in_aggregate or t in (ast.ASTType.BodyAggregate, ast.ASTType.Aggregate,
                                  ast.ASTType.ConditionalLiteral, ast.ASTType.HeadAggregate,
                                  ast.ASTType.Disjunction)
    for key in node.child_keys:
        yield from _walk(getattr(node, key), inner)


def _variables(node: typing.Any) -> set[str]:
    out: set[str] = set()
    if isinstance(node, _SEQ):
        for x in node:
            out |= _variables(x)
        return out
    if not isinstance(node, ast.AST):
        return out
    if node.ast_type == ast.ASTType.Variable:
        if node.name != "_":
            out.add(node.name)
        return out
    for key in node.child_keys:
        out |= _variables(getattr(node, key))
    return out


def _args(atom: typing.Any) -> tuple[str | None, list[typing.Any]]:
    sym = atom.symbol
    if sym.ast_type == ast.ASTType.Function:
        return sym.name, list(sym.arguments)
    return None, []


def _const(term: typing.Any) -> str | None:
    if term.ast_type == ast.ASTType.SymbolicTerm and term.symbol.type.name == "Function":
        return term.symbol.name
    return None


@functools.lru_cache(maxsize=8)
def contract(policy: Policy) -> Contract:
    """The policy's running-total contract, checked against its rules (FastPathRefused otherwise)."""
    chains = {s.arguments[0].name: s.arguments[1].name for s in policy.data.get("running_total", ())}
    fits = {s.arguments[0].name: s.arguments[1].name for s in policy.data.get("running_fit", ())}
    cross = frozenset(s.arguments[0].name for s in policy.data.get("cross_transaction", ()))
    afters = {s.arguments[0].name: s.arguments[1].name for s in policy.data.get("running_after", ())}
    for chain in chains:
        if fits.get(chain) not in FIT_TESTS:
            raise FastPathRefused(f"running total {chain!r} declares no known fit test "
                                  f"(running_fit({chain}, T) with T one of {', '.join(FIT_TESTS)})")
        if fits[chain] == VALUE_FIT and chain not in afters:
            raise FastPathRefused(f"running total {chain!r} is value-keyed ({VALUE_FIT}) but declares no "
                                  f"running_after({chain}, P) for the totals after a member")
    tx_pos = _check_rules(policy, chains, cross, frozenset(afters.values()) | frozenset(chains.values()))
    return Contract(chains=chains, fits=fits, cross=cross, reads=_names_read(policy),
                    tx_predicates=tx_pos, afters={ch: afters[ch] for ch in chains if fits[ch] == VALUE_FIT},
                    field_uses=_field_uses(policy))


def _field_uses(policy: Policy) -> tuple[typing.Any, ...]:
    from earlog.engine.datekeys import field_uses
    from earlog.engine.prepared import prepare
    from earlog.engine.program import VERDICT_PREDICATES

    return field_uses(policy, prepare(policy, (), VERDICT_PREDICATES, frozenset()).static_predicates)


def _rule_name(policy: Policy, stmt: typing.Any) -> str:
    for r in policy.rules.values():
        if r.statement is stmt:
            return f"{r.id} ({r.file}:{r.line})"
    return f"{stmt.location.begin.filename}:{stmt.location.begin.line}"


def _check_rules(policy: Policy, chains: dict[str, str], cross: frozenset[str],
                 totals: frozenset[str] = frozenset()) -> dict[str, frozenset[int]]:
    """Follow transaction-valued argument positions through the rules to a fixpoint, refusing
    any rule that joins two transactions or drops the transaction from its conclusion."""
    tx_pos: dict[str, set[int]] = {p: {0} for p in transaction_input_predicates()}
    tx_pos["chain_first"] = {1}
    tx_pos["chain_next"] = {1, 2}
    rules = [stmt for _p, stmt in policy.statements if stmt.ast_type == ast.ASTType.Rule]
    refusals: dict[int, str] = {}
    changed = True
    while changed:
        changed = False
        for stmt in rules:
            tx_vars: set[str] = set()
            reads_chain: list[str | None] = []
            aggregated: list[tuple[str, set[str]]] = []
            for atom, in_agg in _walk(stmt.body):
                name, args = _args(atom)
                if name in CHAIN_PREDICATES:
                    reads_chain.append(_const(args[0]) if args else None)
                positions = tx_pos.get(name or "", ())
                vs = set()
                for i in positions:
                    if i < len(args):
                        vs |= _variables(args[i])
                if not vs:
                    continue
                if in_agg:
                    aggregated.append((name or "", vs))
                else:
                    tx_vars |= vs
            if not tx_vars and not aggregated:
                continue
            where = _rule_name(policy, stmt)
            for chain in reads_chain:
                if chain not in chains:
                    refusals[id(stmt)] = (f"rule {where} links transactions in chain {chain!r}, which has no "
                                          "running-total contract (running_total/2 in policy/running_totals.lp)")
            for name, vs in aggregated:
                if not vs <= tx_vars:
                    refusals[id(stmt)] = (f"rule {where} aggregates {name}/… over transactions: one "
                                          "transaction's answer would depend on the others")
            if len(tx_vars) > 1 and not reads_chain:
                refusals[id(stmt)] = (f"rule {where} joins two transactions ({', '.join(sorted(tx_vars))}): "
                                      "one transaction's answer would depend on another's")
            head_atoms = [a for a, _ in _walk(stmt.head)]
            for atom in head_atoms:
                name, args = _args(atom)
                if name is None:
                    continue
                carried = {i for i, a in enumerate(args) if _variables(a) & tx_vars}
                if not carried and not reads_chain:
                    if name not in cross:
                        refusals[id(stmt)] = (
                            f"rule {where} concludes {name}/{len(args)} from a transaction's atoms without "
                            "naming the transaction, so another transaction can read it; declare "
                            f"cross_transaction({name}) in policy/running_totals.lp or make it name the transaction")
                    continue
                known = tx_pos.setdefault(name, set())
                if not carried <= known:
                    known |= carried
                    changed = True
    if refusals:
        first = sorted(refusals.values())[0]
        raise FastPathRefused(f"the keyed engine cannot answer this policy exactly: {first}")
    _check_cross(policy, rules, cross, totals)
    return {k: frozenset(v) for k, v in tx_pos.items()}


_CONTRACT_HEADS = ("running_counts", "running_amount", "running_cap", "chain_member", "route")


def _check_cross(policy: Policy, rules: list, cross: frozenset[str], totals: frozenset[str]) -> None:
    """A cross-transaction conclusion is gathered after a first fold, so it must not feed back
    into what the fold counts: nothing that depends on it may reach a running-total atom."""
    if not cross:
        return
    deps: dict[str, set[str]] = {}
    for stmt in rules:
        body = {(_args(a)[0] or "") for a, _ in _walk(stmt.body)}
        for a, _ in _walk(stmt.head):
            deps.setdefault(_args(a)[0] or "", set()).update(body)
    counted = {"running_counts", "running_amount", "running_cap", "chain_member"} | set(totals)
    for target in counted:
        seen: set[str] = set()
        stack = [target]
        while stack:
            p = stack.pop()
            for q in deps.get(p, ()):
                if q in cross:
                    raise FastPathRefused(f"cross-transaction conclusion {q} feeds the running total "
                                          f"({target}): the fold cannot gather it first")
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
