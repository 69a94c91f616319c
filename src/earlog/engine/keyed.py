"""Solve decision keys: each transaction alone, with its running totals left open.

The scenario of a key holds the transaction, its item, the parties of its ownership
trees and the overlay, with every id replaced by a role token (earlog.engine.screening
makes it).  No other transaction is present, so no chain is linked: for each chain
the transaction is a member of, the total before it is left open by `#external` atoms
declared in the program (`_earlog_at(Chain, T, Point)`; externals added only through the
backend before grounding would lose rule instances), which give the chain's
before-predicate one synthetic total per combination of outcomes of the tests the chain
declares (running_fit/2: the least total giving it, contract.fit_options); outcomes of a test
that no rule able to fire under the readings in force compares share one (livetests.py).
The program is grounded once — a batch of keys in one Control, each key's tokens set
apart by a prefix — and solved once per combination that is asked for; each gives a
variant of the answer, and the ordered fold picks the variant whose test outcomes hold
for the actual totals.  At most LIVE_MAX Controls are kept open, so memory for them does
not grow with the number of keys (the oldest batch is completed and closed to make room).
The program is the prepared policy's dynamic part (prepcache.py) as text, with the static
closure for the batch's countries entered as facts.
A model is read through memoised records (_Reader: each atom's key slot, the atom without
the prefix as a ReadSymbol, what it adds to the fold), and each variant's verdict is built
from its own key's atoms when the fold first asks for it (Variant.ready): most of a batched
miss used to be reading symbols through clingo's API and verdicts nobody asked for
(bench/README.md "A batched miss made cheaper").
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import clingo
from clingo import Function, Number, String, Symbol, SymbolType

from earlog.engine import livetests
from earlog.engine.arith import Arithmetic, big, to_int
from earlog.engine.contract import CROSS_READ, ZERO, Contract, fit_options, flip_point
from earlog.engine.facts import ENCODED, Unencodable, scenario_facts
from earlog.engine.grounding import Grounded
from earlog.engine.policy import Policy
from earlog.engine.prepared import COUNTRY_INPUT, overlay_facts, overlay_inputs
from earlog.engine.prepcache import PreparedText, keyed_state
from earlog.engine.program import FIRED, UNMET, VERDICT_PREDICATES
from earlog.engine.quantitykeys import SCALED, marked
from earlog.engine.readsym import ReadSymbol, read_symbol
from earlog.engine.share import one_copy, share_verdict_parts
from earlog.engine.solve import Answer
from earlog.errors import EngineBug
from earlog.scenario.model import Scenario

TX_TOKEN = "\x01t"
BEFORE = "\x01before:"  # a verdict field carrying a chain's total before the transaction
AFTER = "\x01after:"  # ... the total after it (running_after/2)
HEADROOM = "\x01headroom:"  # ... what is left of the cap after it (running_headroom/2)
MARKERS = {"after": AFTER, "headroom": HEADROOM}
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
    """The answer for one combination of fits: what counts, what crosses, and the verdict.

    The verdict fields (verdict, fired, counterfactual, before_paths, token_fields) are filled
    by `ready()`, which KeyResult.variant calls: read them from a variant it returned."""

    counts: tuple[bool, ...]  # per membership: the amount is added to the chain's total
    cross: tuple[Any, ...]  # encoded cross-transaction atoms (role tokens inside)
    # the cross-transaction predicates a rule of the key could read (contract.cross_twins): the key is
    # given their atoms about its entities; the others cannot change its answer
    cross_read: tuple[str, ...] = ()
    verdict: Any = None  # earlog.verdict.Verdict with role tokens, or None for a ledger entry
    fired: tuple[tuple[Any, tuple[str, ...]], ...] = ()  # (encoded atom about the tx, rule ids)
    before_paths: tuple[tuple[tuple[Any, ...], str], ...] = ()  # (path in the verdict, chain)
    token_fields: tuple[str, ...] = ()  # verdict fields holding role tokens
    after: tuple[Any, ...] = ()  # encoded after-atoms of the value-keyed chains about the tx (tokens inside)
    counterfactual: tuple[tuple[str, str], ...] = ()  # (question, reading) to evaluate the book again under
    # the answer holds a value derived from a total that the fold cannot compute from the contract:
    # the verdict is solved again with the actual totals (screening._exact)
    exact_needed: bool = False
    # (policy, transaction, static atoms by name, atoms about no key, the key's atoms, static index):
    # the verdict not built yet
    _pending: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    def ready(self) -> Variant:
        """The variant with its verdict built (read from the model's atoms on first use)."""
        pending = self._pending
        if pending is not None:
            _build(self, *pending)
            self._pending = None
        return self

    def __getstate__(self) -> dict[str, Any]:
        self.ready()  # plain data only: a process pool or Dask gets the verdict, not the atoms
        return dict(self.__dict__)


@dataclass
class KeyResult:
    """Everything the fold needs about one decision key.

    Solved eagerly (every variant, for a process pool or Dask) or lazily: the variant the
    fold asks for first is solved with the batch, the others of the whole batch when the
    fold first needs one (`variant`) or when the batch is closed to bound memory (LIVE_MAX),
    from the kept Control (or the batch grounded again: EARLOG_EVICT=drop); from the
    payload once released.
    A result whose batch is complete or released holds plain Python data only."""

    memberships: tuple[tuple[str, Any, int, int], ...]  # (chain, encoded key, amount, cap)
    value_members: tuple[tuple[str, Any], ...] = ()  # (value-keyed chain, encoded key)
    variants: dict[tuple[bool, ...], Variant] = field(default_factory=dict)
    payload: tuple[Any, ...] | None = None  # (policy_dir, mini, cross, verdict): to solve again
    _solver: Any = field(default=None, repr=False, compare=False)
    _slot: int = 0

    def variant(self, fits: tuple[bool, ...]) -> Variant:
        return self._variant(fits).ready()

    def _variant(self, fits: tuple[bool, ...]) -> Variant:
        v = self.variants.get(fits)
        if v is None:
            solver = self._solver
            if solver is None:  # released: this key alone, grounded again
                if self.payload is None:
                    raise EngineBug(f"variant {fits} of a key was not solved")
                again = solve_batch(self.payload[0], [self.payload[1:]], eager=False)[0]
                for k, x in again.variants.items():
                    self.variants.setdefault(k, x)
                v = self.variants.get(fits)
                solver = again._solver
                if v is not None or solver is None:
                    if solver is not None:
                        again.release()
                    if v is None:
                        raise EngineBug(f"no variant {fits} for a key with memberships {self.memberships}")
                    return v
                solver.results[0] = self
                self._solver, self._slot = solver, 0
            solver.solve_for(self._slot, fits, self)
            v = self.variants[fits]
        return v

    def release(self) -> None:
        """Let go of the batch's Control (closed once every key of the batch is released)."""
        solver, self._solver = self._solver, None
        if solver is not None:
            solver.detach()

    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["_solver"] = None
        return d


def solve_payloads(payloads: list[tuple[Any, ...]]) -> list[KeyResult]:
    """A batch of keys (top-level and picklable, for process pools and Dask): one Control for
    the batch, each key's tokens set apart by a prefix, so the grounding is paid once; every
    variant is solved, since the fold runs elsewhere."""
    if not payloads:
        return []
    policy_dir = payloads[0][0]
    entries = [(mini, cross, verdict) for _dir, mini, cross, verdict in payloads]
    results = solve_batch(policy_dir, entries, eager=True)
    for r in results:  # the caller holds the scenarios it sent (with_scenario): they need not travel back
        assert r.payload is not None
        r.payload = (r.payload[0], None, *r.payload[2:])
    return results


def with_scenario(result: KeyResult, payload: tuple[Any, ...]) -> KeyResult:
    """A result of solve_payloads given back the scenario of the payload it was solved from."""
    assert result.payload is not None and result.payload[1] is None
    result.payload = (result.payload[0], payload[1], *result.payload[2:])
    return result


def solve_key(policy_dir: str | None, mini: Scenario, cross: tuple[Any, ...], verdict: bool) -> KeyResult:
    return solve_batch(policy_dir, [(mini, cross, verdict)], eager=True)[0]


def _prefixed(s: Symbol, prefix: str) -> Symbol:
    """The symbol with every role token (a string starting with \\x01) given the key's prefix."""
    t = s.type
    if t == SymbolType.String:
        v = s.string
        return String(prefix + v[1:]) if v.startswith("\x01") else s
    if t == SymbolType.Function and s.arguments:
        return Function(s.name, [_prefixed(a, prefix) for a in s.arguments], s.positive)
    return s


def _strip(x: Any, prefix: str) -> Any:
    """Undo _prefixed on an encoded value or a verdict part."""
    if isinstance(x, str):
        return "\x01" + x[len(prefix):] if x.startswith(prefix) else x
    if isinstance(x, tuple):
        return tuple(_strip(y, prefix) for y in x)
    if isinstance(x, list):
        return [_strip(y, prefix) for y in x]
    if isinstance(x, dict):
        return {k: _strip(y, prefix) for k, y in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _strip(getattr(x, f.name), prefix) for f in dataclasses.fields(x)})
    return x


def _owner(s: Symbol) -> str | None:
    """The key prefix of the first role token in an atom, or None for an atom about no key."""
    t = s.type
    if t == SymbolType.String:
        v = s.string
        if v.startswith("\x01"):
            return v[:v.index("|") + 1]
        return None
    if t == SymbolType.Function:
        for a in s.arguments:
            o = _owner(a)
            if o is not None:
                return o
    return None


@functools.lru_cache(maxsize=256)
def _live(prep: PreparedText, given: frozenset[str]) -> tuple[str, str]:
    """The prepared statements that can fire for keys whose inputs are `given`, as (base, cumulative)
    program text: a rule needing a positive atom nothing can derive is not grounded (as
    program.live_program does for the whole scenario)."""
    have = set(given) | prep.static_predicates
    live = [False] * len(prep.statements)
    changed = True
    while changed:
        changed = False
        for i, (_part, _text, heads, needs) in enumerate(prep.statements):
            if not live[i] and needs <= have:
                live[i] = True
                if not heads <= have:
                    have |= heads
                    changed = True
    parts: dict[str, list[str]] = {"base": [], "cumulative": []}
    for (part, text, _h, _n), keep in zip(prep.statements, live, strict=True):
        if keep:
            parts.setdefault(part, []).append(text)
    return "\n".join(parts["base"]), "\n".join(parts["cumulative"])


@functools.lru_cache(maxsize=64)
def _show_text(signatures: frozenset[tuple[str, int]], names: frozenset[str]) -> str:
    """`#show` for the predicates read back (what solve._show adds as ASTs), as program text."""
    sigs = sorted((n, a) for n, a in signatures if n in names)
    sigs += [(n, a) for n, a in ((FIRED, 2), (UNMET, 3)) if n in names]
    return "\n".join(f"#show {n}/{a}." for n, a in sigs)


AT = "_earlog_at"  # #external AT(Chain, T, Point): the member's total before it is the synthetic Point


@functools.lru_cache(maxsize=8)
def _fit_program(chains: tuple[tuple[str, str, tuple[str, ...]], ...]) -> str:
    """The open totals: for each chain folded by variants, a member's total before it is one of the
    synthetic totals that give each combination of the declared tests' outcomes — 0 or the flip
    point of a test (contract.fit_options) — chosen by #external atoms, declared in the program
    so that grounding keeps every rule instance that reads them."""
    out = []
    for chain, before, tests in chains:
        for point in (ZERO, *tests):
            out.append(f"#external {AT}({chain}, T, {point}) : running_amount({chain}, T, _).")
        out.append(f"{before}(T, @earlog_point(P, A, Cap)) :- {AT}({chain}, T, P), running_amount({chain}, T, A), "
                   f"running_cap({chain}, T, Cap).")
    return "\n" + "\n".join(out)


class _Context(Arithmetic):
    def earlog_point(self, point: Symbol, a: Symbol, cap: Symbol) -> Symbol:
        """A synthetic total before a member: 0, or the flip point of a declared test (at least 0)."""
        if point.name == ZERO:
            return Number(0)
        return big(max(flip_point(point.name, to_int(a), to_int(cap)), 0))


@functools.lru_cache(maxsize=4096)
def _at_atom(prefix: str, chain: str, point: str) -> Symbol:
    """AT(Chain, T, Point) for the key of a batch slot (the same few atoms for every batch)."""
    return Function(AT, [Function(chain), String(prefix + "t"), Function(point)])


@functools.lru_cache(maxsize=64)
def _live_tests(state: Any, overlay: tuple[Symbol, ...]) -> dict[str, tuple[str, ...]]:
    """The declared tests of each chain that can decide something under the overlay's readings
    (livetests.py): the readings in force are static atoms, decided by the overlay alone; where the
    policy does not make them static, every test."""
    prep = state.prepare(VERDICT_PREDICATES, _shown(state.contract))
    readings = None
    if livetests.READING in prep.static_predicates:
        readings = frozenset((s.arguments[0].name, s.arguments[1].name)
                             for s in prep.static_for(overlay, frozenset()) if s.name == livetests.READING)
    return livetests.live(state.contract, readings)


def _grouped(tests: tuple[str, ...], live: tuple[str, ...], a: int, cap: int
             ) -> list[tuple[tuple[bool, ...], str, tuple[tuple[bool, ...], ...]]]:
    """A membership's options (contract.fit_options) as (outcomes, point, the outcomes it stands for):
    options that agree on every live test share one, the first (its least total) solved for them."""
    full = fit_options(tests, a, cap)
    if live == tests:
        return [(o, point, (o,)) for o, point, _v in full]
    at = [i for i, t in enumerate(tests) if t in live]
    groups: dict[tuple[bool, ...], list[Any]] = {}
    for o, point, _v in full:
        g = groups.setdefault(tuple(o[i] for i in at), [o, point, []])
        g[2].append(o)
    return [(o, point, tuple(same)) for o, point, same in groups.values()]


def _aliases(options: list[list[tuple[tuple[bool, ...], str, tuple[tuple[bool, ...], ...]]]]
             ) -> dict[tuple[bool, ...], tuple[tuple[bool, ...], ...]]:
    """For each combination solved: the variant keys of the other combinations it stands for."""
    out: dict[tuple[bool, ...], tuple[tuple[bool, ...], ...]] = {}
    if all(len(same) == 1 for option in options for _o, _p, same in option):
        return out
    for combo in itertools.product(*options):
        k = tuple(x for o, _p, _same in combo for x in o)
        each = itertools.product(*(same for _o, _p, same in combo))
        others = tuple(v for v in (tuple(x for o in e for x in o) for e in each) if v != k)
        if others:
            out[k] = others
    return out


def _variant_key(combo: tuple[tuple[tuple[bool, ...], str], ...]) -> tuple[bool, ...]:
    """The fold's key of a variant: the outcomes of every declared test of every membership, flat."""
    return tuple(x for outcomes, _point in combo for x in outcomes)


@functools.lru_cache(maxsize=1024)
def _static_shown(static: tuple[Symbol, ...], static_predicates: frozenset[str],
                  shown: frozenset[str]) -> tuple[Symbol, ...]:
    """The static atoms shown.  Each batch's country set has a closure of its own (a miss of the cache),
    but the closures share most atoms: each atom's name is read from clingo once (by its interned
    representation), not ~550 cffi calls a batch."""
    names = _NAMES
    keep = shown & static_predicates
    out = []
    for s in static:
        r = s._rep
        name = names.get(r)
        if name is None:
            name = names.put(r, s.name)
        if name in keep:
            out.append(s)
    return tuple(out)


def _ground(policy_dir: str | None, entries: list[tuple[Scenario, tuple[Any, ...], bool]]
            ) -> tuple[Grounded, tuple[Symbol, ...]]:
    """The batch's Control, grounded (and again, the same, when an evicted batch is needed: _BatchSolver),
    and the static atoms shown."""

    _make_room()
    state = keyed_state(policy_dir)
    policy = state.policy
    c = state.contract
    overlay = overlay_facts(entries[0][0])
    skip = overlay_inputs() | {COUNTRY_INPUT}
    prefixes = [f"\x01{j}|" for j in range(len(entries))]
    facts: list[Symbol] = []
    late: list[Symbol] = []
    late_names = frozenset(c.chains.values()) | {"chain_first", "chain_next"}
    countries: set[Symbol] = set()
    names: set[str] = set()
    for (mini, cross, _want), prefix in zip(entries, prefixes, strict=True):
        if overlay_facts(mini) != overlay:
            raise ValueError("a batch of keys must share one overlay")
        for name, country, fact in _entry_facts(mini, prefix):
            if country is not None:
                countries.add(country)
            elif name in c.reads and name not in skip:
                facts.append(fact)
                names.add(name)
        for x in cross:  # the totals a fold gives a member enter where the engine enters chains
            if x[1] in late_names:
                late.append(_decoded_fact(x, prefix))
            else:
                facts.append(_decoded_fact(x, prefix))
                names.add(x[1])
    before_preds = frozenset(c.chains.values())
    shown = _shown(c)
    prep = state.prepare(VERDICT_PREDICATES, shown)
    given = frozenset(names | {"chain_first", "chain_next"} | before_preds)
    base_text, cumulative_text = _live(prep, given)
    # static atoms are the same in every model: read once from the prepared closure, not shown
    show_text = _show_text(policy.signatures, (shown - prep.static_predicates) | {FIRED})
    twins: dict[str, list[str]] = {}
    for part, text in c.cross_twins:
        twins.setdefault(part, []).append(text)
    if twins:
        show_text += f"\n#show {CROSS_READ}/2."
    static = prep.static_for(overlay, frozenset(countries))
    static_shown = _static_shown(static, prep.static_predicates, shown)
    ctx = _Context()
    # the program's text is parsed once per process (grounding.py); the Control is the batch's own
    fit_text = _fit_program(tuple(sorted((ch, p, c.tests[ch]) for ch, p in c.sum_chains.items())))
    grounded = Grounded([("base", base_text), ("cumulative", cumulative_text), ("cumulative", fit_text),
                         *((part, "\n".join(texts)) for part, texts in twins.items()),
                         ("base", show_text)], static, facts, late, ctx)
    return grounded, static_shown


def _shown(c: Contract) -> frozenset[str]:
    """The predicates a batch's models show: what the verdict and the fold read."""
    from earlog.verdict import VERDICT_READS  # verdict imports the engine

    return VERDICT_READS | CONTRACT_READS | c.cross | frozenset(c.chains.values()) | frozenset(c.afters.values())


def may_compare(policy_dir: str | None, overlay: tuple[Symbol, ...]) -> bool:
    """Whether, under an overlay, a reading the policy pairs with a counterfactual (compare_without/3)
    can be in force, so that a screener must keep the book's rows for a second screen.  The readings
    in force (`interpretation/2`) are static atoms, decided by the overlay alone; where the policy
    does not make them static, the answer is yes.  (The screener checks the answer against the
    verdicts: screening._counterfactual.)"""
    state = keyed_state(policy_dir)
    pairs = state.policy.data.get("compare_without", ())
    if not pairs:
        return False
    prep = state.prepare(VERDICT_PREDICATES, _shown(state.contract))
    if "interpretation" not in prep.static_predicates:
        return True
    chosen = {(s.arguments[0].name, s.arguments[1].name)
              for s in prep.static_for(overlay, frozenset()) if s.name == "interpretation"}
    return any((f.arguments[0].name, f.arguments[1].name) in chosen for f in pairs)


def solve_batch(policy_dir: str | None, entries: list[tuple[Scenario, tuple[Any, ...], bool]],
                eager: bool = True, exact: bool = False) -> list[KeyResult]:
    """Solve keys (mini scenarios of one transaction each, ids as tokens) in one Control: every
    variant (eager), or the one where every total fits when it can, keeping the Control for others.
    `exact`: the entries carry every total before them as facts, so no total is left open (one
    variant, `()`, whose verdict holds the actual totals)."""
    state = keyed_state(policy_dir)
    policy = state.policy
    c = state.contract
    prefixes = [f"\x01{j}|" for j in range(len(entries))]
    grounded, static_shown = _ground(policy_dir, entries)
    late_names = frozenset(c.chains.values()) | {"chain_first", "chain_next"}
    txs = {String(p + "t"): j for j, p in enumerate(prefixes)}
    members: list[list[tuple[str, Symbol]]] = [[] for _ in entries]
    value_members: list[list[tuple[str, Any]]] = [[] for _ in entries]
    for sym, is_fact in grounded.atoms("chain_member", 3):
        chain, key, tx = sym.arguments
        j = txs.get(tx)
        if j is None:
            continue
        if not is_fact:
            raise EngineBug(f"chain membership {sym} is not decided by grounding")
        if chain.name not in c.chains:
            raise EngineBug(f"chain {chain.name} has no running-total contract")
        if chain.name in c.afters:
            value_members[j].append((chain.name, _strip(encode(key), prefixes[j])))
        else:
            members[j].append((chain.name, key))
    amounts: list[dict[str, int]] = [{} for _ in entries]
    caps: list[dict[str, int]] = [{} for _ in entries]
    for sig, out in (("running_amount", amounts), ("running_cap", caps)):
        for sym, is_fact in grounded.atoms(sig, 3):
            chain, tx, v = sym.arguments
            j = txs.get(tx)
            if j is not None:
                if not is_fact:
                    raise EngineBug(f"{sym} is not decided by grounding")
                out[j][chain.name] = to_int(v)
    memberships: list[list[tuple[str, Any, int, int]]] = []
    for j, ms in enumerate(members):
        ms.sort(key=lambda m: (m[0], str(m[1])))
        row = []
        for chain, key in ms:
            if chain not in amounts[j] or chain not in caps[j]:
                raise EngineBug(f"the policy gives no running_amount/running_cap for chain {chain}")
            row.append((chain, _strip(encode(key), prefixes[j]), amounts[j][chain], caps[j][chain]))
        memberships.append(row if not exact else [])
    # the totals entered for each membership: the least that gives each combination of the chain's
    # declared tests (0 first, where every total fits and none is reached); the outcomes of a test
    # no rule able to fire under the readings in force compares share one variant (livetests.py)
    live = _live_tests(state, overlay_facts(entries[0][0]))
    combos: list[list[tuple[tuple[tuple[bool, ...], str], ...]]] = []
    aliases: list[dict[tuple[bool, ...], tuple[tuple[bool, ...], ...]]] = []
    for row in memberships:
        options = [_grouped(c.tests[chain], live[chain], a, cap) for chain, _k, a, cap in row]
        combos.append([tuple((o, point) for o, point, _same in combo) for combo in itertools.product(*options)])
        aliases.append(_aliases(options))
    # a key in a value-keyed chain solved without its totals only says which chains it is in:
    # its verdict comes from the solve the fold makes with the totals (screening.py)
    valued = {j for j, (_mini, cross, _want) in enumerate(entries) if any(x[1] in late_names for x in cross)}
    entries = [(e[0], e[1], e[2] and (not value_members[j] or j in valued)) for j, e in enumerate(entries)]
    solver = _BatchSolver(grounded, policy, c, entries, prefixes, memberships, combos, static_shown, policy_dir)
    solver.exact = exact
    solver.aliases = aliases
    results = [KeyResult(memberships=tuple(m), payload=(policy_dir, *e), value_members=tuple(sorted(vm, key=repr)))
               for m, e, vm in zip(memberships, entries, value_members, strict=True)]
    steps = max(len(cs) for cs in combos) if eager else 1
    for step in range(steps):
        todo = [j for j, cs in enumerate(combos) if step < len(cs)]
        variants = solver.solve({j: cs[step % len(cs)] for j, cs in enumerate(combos)}, todo)
        for j in todo:
            solver.put(results[j], j, combos[j][step], variants[j])
    if eager or steps == max(len(cs) for cs in combos):
        solver.close()  # every variant is solved: nothing is left to ask the Control
    else:
        solver.results = results
        solver.attached = len(results)
        for j, r in enumerate(results):
            r._solver, r._slot = solver, j
        with _KEPT_LOCK:
            _KEPT[id(solver)] = solver
    return results


# The Controls of batches whose other variants the fold may still ask for, oldest first.  Each
# holds a grounded batch (~2 MB for 32 keys), so their number is bounded, not the number of keys:
# when a new Control is made, the oldest batch is completed (every variant of its keys solved, as
# the fold's first request for one would) and its Control closed.  On a large book most batches
# are asked for their other variants anyway (caps are crossed), and completing one costs less than
# grounding it again.  EARLOG_EVICT=drop closes it without solving, and grounds it again from its
# entries if the fold asks (bench/README.md "Memory of the keyed engine" measures both).  16, not
# the 64 kept before: ~2.5 MB of clingo's memory each, and on a large book every batch but the
# last few is completed before the fold anyway (bench/README.md "Static atoms shared, fewer
# Controls kept": the same CPU within the noise at 1,000,000 rows, 90-130 MB less at the peak).
LIVE_MAX = int(os.environ.get("EARLOG_LIVE_CONTROLS", "16") or 16)
_KEPT: OrderedDict[int, _BatchSolver] = OrderedDict()
_KEPT_LOCK = threading.Lock()


def _make_room() -> None:
    """Before a Control is made: complete and close the oldest kept ones, so that at most LIVE_MAX
    are open with the new one (per thread making them at once)."""
    victims = []
    with _KEPT_LOCK:
        while _KEPT and len(_KEPT) >= max(LIVE_MAX, 1):
            victims.append(_KEPT.popitem(last=False)[1])
    drop = os.environ.get("EARLOG_EVICT") == "drop"
    for v in victims:
        if drop:
            v.close()  # grounded again if the fold asks for another variant
        else:
            v.complete()


class _BatchSolver:
    """A grounded batch, kept to solve further variants of its keys on demand."""

    def __init__(self, ctl: Grounded, policy: Policy, c: Contract, entries: list, prefixes: list[str],
                 memberships: list, combos: list, static_shown: tuple[Symbol, ...],
                 policy_dir: str | None = None) -> None:
        self.ctl: Grounded | None = ctl
        self.policy, self.c, self.entries, self.prefixes = policy, c, entries, prefixes
        self.memberships, self.combos, self.static_shown = memberships, combos, static_shown
        self.policy_dir = policy_dir
        self.values: dict[Symbol, bool] = {}
        self.results: list[KeyResult] = []
        self.attached = 0  # results not released
        self.completed = False
        self.exact = False
        # per key: a solved variant's key -> the other keys it stands for (tests that cannot decide anything)
        self.aliases: list[dict[tuple[bool, ...], tuple[tuple[bool, ...], ...]]] = [{} for _ in entries]
        self.lock = threading.RLock()

    def put(self, result: KeyResult, j: int, combo: tuple[tuple[tuple[bool, ...], str], ...],
            variant: Variant) -> None:
        """Record key j's variant for a combination, under every outcome combination it stands for."""
        k = _variant_key(combo)
        result.variants.setdefault(k, variant)
        for other in self.aliases[j].get(k, ()):
            result.variants.setdefault(other, variant)

    def close(self) -> None:
        """Drop the Control; the batch can be grounded again from its entries (`solve_for`)."""
        with self.lock:
            if self.ctl is not None:
                self.ctl.close()
                self.ctl = None
                self.values = {}
        with _KEPT_LOCK:
            _KEPT.pop(id(self), None)

    def detach(self) -> None:
        """A result is released: once all are, nothing can ask for another variant."""
        with self.lock:
            self.attached -= 1
            last = self.attached <= 0
        if last:
            self.close()

    def solve(self, assignment: dict[int, tuple[tuple[tuple[bool, ...], str], ...]],
              todo: list[int]) -> dict[int, Variant]:
        if self.ctl is None:
            raise EngineBug("a closed batch was asked to solve")
        chosen: dict[Symbol, bool] = {}
        for j, combo in assignment.items():
            prefix = self.prefixes[j]
            for (chain, _k, _a, _cap), (_outcomes, point) in zip(self.memberships[j], combo, strict=True):
                for p in (ZERO, *self.c.tests[chain]):
                    chosen[_at_atom(prefix, chain, p)] = p == point
        for atom, value in chosen.items():
            if self.values.get(atom) != value:
                self.ctl.assign_external(atom, value)
                self.values[atom] = value
        models = self.ctl.solve()
        if len(models) != 1:
            raise EngineBug(f"the policy gave {len(models)} answer sets for a batch of transactions; "
                            "exactly one was expected")
        return _variants(self.policy, self.c, self.entries, self.prefixes, self.static_shown, models[0],
                         self.memberships, todo, self.exact)

    def solve_for(self, j: int, fits: tuple[bool, ...], result: KeyResult) -> None:
        """The fold needs a variant not solved yet: when one key of a batch crosses a cap, others
        do too, so the remaining variants of the whole batch are solved at once (grounding the batch
        again if its Control was closed to make room), and the Control is closed."""
        self.complete()
        if fits not in result.variants:
            raise EngineBug(f"no variant {fits} for a key with memberships {self.memberships[j]}")

    def complete(self) -> None:
        """Solve every remaining variant of every key of the batch, then close the Control."""
        with self.lock:
            if not self.completed:
                if self.ctl is None:
                    self.ctl = _ground(self.policy_dir, self.entries)[0]  # the same program and facts
                    self.values = {}
                for step in range(1, max(len(cs) for cs in self.combos)):
                    todo = [k for k, cs in enumerate(self.combos) if step < len(cs)]
                    variants = self.solve({k: cs[step % len(cs)] for k, cs in enumerate(self.combos)}, todo)
                    for k in todo:
                        self.put(self.results[k], k, self.combos[k][step], variants[k])
                self.completed = True
                for r in self.results:  # they hold every variant now: plain data only
                    if r._solver is self:
                        r._solver = None
                self.results = []
                self.close()


@functools.lru_cache(maxsize=1024)
def _read_static(static: tuple[Symbol, ...]) -> tuple[Symbol, ...]:
    return tuple(read_symbol(s) for s in static)


@functools.lru_cache(maxsize=1024)
def _static_index(static: tuple[Symbol, ...]) -> dict[str, dict[Symbol, list[Symbol]]]:
    out: dict[str, dict[Symbol, list[Symbol]]] = {}
    for s in static:
        if s.arguments:
            out.setdefault(s.name, {}).setdefault(s.arguments[0], []).append(s)
    return out


_MEMO_MAX = 50_000  # entries of each memo below (~30 MB at most for a reader): cleared when full


class _Memo(dict):
    """A bounded memo whose answer is a function of its key alone (cleared when full)."""

    def put(self, k: Any, v: Any) -> Any:
        if len(self) >= _MEMO_MAX:
            self.clear()
        self[k] = v
        return v


_PREFIXED: _Memo = _Memo()  # (encoded fact, prefix) -> _prefixed(decode(fact), prefix)
_ENCODED: _Memo = _Memo()  # symbol -> encode(symbol)
_DECODED: _Memo = _Memo()  # encoded value -> decode(value)
_NAMES: _Memo = _Memo()  # a symbol's clingo representation (interned for good) -> its name
_FACTS: _Memo = _Memo()  # (encoded fact of a key's scenario, prefix) -> _entry_facts' record of it
_READERS: dict[tuple[int, bool], _Reader] = {}


def _entry_facts(mini: Scenario, prefix: str) -> list[tuple[str, Symbol | None, Symbol]]:
    """(name, the country of a scenario_country fact or None, the fact with the key's prefix) for every
    fact of a key's scenario, in scenario_facts' order: the facts of `scenario_facts(_with_prefix(mini,
    prefix))` (_entry_facts_slow).  Most of them recur from key to key (the same items, the same slot
    prefixes): each is made as a plain value (facts.ENCODED, no clingo call) and its symbol looked up by
    (value, prefix) in a bounded memo, instead of building every symbol through clingo's API (~1 ms a
    key; bench/README.md "Cheaper facts for a batch").  Prefixing the role tokens of the values is what
    _with_prefix does to the fields (scenario_facts makes every string argument straight from a field,
    tests/test_keyed_reading.py checks it); a value it might not treat alike (a constant or a name with a
    \\x01 in it, a value not exactly an int or a str) takes the slow path."""
    try:
        encs = list(scenario_facts(mini, ENCODED))
    except Unencodable:
        return _entry_facts_slow(mini, prefix)
    memo = _FACTS
    out = []
    for x in encs:
        k = (x, prefix)
        found = memo.get(k)
        if found is None:
            if _odd_constant(x):
                return _entry_facts_slow(mini, prefix)
            p = _prefixed_value(x, prefix)  # a fact is a function with arguments; its parts from a memo too
            s = Function(p[1], [decoded(a) for a in p[3]], p[2])
            name = x[1]
            found = memo.put(k, (name, s.arguments[0], s) if name == COUNTRY_INPUT else (name, None, s))
        out.append(found)
    return out


def _prefixed_value(x: Any, prefix: str) -> Any:
    """_prefixed on an encoded value: decode(_prefixed_value(x, p)) is _prefixed(decode(x), p)."""
    t = type(x)
    if t is str:
        return prefix + x[1:] if x.startswith("\x01") else x
    if t is tuple and x[3]:
        return ("f", x[1], x[2], tuple([_prefixed_value(a, prefix) for a in x[3]]))
    return x


def _odd_constant(x: Any) -> bool:
    """Whether an encoded fact has a function whose name holds \\x01 (a role token's mark: the fast path
    would not prefix it where _with_prefix might)."""
    if type(x) is tuple:
        return "\x01" in x[1] or any(_odd_constant(a) for a in x[3])
    return False


def _entry_facts_slow(mini: Scenario, prefix: str) -> list[tuple[str, Symbol | None, Symbol]]:
    """_entry_facts without the memo: every fact built with the prefix in place (_with_prefix)."""
    out = []
    for s in scenario_facts(_with_prefix(mini, prefix)):
        name = s.name
        out.append((name, s.arguments[0], s) if name == COUNTRY_INPUT else (name, None, s))
    return out


@functools.lru_cache(maxsize=256)
def _fields_of(t: type) -> tuple[str, ...]:
    """The field names of a dataclass (none for another class), looked up once per class."""
    return tuple(f.name for f in dataclasses.fields(t)) if dataclasses.is_dataclass(t) else ()


def _with_prefix(x: Any, prefix: str) -> Any:
    """x with the key's prefix on every role token (a string starting with \\x01) in it; the parts
    without a token are the same objects."""
    t = type(x)
    if t is str:
        return prefix + x[1:] if x.startswith("\x01") else x
    if t is list:
        ys = [_with_prefix(y, prefix) for y in x]
        return ys if any(y is not z for y, z in zip(ys, x, strict=True)) else x
    if t is dict:
        d = {k: _with_prefix(y, prefix) for k, y in x.items()}
        return d if any(d[k] is not y for k, y in x.items()) else x
    names = _fields_of(t)
    if not names or isinstance(x, type):
        return x
    changed = {}
    for name in names:
        v = getattr(x, name)
        tv = type(v)
        if tv is str:
            if v.startswith("\x01"):
                changed[name] = prefix + v[1:]
        elif tv is list or tv is dict or hasattr(tv, "__dataclass_fields__"):
            w = _with_prefix(v, prefix)
            if w is not v:
                changed[name] = w
    return dataclasses.replace(x, **changed) if changed else x


def _decoded_fact(x: Any, prefix: str) -> Symbol:
    """_prefixed(decode(x)), memoised by the encoded value (a total the fold gives a member)."""
    k = (x, prefix)
    found = _PREFIXED.get(k)
    return found if found is not None else _PREFIXED.put(k, _prefixed(decode(x), prefix))


def decoded(x: Any) -> Symbol:
    """decode, memoised (the static closures of a batch's country sets share most of their atoms)."""
    found = _DECODED.get(x)
    return found if found is not None else _DECODED.put(x, decode(x))


def encoded(s: Symbol) -> Any:
    """encode, memoised (fired atoms, static closures: the same atoms over and over)."""
    found = _ENCODED.get(s)
    return found if found is not None else _ENCODED.put(s, encode(s))


_encoded = encoded


def _unprefixed(s: Symbol, prefix: str) -> Symbol:
    """The symbol with the key's prefix taken off its role tokens (the inverse of _prefixed)."""
    t = s.type
    if t == SymbolType.String:
        v = s.string
        return String("\x01" + v[len(prefix):]) if v.startswith(prefix) else s
    if t == SymbolType.Function:
        args = s.arguments
        if args:
            return Function(s.name, [_unprefixed(a, prefix) for a in args], s.positive)
    return s


def _read_unprefixed(s: Symbol, prefix: str) -> ReadSymbol:
    """read_symbol(_unprefixed(s, prefix)) in one walk: each part read from clingo once."""
    t = s.type
    if t == SymbolType.String:
        v = s.string
        if v.startswith(prefix):
            v = "\x01" + v[len(prefix):]
            return ReadSymbol.of(String(v), t, value=v)
        return ReadSymbol.of(s, t, value=v)
    if t == SymbolType.Function:
        name, positive = s.name, s.positive
        old = s.arguments
        args = [_read_unprefixed(a, prefix) for a in old]
        same = all(a._rep == b._rep for a, b in zip(args, old, strict=True))  # an argument kept is s's own
        return ReadSymbol.of(s if same else Function(name, args, positive), t, name, args, positive)
    return read_symbol(s)


class _Reader:
    """How each shown atom of a model is read for a contract, memoised: the atoms of a batch repeat
    across its variants, and (the slot prefixes recurring) across batches.  A record is a function
    of the atom alone: (owner prefix, name, the atom as the verdict reads it (prefix taken off,
    totals the fold fills marked; None for running_counts), the chain it counts in (running_counts),
    its encoding as an after-atom, as a cross atom, whether it is a total the fold cannot fill)."""

    def __init__(self, c: Contract, exact: bool) -> None:
        self.c = c  # kept: the memo is per contract object
        self.before_preds = {} if exact else {p: ch for ch, p in c.sum_chains.items()}
        # the values the fold fills from the actual totals: the before-predicate and what the contract
        # declares (after, headroom), marked; any other value derived from a total asks for an exact solve
        self.marks = {} if exact else {p: marker + ch for ch, preds in c.shown.items()
                                       for p, kind in preds.items() for marker in (MARKERS[kind],)}
        self.unfilled = frozenset() if exact else frozenset(c.carried) - set(self.before_preds) - set(self.marks)
        # a quantity held in the key only by its sign: its product's value is filled per row (quantitykeys.py)
        self.scaled = {} if exact else marked(c)
        self.after_preds = frozenset(c.afters.values())
        self.memo: _Memo = _Memo()
        # one ReadSymbol per atom as the verdict reads it: the same atom comes from every slot prefix,
        # and the variants not built yet hold their key's atoms (bench/README.md "One copy of an atom")
        self.atoms: _Memo = _Memo()

    def read(self, s: Symbol) -> tuple[Any, ...]:
        found = self.memo.get(s)
        return found if found is not None else self.memo.put(s, self._read(s))

    def _one(self, atom: ReadSymbol) -> ReadSymbol:
        """The ReadSymbol kept for this atom (equal symbols have one clingo representation)."""
        found = self.atoms.get(atom._rep)
        return found if found is not None else self.atoms.put(atom._rep, atom)

    def _read(self, s: Symbol) -> tuple[Any, ...]:
        name = s.name
        args = s.arguments
        if name == "running_counts":
            o = _owner(args[1])
            return (o, name, None, args[0].name, None, None, False)
        o = _owner(s)
        if name == CROSS_READ:  # a rule reading this cross predicate could fire for the owner
            return (o, name, None, None, None, args[0].name, False)
        after = cross = None
        if name in self.after_preds and args:
            o0 = _owner(args[0])
            if o0 is not None:
                after = _strip(encode(s), o0)
        if name in self.c.cross and o is not None:
            cross = _strip(encode(s), o)
        unfilled = False
        if name in self.before_preds and args:
            # the fold fills the total before the transaction; the verdict gets a marker
            s = Function(name, [args[0], String(BEFORE + self.before_preds[name]), *args[2:]])
        elif name in self.marks and len(args) == 2:
            s = Function(name, [args[0], String(self.marks[name])])
        elif name in self.scaled and len(args) > self.scaled[name] and args[self.scaled[name]].type in (
                SymbolType.Number, SymbolType.String):
            scaled = list(args)
            scaled[self.scaled[name]] = String(SCALED + str(to_int(args[self.scaled[name]])))
            s = Function(name, scaled)
        elif name in self.unfilled:
            unfilled = o is not None
        atom = self._one(read_symbol(s) if o is None else _read_unprefixed(s, o))
        return (o, name, atom, None, after, cross, unfilled)


def _reader(c: Contract, exact: bool) -> _Reader:
    r = _READERS.get((id(c), exact))
    if r is None or r.c is not c:
        if len(_READERS) > 16:
            _READERS.clear()
        r = _READERS[(id(c), exact)] = _Reader(c, exact)
    return r


def _variants(policy: Policy, c: Contract, entries: list, prefixes: list[str], static: tuple[Symbol, ...],
              model: list[Symbol], memberships: list, todo: list[int], exact: bool = False) -> dict[int, Variant]:
    """Each key's variant from one model: the model is read once, each key's atoms (role tokens as
    in its entry, without the batch prefix) apart, and each verdict is built from its key's atoms,
    the atoms about no key and the static ones only."""

    reader = _reader(c, exact)
    read = reader.read
    static = _read_static(static)
    index = {p: j for j, p in enumerate(prefixes)}
    shared: list[Symbol] = []  # the model's atoms about no key
    own: dict[int, list[Symbol]] = {}
    counted: dict[int, set[str]] = {}
    cross: dict[int, list[Any]] = {}
    after: dict[int, list[Any]] = {}
    needs_exact: set[int] = set()
    reads: dict[int, set[str]] = {}
    for s in model:
        o, name, atom, chain, after_enc, cross_enc, unfilled = read(s)
        if chain is not None:
            if o is not None:
                counted.setdefault(index[o], set()).add(chain)
            continue
        if atom is None:  # CROSS_READ of cross_enc: for its owner; naming no key, for every key
            for j in (todo if o is None else (index[o],)):
                reads.setdefault(j, set()).add(cross_enc)
            continue
        if o is None:
            shared.append(atom)
            continue
        j = index[o]
        if after_enc is not None:
            after.setdefault(j, []).append(after_enc)
        if cross_enc is not None:
            cross.setdefault(j, []).append(cross_enc)
        if unfilled:
            needs_exact.add(j)
        own.setdefault(j, []).append(atom)
    out: dict[int, Variant] = {}
    for j in todo:
        counts = tuple(ch in counted.get(j, ()) for ch, _k, _a, _c in memberships[j])
        out[j] = Variant(counts=one_copy(counts), cross=one_copy(tuple(sorted(cross.get(j, ()), key=repr))),
                         cross_read=one_copy(tuple(sorted(reads.get(j, ())))),
                         after=one_copy(tuple(sorted(after.get(j, ()), key=repr))), exact_needed=j in needs_exact)
    with_verdict = [j for j in todo if entries[j][2]]
    if not with_verdict:
        return out
    static_index = _static_index(static)
    by_name = _static_by_name(static)
    no_key = tuple(shared)
    for j in with_verdict:
        # the verdict is built when the fold first asks for the variant (Variant.ready): about half
        # the variants a batch is solved for are never asked for.  Until then it keeps its atoms as
        # flat tuples (the static ones and those about no key shared with the whole batch), not a
        # dict of lists per variant: most of a key's memory before (bench/README.md "Peak memory at
        # 1,000,000 rows")
        out[j]._pending = (policy, entries[j][0].transactions[0], by_name, no_key, tuple(own.get(j, ())),
                           static_index)
    return out


@functools.lru_cache(maxsize=1024)
def _static_by_name(static: tuple[Symbol, ...]) -> dict[str, list[Symbol]]:
    """The static atoms by predicate name (read-only: shared by every verdict built from them)."""
    out: dict[str, list[Symbol]] = {}
    for sym in static:
        out.setdefault(sym.name, []).append(sym)
    return out


def _build(v: Variant, policy: Policy, tx: Any, by_name: dict[str, list[Symbol]], no_key: tuple[Symbol, ...],
           own: tuple[Symbol, ...], static_index: dict[str, dict[Symbol, list[Symbol]]]) -> None:
    """A variant's verdict, from its key's atoms, the atoms about no key and the static ones only."""
    from earlog.verdict import build_verdicts, counterfactual_readings

    atoms = _extended(_with_no_key(by_name, no_key), own)
    ans = Answer(atoms=atoms, scenario=Scenario(transactions=[tx]), policy=policy)
    ans._by_first.update(static_index)  # static atoms indexed once, not per answer
    verdict = build_verdicts(ans, counterfactual=False)[0]  # the counterfactual needs the whole book
    v.fired = one_copy(tuple((_encoded(atom), tuple(rules)) for atom, rules in ans.fired().items()
                           if atom.arguments and atom.arguments[0].type == SymbolType.String
                           and atom.arguments[0].string.startswith("\x01")))
    v.counterfactual = one_copy(tuple(counterfactual_readings(ans)))
    paths: list[tuple[tuple[Any, ...], str]] = []
    tokens: list[str] = []
    for name, value in verdict.to_json().items():
        if name == "transaction":
            continue
        found_token = False
        for path, leaf in _marked_leaves(value, (name,)):  # the strings starting with \x01 only
            if leaf.startswith(BEFORE):
                paths.append((path, leaf[len(BEFORE):]))
            elif leaf.startswith((AFTER, HEADROOM, SCALED)):
                paths.append((path, leaf[1:]))  # "after:chain" / "headroom:chain"
            else:
                found_token = True
        if found_token:
            tokens.append(name)
    share_verdict_parts(verdict)  # one copy of the parts many keys hold alike (engine/share.py)
    v.verdict = verdict
    v.before_paths = one_copy(tuple(paths))
    v.token_fields = one_copy(tuple(tokens))


def _extended(by_name: dict[str, list[Symbol]], syms: tuple[Symbol, ...]) -> dict[str, list[Symbol]]:
    """by_name with syms appended under their names, in a new dict: the lists of by_name are shared
    (other variants and batches read them), so a name that gets atoms gets a list of its own."""
    atoms = dict(by_name)
    fresh: set[str] = set()  # the lists made here
    for sym in syms:
        name = sym.name
        if name in fresh:
            atoms[name].append(sym)
        else:
            atoms[name] = [*atoms.get(name, ()), sym]
            fresh.add(name)
    return atoms


_NO_KEY: dict[tuple[int, int], tuple[Any, Any, dict[str, list[Symbol]]]] = {}


def _with_no_key(by_name: dict[str, list[Symbol]], no_key: tuple[Symbol, ...]) -> dict[str, list[Symbol]]:
    """The static atoms by name with a batch's atoms about no key after them: made once per batch
    (every variant of the batch shares both; read-only), kept while both objects are (by identity)."""
    k = (id(by_name), id(no_key))
    got = _NO_KEY.get(k)
    if got is not None and got[0] is by_name and got[1] is no_key:
        return got[2]
    atoms = _extended(by_name, no_key)
    if len(_NO_KEY) >= 256:
        _NO_KEY.clear()
    _NO_KEY[k] = (by_name, no_key, atoms)
    return atoms


def _marked_leaves(value: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """(path, leaf) of the strings starting with \\x01 in a JSON value, in _leaves' order."""
    out: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [(path, value)]
    while stack:
        p, v = stack.pop()
        t = v.__class__
        if t is str:
            if v[:1] == "\x01":
                out.append((p, v))
        elif t is dict:
            stack.extend(reversed([((*p, k), x) for k, x in v.items()]))
        elif t is list:
            stack.extend(reversed([((*p, i), x) for i, x in enumerate(v)]))
        elif isinstance(v, dict):
            stack.extend(reversed([((*p, k), x) for k, x in v.items()]))
        elif isinstance(v, list):
            stack.extend(reversed([((*p, i), x) for i, x in enumerate(v)]))
        elif isinstance(v, str) and v.startswith("\x01"):
            out.append((p, v))
    return out
