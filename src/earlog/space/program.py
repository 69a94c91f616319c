"""Turn a space into one ground program: the policy plus choice rules over its inputs.

The policy's statements are the ones the engine replays (engine/program.py
`program()`); the scenario's input facts are the ones the engine enters
(engine/facts.py `scenario_facts`).  For each dimension, the facts each value
gives are computed by building that value's scenario and entering it as the
engine would; the facts a value adds or removes become conditional on a pick
atom `_earlog_pick(D, J)` ("dimension D takes its J-th value"), and exactly one
pick per dimension is chosen.  Everything enters through the clingo API as
symbols: no user text is ever formatted into ASP source.

Running totals: the engine links the transactions of each chain (`chain_member`)
in order.  A space has one transaction, so it is the first of every chain it
belongs to; where the policy starts a chain's total at 0 (`X(T, 0) :-
chain_first(Ch, T)`), the generator enters instead the amount already used,
`_earlog_used(Ch, V)`, which a dimension `used.<chain>` may vary.  So a space
needs no ledger.

The policy is stratified over its inputs, so each choice of picks has exactly one
answer set: searching the space is one solver call, not one per scenario.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

import clingo
from clingo import Function, Number, String, Symbol, ast

from earlog.engine.arith import Arithmetic, big
from earlog.engine.astlock import program_builder, reads_shared_asts
from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy
from earlog.engine.program import program
from earlog.errors import InputError
from earlog.scenario.json_input import scenario_from_dict
from earlog.space.model import USED_PREFIX, Dimension, Space, Value, apply

PICK = "_earlog_pick"
USED = "_earlog_used"
_LOC = ast.Location(ast.Position("<earlog-space>", 1, 1), ast.Position("<earlog-space>", 1, 1))
# inputs whose values set a reading or an overlay (a diff gives each variant its own)
OVERLAY_INPUTS = frozenset({"assume", "param_override", "tier_override", "group_override", "supp5_b_override"})


# dimensions that describe one fact together (a chain of owners: how deep, and where
# its top is headquartered) are always chosen as one slot
JOINT = [{"consignee.parent", "ownership_depth"}]


@dataclass
class Slot:
    """One or more dimensions chosen together (those that change the same facts)."""

    dims: list[Dimension]
    combos: list[tuple[int, ...]]  # value index per dimension, for each choice
    facts: list[set[Symbol]] = field(default_factory=list)  # conditional facts per choice


@dataclass
class Layout:
    """What a space enters into the solver, before any policy is loaded into it."""

    space: Space
    tx: Symbol
    always: set[Symbol]
    slots: list[Slot]
    countries: set[str]
    chains: dict[str, str]  # chain name -> predicate of its running total


@functools.lru_cache(maxsize=8)
@reads_shared_asts
def chain_totals(policy: Policy) -> dict[str, str]:
    """chain name -> the predicate the policy starts at 0 for a chain's first member."""
    out: dict[str, str] = {}
    for part, stmt in policy.statements:
        del part
        info = _chain_start(stmt)
        if info is not None:
            out[info[0]] = info[1]
    return out


def _chain_start(stmt: ast.AST) -> tuple[str, str] | None:
    if stmt.ast_type != ast.ASTType.Rule or stmt.head.ast_type != ast.ASTType.Literal:
        return None
    for lit in stmt.body:
        atom = getattr(lit, "atom", None)
        sym = getattr(atom, "symbol", None)
        if (lit.ast_type == ast.ASTType.Literal and sym is not None and sym.ast_type == ast.ASTType.Function
                and sym.name == "chain_first" and len(sym.arguments) == 2
                and sym.arguments[0].ast_type == ast.ASTType.SymbolicTerm):
            head = stmt.head.atom.symbol
            return sym.arguments[0].symbol.name, head.name
    return None


class _UsedRewriter(ast.Transformer):
    """`H(T, 0) :- chain_first(Ch, T), ...` -> `H(T, U) :- chain_first(Ch, T), _earlog_used(Ch, U), ...`."""

    def visit_SymbolicTerm(self, node: ast.AST) -> ast.AST:  # noqa: N802 (clingo's visitor names)
        if node.symbol.type == clingo.SymbolType.Number and node.symbol.number == 0:
            return ast.Variable(node.location, "EarlogUsed")
        return node


def _rewrite_chain_start(stmt: ast.AST) -> ast.AST:
    chain = None
    for lit in stmt.body:
        sym = getattr(getattr(lit, "atom", None), "symbol", None)
        if sym is not None and sym.ast_type == ast.ASTType.Function and sym.name == "chain_first":
            chain = sym.arguments[0]
    if chain is None:
        return stmt
    has_chain_first = any(
        getattr(getattr(getattr(lit, "atom", None), "symbol", None), "name", None) == "chain_first"
        for lit in stmt.body)
    if not has_chain_first:
        return stmt
    head = _UsedRewriter()(stmt.head)
    if str(head) == str(stmt.head):
        return stmt
    used = ast.Literal(_LOC, ast.Sign.NoSign, ast.SymbolicAtom(
        ast.Function(_LOC, USED, [chain, ast.Variable(_LOC, "EarlogUsed")], 0)))
    return ast.Rule(stmt.location, head, [*stmt.body, used])


def _chain_first_rule() -> ast.AST:
    """chain_first(Ch, T) :- chain_member(Ch, K, T).  (One transaction: it is first.)"""
    v = [ast.Variable(_LOC, n) for n in ("Ch", "K", "T")]
    head = ast.Literal(_LOC, ast.Sign.NoSign, ast.SymbolicAtom(ast.Function(_LOC, "chain_first", [v[0], v[2]], 0)))
    body = ast.Literal(_LOC, ast.Sign.NoSign, ast.SymbolicAtom(ast.Function(_LOC, "chain_member", v, 0)))
    return ast.Rule(_LOC, head, [body])


@functools.lru_cache(maxsize=16)
@reads_shared_asts
def space_statements(policy: Policy, traced: frozenset[str] | None) -> tuple[tuple[str, ast.AST], ...]:
    """The policy's statements (with the engine's twins), chain starts rewritten."""
    out = [(part, _rewrite_chain_start(stmt)) for part, stmt in program(policy, traced)]
    out.append(("base", _chain_first_rule()))
    return tuple(out)


def _facts_of(data: dict[str, Any], where: str, vocab: Any) -> tuple[set[Symbol], set[str]]:
    from earlog.scenario.validate import validate

    try:
        sc = scenario_from_dict(data)
        validate(sc, vocab)
    except InputError as e:
        raise InputError(where, f"{e.where}: {e.message}" if e.where else e.message) from None
    facts, countries = set(), set()
    for s in scenario_facts(sc):
        if s.name == "scenario_country":
            countries.add(s.arguments[0].name)
        else:
            facts.add(s)
    return facts, countries


def layout(space: Space, policy: Policy) -> Layout:
    """The facts every scenario of the space shares, and the slots that vary."""
    import copy

    from earlog.engine.vocabulary import vocabulary

    vocab = vocabulary(policy)
    base, countries = _facts_of(space.data, f"space {space.name}", vocab)
    per_dim: list[tuple[Dimension, list[set[Symbol]], set[Symbol]]] = []
    for d in space.dims:
        if d.path.startswith(USED_PREFIX):
            continue
        value_facts = []
        owned: set[Symbol] = set()
        shortcut = _numeric_facts(space, d, vocab) if d.numeric and len(d.values) > 8 else None
        for k, v in enumerate(d.values):
            if shortcut is not None:
                f = shortcut(k)
            else:
                data = copy.deepcopy(space.data)
                apply(space, data, d.path, v, {})
                f, cs = _facts_of(data, f"space {space.name}: {d.path} = {v.label}", vocab)
                countries |= cs
            value_facts.append(f)
            owned |= base - f
        per_dim.append((d, value_facts, owned))
    # dimensions that change the same facts are chosen together, as one slot
    groups: list[list[int]] = []
    for i, (d, vf, owned) in enumerate(per_dim):
        touched = owned | set().union(*[f - base for f in vf])
        merged = [g for g in groups if any(touched & _touched(per_dim[j], base) for j in g)
                  or any({d.path, per_dim[j][0].path} in JOINT for j in g)]
        new = [i] + [j for g in merged for j in g]
        groups = [g for g in groups if g not in merged] + [sorted(new)]
    slots = []
    slot_owned: list[set[Symbol]] = []
    all_owned: set[Symbol] = set()
    for g in groups:
        dims = [per_dim[j][0] for j in g]
        slot = Slot(dims, _product([len(d.values) for d in dims]))
        owned = set().union(*[per_dim[j][2] for j in g])
        for combo in slot.combos:
            if len(g) == 1:
                f = per_dim[g[0]][1][combo[0]]
            else:
                data = copy.deepcopy(space.data)
                picks = {d.path: d.values[k] for d, k in zip(dims, combo, strict=True)}
                for d in dims:
                    apply(space, data, d.path, picks[d.path], picks)
                f, cs = _facts_of(data, f"space {space.name}", vocab)
                countries |= cs
                owned |= base - f
            slot.facts.append(f)
        slot_owned.append(owned)
        all_owned |= owned
        slots.append(slot)
    # a slot's facts: those its choice adds to the centre deal's, and those of the
    # centre's own that it keeps from the ones it owns
    always = base - all_owned
    for s, owned in zip(slots, slot_owned, strict=True):
        s.facts = [(f - base) | (f & owned) for f in s.facts]
    used_slots = [d for d in space.dims if d.path.startswith(USED_PREFIX)]
    chains = chain_totals(policy)
    for d in used_slots:
        chain = d.path[len(USED_PREFIX):]
        if chain not in chains:
            raise InputError(f"space {space.name}", f"the policy keeps no running total named {chain!r}; "
                             f"it keeps: {', '.join(sorted(chains)) or 'none'}")
        slot = Slot([d], [(k,) for k in range(len(d.values))])
        slot.facts = [{Function(USED, [Function(chain), big(v.raw)])} for v in d.values]
        slots.append(slot)
    for chain in chains:
        if not space.dim(USED_PREFIX + chain):
            always.add(Function(USED, [Function(chain), big(space.used.get(chain, 0))]))
    return Layout(space, String(space.tx), always, slots, countries, chains)


def _numeric_facts(space: Space, d: Dimension, vocab: Any):
    """For a long numeric dimension: the facts of its first value with the number
    replaced by each other value's, once two values show that the number enters the
    facts exactly as written (otherwise None: every value is built as a scenario)."""
    import copy

    built = []
    for v in d.values[:2]:
        data = copy.deepcopy(space.data)
        apply(space, data, d.path, v, {})
        built.append(_facts_of(data, f"space {space.name}: {d.path} = {v.label}", vocab)[0])
    first, second = d.values[0], d.values[1]
    if first.number is None or second.number is None or first.number == second.number:
        return None
    old = big(first.number)

    def swap(sym: Symbol, new: Symbol) -> Symbol:
        if sym == old:
            return new
        if sym.type == clingo.SymbolType.Function and sym.arguments:
            return Function(sym.name, [swap(a, new) for a in sym.arguments], sym.positive)
        return sym

    if {swap(x, big(second.number)) for x in built[0]} != built[1]:
        return None
    for v in d.values:  # every value must still be one the scenario reader accepts
        if v.number is None or v.number < 0:
            return None
    return lambda k: {swap(x, big(d.values[k].number)) for x in built[0]}


def _touched(entry: tuple[Dimension, list[set[Symbol]], set[Symbol]], base: set[Symbol]) -> set[Symbol]:
    _d, vf, owned = entry
    return owned | set().union(*[f - base for f in vf])


def _product(sizes: list[int]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for n in sizes:
        out = [c + (k,) for c in out for k in range(n)]
    return out


@dataclass
class Grounded:
    """A space's ground program, ready for any number of solver calls."""

    ctl: clingo.Control
    layout: Layout
    picks: list[list[int]]  # per slot, per choice: the pick's program literal
    ground_seconds: float
    prefixes: tuple[str, ...] = ("",)

    def lit(self, sym: Symbol) -> int | None:
        """The program literal of an atom (None: the atom can never be true)."""
        a = self.ctl.symbolic_atoms[sym]
        return a.literal if a is not None else None

    def choice_of(self, model: clingo.Model) -> list[int]:
        """For each slot, the index of the chosen value combination."""
        out = [0] * len(self.picks)
        for s in model.symbols(shown=True):  # only the picks are shown
            if s.name == PICK:
                out[s.arguments[0].number] = s.arguments[1].number
        return out

    def values_of(self, choice: list[int]) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for slot, k in zip(self.layout.slots, choice, strict=True):
            for d, j in zip(slot.dims, slot.combos[k], strict=True):
                out[d.path] = d.values[j]
        return out


def ground(space: Space, policy: Policy, *, traced: frozenset[str] | None = frozenset(),
           variants: list[tuple[str, Policy, dict[str, Any]]] | None = None,
           options: tuple[str, ...] = (), show: tuple[tuple[str, int], ...] = ()) -> Grounded:
    """Ground the space once.  `variants`: for a diff, (prefix, policy, overlay) per
    variant; each variant's policy is entered with every predicate it derives
    renamed by its prefix, sharing the space's inputs, and the overlay (assume,
    parameters, countries) entered for that variant only."""
    t0 = time.perf_counter()
    lay = layout(space, policy)
    ctl = clingo.Control(["--warn=none", *options])
    variants = variants or [("", policy, {})]
    inputs = {s.name for s in lay.always} | {s.name for sl in lay.slots for f in sl.facts for s in f}
    inputs |= {"scenario_country", PICK}
    with program_builder(ctl) as b:
        for prefix, pol, _overlay in variants:
            rename = _Renamer(prefix, inputs - OVERLAY_INPUTS) if prefix else None
            current = "base"
            for part, stmt in space_statements(pol, traced):
                if part != current:
                    b.add(ast.Program(stmt.location, part, []))
                    current = part
                b.add(rename(stmt) if rename else stmt)
            if current != "base":
                b.add(ast.Program(_LOC, "base", []))
    with ctl.backend() as be:
        def fact(sym: Symbol) -> None:
            be.add_rule([be.add_atom(sym)])

        for prefix, pol, overlay in variants:
            for part in ("base", "cumulative"):
                for sym in pol.facts.get(part, ()):
                    fact(_prefixed(sym, prefix, inputs - OVERLAY_INPUTS))
            for sym in _overlay_facts(overlay, pol):
                fact(_prefixed(sym, prefix, inputs - OVERLAY_INPUTS))
        for c in sorted(lay.countries | _overlay_countries(variants)):
            fact(Function("scenario_country", [Function(c)]))
        for sym in lay.always:
            for prefix, _pol, _overlay in _receivers(sym, variants):
                fact(_prefixed(sym, prefix, inputs - OVERLAY_INPUTS))
    # the choices and the facts they give are rules the grounder reads like the
    # policy's own (built as ASTs from symbols: no text is parsed)
    with program_builder(ctl) as b:
        for name, arity in ((PICK, 2), *show):  # brave consequences are computed over what is shown
            b.add(ast.ShowSignature(_LOC, name, arity, True))
        for i, slot in enumerate(lay.slots):
            picks_i = [Function(PICK, [Number(i), Number(k)]) for k in range(len(slot.combos))]
            b.add(_exactly_one(picks_i))
            for pick, facts in zip(picks_i, slot.facts, strict=True):
                for sym in facts:
                    for prefix, _pol, _overlay in _receivers(sym, variants):
                        b.add(_rule(_prefixed(sym, prefix, inputs - OVERLAY_INPUTS), [pick]))
    ctx = Arithmetic()
    ctl.ground([("base", [])], context=ctx)
    ctl.ground([("cumulative", [])], context=ctx)
    picks = [[ctl.symbolic_atoms[Function(PICK, [Number(i), Number(k)])].literal for k in range(len(slot.combos))]
             for i, slot in enumerate(lay.slots)]
    return Grounded(ctl, lay, picks, time.perf_counter() - t0, tuple(p for p, _pol, _o in variants))


def _atom(sym: Symbol) -> ast.AST:
    return ast.Literal(_LOC, ast.Sign.NoSign, ast.SymbolicAtom(ast.SymbolicTerm(_LOC, sym)))


def _rule(head: Symbol, body: list[Symbol]) -> ast.AST:
    return ast.Rule(_LOC, _atom(head), [_atom(b) for b in body])


def _exactly_one(options: list[Symbol]) -> ast.AST:
    """1 { o1; ...; on } 1."""
    one = ast.SymbolicTerm(_LOC, Number(1))
    guard = ast.Guard(ast.ComparisonOperator.LessEqual, one)
    elems = [ast.ConditionalLiteral(_LOC, _atom(o), []) for o in options]
    return ast.Rule(_LOC, ast.Aggregate(_LOC, guard, elems, guard), [])


def _receivers(sym: Symbol, variants: list[tuple[str, Policy, dict[str, Any]]]):
    """The variants an input fact goes to: all, except an overlay fact a variant's own
    overlay replaces (the variant's reading wins over the space's)."""
    for prefix, pol, overlay in variants:
        if sym.name in OVERLAY_INPUTS and _overridden(sym, overlay):
            continue
        yield prefix, pol, overlay


def _overridden(sym: Symbol, overlay: dict[str, Any]) -> bool:
    key = sym.arguments[0]
    if sym.name == "assume":
        return key.name in overlay.get("assume", {})
    if sym.name == "param_override":
        return key.name in overlay.get("parameters", {})
    if sym.name in ("tier_override", "group_override", "supp5_b_override"):
        return key.name.upper() in overlay.get("countries", {})
    return False


def _overlay_facts(overlay: dict[str, Any], policy: Policy) -> list[Symbol]:
    """The facts of a what-if overlay, entered as the engine enters them."""
    if not overlay:
        return []
    from earlog.engine.vocabulary import vocabulary
    from earlog.scenario.validate import validate

    data = {"assume": overlay.get("assume", {}), "parameters": overlay.get("parameters", {}),
            "countries": overlay.get("countries", {}), "parties": [], "items": [], "transactions": []}
    sc = scenario_from_dict(data)
    validate(sc, vocabulary(policy))
    return [s for s in scenario_facts(sc) if s.name != "scenario_country"]


def _overlay_countries(variants: list[tuple[str, Policy, dict[str, Any]]]) -> set[str]:
    return {c.lower() for _p, _pol, o in variants for c in o.get("countries", {})}


def _prefixed(sym: Symbol, prefix: str, keep: set[str]) -> Symbol:
    if not prefix or sym.name in keep:
        return sym
    return Function(prefix + sym.name, sym.arguments, sym.positive)


class _Renamer(ast.Transformer):
    """Rename every predicate (not the space's inputs) with a prefix, for a diff variant."""

    def __init__(self, prefix: str, keep: set[str]) -> None:
        self.prefix = prefix
        self.keep = keep

    def visit_SymbolicAtom(self, node: ast.AST) -> ast.AST:  # noqa: N802 (clingo's visitor names)
        sym = node.symbol
        if sym.ast_type == ast.ASTType.Function and sym.name not in self.keep:
            return node.update(symbol=sym.update(name=self.prefix + sym.name))
        return node

    def __call__(self, stmt: ast.AST) -> ast.AST:  # type: ignore[override]
        return self.visit(stmt)
