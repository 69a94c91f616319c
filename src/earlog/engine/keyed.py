"""Solve one decision key: one transaction, alone, with its running totals left open.

The scenario solved here holds the transaction, its item, the parties of its
ownership trees and the overlay, with every id replaced by a role token
(earlog.engine.screening makes it).  No other transaction is present, so no chain
is linked: for each chain the transaction is a member of, the total before it
enters as an `#external` atom of the chain's before-predicate (declared in the
program, in the `cumulative` part, before that part is grounded), with one value
that fits the cap and one that does not.  The program is grounded once and solved
once per combination of fit / no fit; each gives a variant of the answer, and the
ordered fold later picks the variant whose conditions hold.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import clingo
from clingo import Function, Number, String, Symbol, SymbolType, ast

from earlog.engine.arith import Arithmetic, big, to_int
from earlog.engine.contract import Contract, contract
from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy, load_policy
from earlog.engine.program import FIRED, VERDICT_PREDICATES, live_program
from earlog.engine.solve import Answer, _replay, _show
from earlog.errors import EngineBug
from earlog.scenario.model import Scenario

TX_TOKEN = "\x01t"
BEFORE = "\x01before:"  # a verdict field carrying a chain's total before the transaction
CONTRACT_READS = frozenset({"chain_member", "running_amount", "running_cap", "running_counts"})


def encode(s: Symbol) -> Any:
    """A picklable, hashable Python value for a symbol (ints, strings, tagged tuples)."""
    t = s.type
    if t == SymbolType.Number:
        return s.number
    if t == SymbolType.String:
        return s.string
    if t == SymbolType.Function:
        return ("f", s.name, s.positive, tuple(encode(a) for a in s.arguments))
    return ("x", str(s))  # #inf / #sup


def decode(v: Any) -> Symbol:
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        return Number(v)
    if isinstance(v, str):
        return String(v)
    if v[0] == "f":
        return Function(v[1], [decode(a) for a in v[3]], v[2])
    return clingo.Infimum if v[1] == "#inf" else clingo.Supremum


@dataclass
class Variant:
    """The answer for one combination of fits: what counts, what crosses, and the verdict."""

    counts: tuple[bool, ...]  # per membership: the amount is added to the chain's total
    cross: tuple[Any, ...]  # encoded cross-transaction atoms (role tokens inside)
    verdict: Any = None  # earlog.verdict.Verdict with role tokens, or None for a ledger entry
    fired: tuple[tuple[Any, tuple[str, ...]], ...] = ()  # (encoded atom about the tx, rule ids)
    before_paths: tuple[tuple[tuple[Any, ...], str], ...] = ()  # (path in the verdict, chain)
    token_fields: tuple[str, ...] = ()  # verdict fields holding role tokens


@dataclass
class KeyResult:
    """Everything the fold needs about one decision key."""

    memberships: tuple[tuple[str, Any, int, int], ...]  # (chain, encoded key, amount, cap)
    variants: dict[tuple[bool, ...], Variant] = field(default_factory=dict)


def solve_payloads(payloads: list[tuple[Any, ...]]) -> list[KeyResult]:
    """A batch of keys (top-level and picklable, for process pools and Dask)."""
    return [solve_key(*p) for p in payloads]


def solve_key(policy_dir: str | None, mini: Scenario, cross: tuple[Any, ...], verdict: bool) -> KeyResult:
    policy = load_policy(policy_dir)
    c = contract(policy)
    facts = [s for s in scenario_facts(mini) if s.name in c.reads]
    facts += [decode(x) for x in cross]
    return _solve(policy, c, mini, facts, verdict)


def _solve(policy: Policy, c: Contract, mini: Scenario, facts: list[Symbol], want_verdict: bool) -> KeyResult:
    from earlog.verdict import VERDICT_READS  # verdict imports the engine

    ctl = clingo.Control(["--warn=none", "--models=2"])
    before_preds = frozenset(c.chains.values())
    given = frozenset({s.name for s in facts} | {"chain_first", "chain_next"} | before_preds)
    _replay(ctl, live_program(policy, VERDICT_PREDICATES, False, given))
    shown = VERDICT_READS | CONTRACT_READS | c.cross | before_preds
    _show(ctl, policy, shown | {FIRED})
    with ctl.backend() as b:
        for sym in policy.facts.get("base", ()):
            b.add_rule([b.add_atom(sym)])
        for sym in facts:
            b.add_rule([b.add_atom(sym)])
    ctx = Arithmetic()
    ctl.ground([("base", [])], context=ctx)
    t = String(TX_TOKEN)
    members: list[tuple[str, Symbol]] = []
    for a in ctl.symbolic_atoms.by_signature("chain_member", 3):
        chain, key, tx = a.symbol.arguments
        if tx != t:
            continue
        if not a.is_fact:
            raise EngineBug(f"chain membership {a.symbol} is not decided by grounding")
        if chain.name not in c.chains:
            raise EngineBug(f"chain {chain.name} has no running-total contract")
        members.append((chain.name, key))
    members.sort(key=lambda m: (m[0], str(m[1])))
    amounts: dict[str, int] = {}
    caps: dict[str, int] = {}
    for sig, out in (("running_amount", amounts), ("running_cap", caps)):
        for a in ctl.symbolic_atoms.by_signature(sig, 3):
            chain, tx, v = a.symbol.arguments
            if tx == t:
                if not a.is_fact:
                    raise EngineBug(f"{a.symbol} is not decided by grounding")
                out[chain.name] = to_int(v)
    memberships = []
    for chain, key in members:
        if chain not in amounts or chain not in caps:
            raise EngineBug(f"the policy gives no running_amount/running_cap for chain {chain}")
        memberships.append((chain, encode(key), amounts[chain], caps[chain]))
    # the values entered for each chain: one that fits (0) when any can, one that does not
    options: list[list[tuple[bool, int]]] = []
    for _chain, _key, a, cap in memberships:
        opts = []
        if a <= cap:
            opts.append((True, 0))
        opts.append((False, max(cap - a + 1, 0)))
        options.append(opts)
    externals: dict[tuple[int, int], Symbol] = {}
    loc = ast.Location(ast.Position("<earlog>", 1, 1), ast.Position("<earlog>", 1, 1))
    with ast.ProgramBuilder(ctl) as pb:
        pb.add(ast.Program(loc, "cumulative", []))
        for i, ((chain, _k, _a, _cap), opts) in enumerate(zip(memberships, options, strict=True)):
            for _fits, v in opts:
                atom = Function(c.chains[chain], [t, big(v)])
                externals[(i, v)] = atom
                term = ast.SymbolicAtom(ast.SymbolicTerm(loc, atom))
                pb.add(ast.External(loc, term, [], ast.SymbolicTerm(loc, Function("false"))))
    with ctl.backend() as b:
        for sym in policy.facts.get("cumulative", ()):
            b.add_rule([b.add_atom(sym)])
    ctl.ground([("cumulative", [])], context=ctx)
    result = KeyResult(memberships=tuple(memberships))
    for combo in itertools.product(*options):
        for i, (_fits, v) in enumerate(combo):
            for (j, w), atom in externals.items():
                if j == i:
                    ctl.assign_external(atom, w == v)
        models: list[list[Symbol]] = []
        ctl.solve(on_model=lambda m, models=models: models.append(m.symbols(shown=True)))
        if len(models) != 1:
            raise EngineBug(f"the policy gave {len(models)} answer sets for one transaction; exactly one was expected")
        fits = tuple(f for f, _v in combo)
        result.variants[fits] = _variant(policy, c, mini, models[0], memberships, want_verdict)
    return result


def _variant(policy: Policy, c: Contract, mini: Scenario, model: list[Symbol],
             memberships: list[tuple[str, Any, int, int]], want_verdict: bool) -> Variant:
    from earlog.verdict import build_verdicts

    t = String(TX_TOKEN)
    before_preds = {p: ch for ch, p in c.chains.items()}
    atoms: dict[str, list[Symbol]] = {}
    counted: set[str] = set()
    cross = []
    for s in model:
        name = s.name
        if name == "running_counts":
            if s.arguments[1] == t:
                counted.add(s.arguments[0].name)
            continue
        if name in c.cross:
            cross.append(encode(s))
        if name in before_preds and s.arguments and s.arguments[0] == t:
            # the fold fills the total before the transaction; the verdict gets a marker
            s = Function(name, [t, String(BEFORE + before_preds[name]), *s.arguments[2:]])
        atoms.setdefault(name, []).append(s)
    counts = tuple(ch in counted for ch, _k, _a, _c in memberships)
    v = Variant(counts=counts, cross=tuple(sorted(cross, key=repr)))
    if not want_verdict:
        return v
    ans = Answer(atoms=atoms, scenario=mini, policy=policy)
    verdict = build_verdicts(ans)[0]
    fired = []
    for atom, rules in ans.fired().items():
        if atom.arguments and atom.arguments[0] == t:
            fired.append((encode(atom), tuple(rules)))
    v.verdict = verdict
    v.fired = tuple(fired)
    paths: list[tuple[tuple[Any, ...], str]] = []
    tokens: list[str] = []
    for name, value in verdict.to_json().items():
        found_token = False
        for path, leaf in _leaves(value, (name,)):
            if isinstance(leaf, str) and leaf.startswith(BEFORE):
                paths.append((path, leaf[len(BEFORE):]))
            elif isinstance(leaf, str) and leaf.startswith("\x01"):
                found_token = True
        if found_token:
            tokens.append(name)
    v.before_paths = tuple(paths)
    v.token_fields = tuple(tokens)
    return v


def _leaves(value: Any, path: tuple[Any, ...]):
    if isinstance(value, dict):
        for k, x in value.items():
            yield from _leaves(x, (*path, k))
    elif isinstance(value, list):
        for i, x in enumerate(value):
            yield from _leaves(x, (*path, i))
    else:
        yield path, value
