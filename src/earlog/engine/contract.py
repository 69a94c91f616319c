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

from earlog.engine.astlock import reads_shared_asts
from earlog.engine.policy import Policy
from earlog.errors import EarlogError

CHAIN_PREDICATES = ("chain_first", "chain_next")
SUM_FIT = "sum_at_most_cap"  # the fold compares total + amount with the cap and solves fit / no fit
REACHED = "before_at_least_cap"  # the fold compares the total before with the cap (reached / not yet)
VALUE_FIT = "exact_before"  # the fold gives the member its actual totals and solves that row
THRESHOLD_TESTS = (SUM_FIT, REACHED)  # comparisons of the total before with one threshold each
FIT_TESTS = (*THRESHOLD_TESTS, VALUE_FIT)  # the tests the fold knows (running_fit/2)
ZERO = "zero"  # the point "total before = 0" of the fold's synthetic totals


def fit_outcome(test: str, before: int, amount: int, cap: int) -> bool:
    """The outcome of a declared threshold test for a member's total before it (the vocabulary of
    running_fit/2: which comparison each name stands for; the amounts and caps come from the policy)."""
    if test == SUM_FIT:
        return before + amount <= cap
    if test == REACHED:
        return cap <= before
    raise ValueError(f"not a threshold test: {test}")


def flip_point(test: str, amount: int, cap: int) -> int:
    """The least total before a member at which the test's outcome differs from its outcome just
    below it (every test is a threshold on the total before)."""
    if test == SUM_FIT:
        return cap - amount + 1
    if test == REACHED:
        return cap
    raise ValueError(f"not a threshold test: {test}")


def fit_options(tests: tuple[str, ...], amount: int, cap: int) -> list[tuple[tuple[bool, ...], str, int]]:
    """Every combination of test outcomes some total before (>= 0) gives, as (outcomes, point, total):
    the least such total, named by the test whose flip point it is (ZERO for 0), least total first.
    Each test is a threshold, so the totals between two flip points agree on every test and the
    least total of each stretch is 0 or a flip point: these are all the combinations."""
    points = {0: ZERO}
    for t in tests:
        v = flip_point(t, amount, cap)
        if v > 0:
            points.setdefault(v, t)
    out: list[tuple[tuple[bool, ...], str, int]] = []
    seen: set[tuple[bool, ...]] = set()
    for v in sorted(points):
        o = tuple(fit_outcome(t, v, amount, cap) for t in tests)
        if o not in seen:
            seen.add(o)
            out.append((o, points[v], v))
    return out


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
    # chain folded by variants -> the threshold tests the policy makes on its total (declared order)
    tests: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # predicates holding a value the rules derive from a variant-folded total -> its chain (the
    # before-predicate included); the verdict shows them from the actual totals
    carried: dict[str, str] = dataclasses.field(default_factory=dict)
    # chain -> {predicate: "after" | "headroom"}: the carried values the fold computes itself
    # (running_after/2: before + amount when the member counts; running_headroom/2: cap - after, >= 0)
    shown: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    field_uses: tuple[typing.Any, ...] = ()  # how rules read each integer field (engine/datekeys.py)
    scalings: tuple[typing.Any, ...] = ()  # which integer field is only a factor (engine/quantitykeys.py)
    # chain -> test -> the readings each rule comparing the total that way requires (engine/livetests.py)
    test_guards: dict[str, dict[str, tuple[frozenset[tuple[str, str]], ...]]] = dataclasses.field(
        default_factory=dict)
    # (program part, rule text): for each rule reading a cross-transaction atom, a twin concluding
    # CROSS_READ(Predicate, Head) from the rest of its body (cross_twins)
    cross_twins: tuple[tuple[str, str], ...] = ()
    cross_always: frozenset[str] = frozenset()  # cross predicates some statement reads without a twin

    @property
    def sum_chains(self) -> dict[str, str]:
        """The chains folded by variants, one per combination of test outcomes (chain -> before predicate)."""
        return {ch: p for ch, p in self.chains.items() if self.fits[ch] != VALUE_FIT}

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
@reads_shared_asts
def contract(policy: Policy) -> Contract:
    """The policy's running-total contract, checked against its rules (FastPathRefused otherwise)."""
    chains = {s.arguments[0].name: s.arguments[1].name for s in policy.data.get("running_total", ())}
    declared: dict[str, list[str]] = {}
    for s in _declared(policy, "running_fit"):
        declared.setdefault(s.arguments[0].name, []).append(s.arguments[1].name)
    fits = {ch: (VALUE_FIT if VALUE_FIT in ts else ts[0]) for ch, ts in declared.items()}
    cross = frozenset(s.arguments[0].name for s in policy.data.get("cross_transaction", ()))
    afters = {s.arguments[0].name: s.arguments[1].name for s in _declared(policy, "running_after")}
    for chain in chains:
        if fits.get(chain) not in FIT_TESTS:
            raise FastPathRefused(f"running total {chain!r} declares no known fit test "
                                  f"(running_fit({chain}, T) with T one of {', '.join(FIT_TESTS)})")
        unknown = [t for t in declared[chain] if t not in FIT_TESTS]
        if unknown:
            raise FastPathRefused(f"running total {chain!r} declares an unknown fit test {unknown[0]!r} "
                                  f"(running_fit({chain}, T) with T one of {', '.join(FIT_TESTS)})")
        if fits[chain] == VALUE_FIT and len(set(declared[chain])) > 1:
            raise FastPathRefused(f"running total {chain!r} is value-keyed ({VALUE_FIT}) and also declares "
                                  f"threshold tests: declare one or the other")
        if fits[chain] == VALUE_FIT and chain not in afters:
            raise FastPathRefused(f"running total {chain!r} is value-keyed ({VALUE_FIT}) but declares no "
                                  f"running_after({chain}, P) for the totals after a member")
    tx_pos = _check_rules(policy, chains, cross, frozenset(afters.values()) | frozenset(chains.values()))
    tests = {ch: tuple(dict.fromkeys(declared[ch])) for ch in chains if fits[ch] != VALUE_FIT}
    carried = _check_tests(policy, {chains[ch]: (ch, ts) for ch, ts in tests.items()})
    headrooms = {s.arguments[0].name: s.arguments[1].name for s in _declared(policy, "running_headroom")}
    shown: dict[str, dict[str, str]] = {}
    for chain in tests:
        for kind, pred in (("after", afters.get(chain)), ("headroom", headrooms.get(chain))):
            if pred is None:
                continue
            if carried.get(pred) != chain or pred == chains[chain]:
                raise FastPathRefused(f"running_{kind}({chain}, {pred}) declares a predicate that holds no "
                                      f"value the rules derive from the chain's total ({chains[chain]})")
            shown.setdefault(chain, {})[pred] = kind
    twins, always = cross_twins(policy, cross, frozenset(chains.values()))
    c = Contract(chains=chains, fits=fits, cross=cross, reads=_names_read(policy), cross_twins=twins,
                 cross_always=always,
                 tx_predicates=tx_pos, afters={ch: afters[ch] for ch in chains if fits[ch] == VALUE_FIT},
                 tests=tests, carried=carried, shown=shown, field_uses=_field_uses(policy))
    from earlog.engine import livetests
    from earlog.engine.quantitykeys import analyse

    return dataclasses.replace(c, scalings=analyse(policy, c), test_guards=livetests.analyse(policy, c))


def _declared(policy: Policy, name: str) -> list[typing.Any]:
    """The facts `name(...)` of the policy: plain facts (data) and annotated ones (rules with no body)."""
    from earlog.engine.policy import _ground_fact

    out = list(policy.data.get(name, ()))
    for r in policy.rules.values():
        if r.head_predicate == name and r.statement.ast_type == ast.ASTType.Rule and not r.statement.body:
            sym = _ground_fact(r.statement)
            if sym is not None:
                out.append(sym)
    return out


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


def _dependencies(rules: list) -> dict[str, set[str]]:
    """Each predicate a rule concludes -> the predicates its rules' bodies read (sign ignored)."""
    deps: dict[str, set[str]] = {}
    for stmt in rules:
        body = {(_args(a)[0] or "") for a, _ in _walk(stmt.body)}
        for a, _ in _walk(stmt.head):
            deps.setdefault(_args(a)[0] or "", set()).update(body)
    return deps


def _check_cross(policy: Policy, rules: list, cross: frozenset[str], totals: frozenset[str]) -> None:
    """A cross-transaction conclusion is gathered after a first fold, so it must not feed back
    into what the fold counts: nothing that depends on it may reach a running-total atom."""
    if not cross:
        return
    deps = _dependencies(rules)
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


CROSS_READ = "_earlog_cross_read"  # CROSS_READ(Predicate, Head): a rule could conclude Head given Predicate


def _dependents(deps: dict[str, set[str]], roots: frozenset[str]) -> set[str]:
    """The predicates that depend, through the rules, on any of `roots` (the roots included)."""
    users: dict[str, set[str]] = {}
    for head, body in deps.items():
        for b in body:
            users.setdefault(b, set()).add(head)
    out = set(roots)
    stack = list(roots)
    while stack:
        for h in users.get(stack.pop(), ()):
            if h not in out:
                out.add(h)
                stack.append(h)
    return out


def cross_twins(policy: Policy, cross: frozenset[str], totals: frozenset[str]
                ) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """Which transactions a cross-transaction atom can matter to, derived from the rules reading it.

    A row is given the cross-transaction atoms about its entities so that the rules reading them
    fire as in the whole book; a row none of whose rules could fire needs none, and its key stays
    the one already solved.  For a rule `H :- c(X), Rest.` with c a cross predicate, the twin
    `CROSS_READ(c, H) :- Rest.` fires in a key's answer exactly when the rule would fire given
    c(X), provided Rest does not depend on any cross predicate (so giving the atoms does not change
    Rest) nor on a running total (so every variant of the key agrees) and binds every variable of
    c(X).  A cross predicate read any other way (in an aggregate or condition, by a rule that breaks
    these conditions, outside a rule) is in the second set: every row is given its atoms.
    Returns ((program part, twin rule text), ...) and that set."""
    if not cross:
        return (), frozenset()
    rules = [(part, stmt) for part, stmt in policy.statements if stmt.ast_type == ast.ASTType.Rule]
    deps = _dependencies([stmt for _part, stmt in rules])
    tainted = _dependents(deps, cross) | _dependents(deps, totals | frozenset(CHAIN_PREDICATES))
    twins: list[tuple[str, str]] = []
    always: set[str] = set()
    for _part, stmt in policy.statements:
        if stmt.ast_type not in (ast.ASTType.Rule, ast.ASTType.Comment):
            always |= cross & set(_NAME.findall(str(stmt)))
    for part, stmt in rules:
        read = [a for a, _ in _walk(stmt.body) if (_args(a)[0] or "") in cross]
        if not read:
            continue
        names = {_args(a)[0] or "" for a in read}
        at = [i for i, lit in enumerate(stmt.body) if lit.ast_type == ast.ASTType.Literal
              and lit.atom.ast_type == ast.ASTType.SymbolicAtom and (_args(lit.atom)[0] or "") in cross]
        head = stmt.head
        if (len(read) != 1 or len(at) != 1 or head.ast_type != ast.ASTType.Literal
                or head.atom.ast_type != ast.ASTType.SymbolicAtom or head.sign != ast.Sign.NoSign):
            always |= names
            continue
        lit = stmt.body[at[0]]
        rest = [x for i, x in enumerate(stmt.body) if i != at[0]]
        bound: set[str] = set()
        for x in rest:
            if (x.ast_type == ast.ASTType.Literal and x.sign == ast.Sign.NoSign
                    and x.atom.ast_type == ast.ASTType.SymbolicAtom):
                bound |= _variables(x.atom)
        if ({(_args(a)[0] or "") for a, _ in _walk(rest)} & tainted or not _variables(lit.atom) <= bound
                or not _variables(head) <= bound):
            always |= names
            continue
        name = _args(lit.atom)[0]
        body = ", ".join(str(x) for x in rest)
        twins.append((part, f"{CROSS_READ}({name}, {head.atom.symbol}){' :- ' + body if body else ''}."))
    return tuple(twins), frozenset(always)


Source = tuple[str, int, tuple[str | None, ...]]  # (predicate, position, constant arguments)


def _sources(rules: list, head: str, chain: str) -> frozenset[Source]:
    """Where the contract's rules for `head` (running_amount / running_cap) of `chain` take their
    value from: the body atoms holding the head's last variable, as (predicate, position,
    constant arguments)."""
    out: set[Source] = set()
    for stmt in rules:
        for atom, _ in _walk(stmt.head):
            name, args = _args(atom)
            if name != head or not args or _const(args[0]) != chain or args[-1].ast_type != ast.ASTType.Variable:
                continue
            out |= _bound_by(stmt, args[-1].name)
    return frozenset(out)


def _bound_by(stmt: typing.Any, var: str) -> set[Source]:
    out: set[Source] = set()
    for atom, _ in _walk(stmt.body):
        name, args = _args(atom)
        for i, a in enumerate(args):
            if a.ast_type == ast.ASTType.Variable and a.name == var and name is not None:
                out.add((name, i, tuple(_const(b) if b.ast_type == ast.ASTType.SymbolicTerm else None
                                        for b in args)))
    return out


def _test_shape(stmt: typing.Any, cmp: typing.Any, v: str, amounts: frozenset[Source],
                caps: frozenset[Source]) -> str | None:
    """The declared test a comparison literal is, if it compares the total before (variable `v`)
    in one of the shapes the fold knows — `@leq(@add(V, A), Cap) = 0|1` (sum_at_most_cap) or
    `@leq(Cap, V) = 0|1` (before_at_least_cap) — with A and Cap variables the rule takes from the
    atoms the contract's running_amount and running_cap rules take them from; else None."""
    if cmp.ast_type != ast.ASTType.Comparison or len(cmp.guards) != 1:
        return None
    g = cmp.guards[0]
    if g.comparison not in (ast.ComparisonOperator.Equal, ast.ComparisonOperator.NotEqual):
        return None
    if g.term.ast_type != ast.ASTType.SymbolicTerm or str(g.term.symbol) not in ("0", "1"):
        return None
    t = cmp.term
    if t.ast_type != ast.ASTType.Function or t.name != "leq" or not t.external or len(t.arguments) != 2:
        return None

    def var(term: typing.Any, sources: frozenset[Source]) -> bool:
        return (term.ast_type == ast.ASTType.Variable and term.name not in (v, "_")
                and bool(_bound_by(stmt, term.name) & sources))

    left, right = t.arguments
    if right.ast_type == ast.ASTType.Variable and right.name == v and var(left, caps):
        return REACHED
    if (left.ast_type == ast.ASTType.Function and left.name == "add" and left.external
            and len(left.arguments) == 2 and left.arguments[0].ast_type == ast.ASTType.Variable
            and left.arguments[0].name == v and var(left.arguments[1], amounts) and var(right, caps)):
        return SUM_FIT
    return None


def _check_tests(policy: Policy, befores: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    """The declared tests must be all the policy reads of a variant-folded total.

    The keyed engine solves a member with a synthetic total before it (the least total giving
    each combination of test outcomes), so a rule may read the total (`Before(T, V)`, V its last
    argument) only (a) in a declared test's comparison, or (b) to carry it into a conclusion that
    holds a value derived from it (the total after, the headroom: what the verdict shows, which
    the engine fills from the actual totals), and such carried values may in turn only be read
    to derive further carried values.  Anything else — another comparison, a join on the value, a
    decision drawn from a carried value — makes the fold unsound: FastPathRefused names the rule.
    The chain-link rules (chain_first / chain_next) are replaced by the fold and not checked.
    Returns the predicates holding values derived from a total, with their chains."""
    if not befores:
        return {}
    rules = [stmt for _p, stmt in policy.statements if stmt.ast_type == ast.ASTType.Rule]
    carried: dict[str, set[int]] = {b: {1} for b in befores}  # predicate -> positions holding a total
    chain_of: dict[str, str] = {b: ch for b, (ch, _ts) in befores.items()}

    def reads_of(stmt: typing.Any) -> tuple[list[tuple[str, set[str]]], bool, list[str]]:
        """(carried predicates read with the variables at their total positions, links a chain,
        terms matched against a total)."""
        reads: list[tuple[str, set[str]]] = []
        links = False
        matched: list[str] = []
        for atom, _ in _walk(stmt.body):
            name, args = _args(atom)
            links = links or name in CHAIN_PREDICATES
            if name not in carried:
                continue
            vs: set[str] = set()
            for i in carried[name]:
                if i < len(args):
                    term = args[i]
                    if term.ast_type != ast.ASTType.Variable:
                        matched.append(f"{name}/{len(args)} against {term}")
                    elif term.name != "_":
                        vs.add(term.name)
            reads.append((name or "", vs))
        return reads, links, matched

    def _is_link(stmt: typing.Any, links: bool) -> bool:
        """A chain-link rule: it reads chain_first / chain_next and concludes only a total before."""
        return links and all(_args(a)[0] in befores for a, _ in _walk(stmt.head))

    changed = True
    while changed:  # which predicates hold values derived from a total
        changed = False
        for stmt in rules:
            reads, links, _m = reads_of(stmt)
            if not reads or _is_link(stmt, links):
                continue
            total_vars = set().union(*(vs for _n, vs in reads))
            for atom, _ in _walk(stmt.head):
                name, args = _args(atom)
                pos = {i for i, a in enumerate(args) if _variables(a) & total_vars}
                if name is None or not pos:
                    continue
                known = carried.setdefault(name, set())
                chain_of.setdefault(name, chain_of[reads[0][0]])
                if not pos <= known:
                    known |= pos
                    changed = True
    amounts = {ch: _sources(rules, "running_amount", ch) for ch, _ts in befores.values()}
    caps = {ch: _sources(rules, "running_cap", ch) for ch, _ts in befores.values()}
    refusals: dict[int, str] = {}
    for stmt in rules:
        reads, links, matched = reads_of(stmt)
        if not reads or _is_link(stmt, links):
            continue
        where = _rule_name(policy, stmt)
        if matched:
            refusals[id(stmt)] = f"rule {where} matches a running total: {matched[0]}"
            continue
        heads = [_args(a)[0] for a, _ in _walk(stmt.head)]
        if heads and all(h is not None and h in carried and h not in befores for h in heads):
            continue  # concludes only values derived from totals: the engine fills them from the actual totals
        for name, vs in reads:
            chain = chain_of.get(name, "?")
            if name not in befores:
                refusals[id(stmt)] = (
                    f"rule {where} draws a conclusion from {name}, a value derived from the running "
                    f"total of chain {chain!r}; only the declared tests may decide anything")
                continue
            tests = befores[name][1]
            for v in vs:
                for node in _nodes(stmt.body):
                    if v not in _variables(node) or (
                            node.ast_type == ast.ASTType.SymbolicAtom and _args(node)[0] == name):
                        continue
                    if (node.ast_type == ast.ASTType.Comparison
                            and _test_shape(stmt, node, v, amounts[chain], caps[chain]) in tests):
                        continue
                    refusals[id(stmt)] = (
                        f"rule {where} reads the running total of chain {chain!r} ({name}) in {node}, "
                        f"which is not a declared test (running_fit({chain}, T) declares "
                        f"{', '.join(tests)})")
    if refusals:
        first = sorted(refusals.values())[0]
        raise FastPathRefused(f"the keyed engine cannot answer this policy exactly: {first}")
    return {p: chain_of[p] for p in carried}


def _nodes(lit: typing.Any) -> Iterator[typing.Any]:
    """The atoms and comparisons of a body literal (inside aggregates and conditions too)."""
    if isinstance(lit, _SEQ):
        for x in lit:
            yield from _nodes(x)
        return
    if not isinstance(lit, ast.AST):
        return
    if lit.ast_type in (ast.ASTType.SymbolicAtom, ast.ASTType.Comparison):
        yield lit
        return
    for key in lit.child_keys:
        yield from _nodes(getattr(lit, key))
