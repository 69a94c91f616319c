"""Evaluate a scenario with pyDatalog: the second, independent engine.

The clauses come from translate.py (the same statements, twins included, that
the clingo engine grounds).  pyDatalog's own resolution (SLG with tabling)
does every join, recursion, negation and comparison.  The driver here feeds it
one stratum at a time, in the order the translator computed: each strongly
connected component of predicates is asked for all its atoms, which then
replace its rules as facts, so the next stratum's negations read a complete
table.  Between strata the driver folds the body aggregates (count, sum, min,
max over distinct element tuples; translate.py says why), and between the
`base` and `cumulative` parts it links the running-total chains with the same
function the clingo engine uses (engine/chains.py).  A stratum whose negation
runs through a cycle of predicates is evaluated by the alternating fixpoint of
its well-founded model, each step a pyDatalog evaluation of the stratum with the
cyclic negations read against the previous step's atoms.

Values are the clingo symbols themselves, so the answer is an `engine.Answer`
that `verdict.build_verdicts` reads exactly as it reads clingo's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from clingo import Function, Symbol
from pyDatalog import pyEngine
from pyDatalog.Logic import Logic

from earlog.datalog import terms
from earlog.datalog.terms import Value
from earlog.datalog.translate import (
    INTERNAL,
    Cmp,
    Eval,
    Key,
    Neg,
    Node,
    Part,
    Pos,
    Translation,
    Var,
    cached_translation,
)
from earlog.engine.chains import LINKS, MEMBER, chain_links
from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy
from earlog.engine.program import FIRED, UNMET, VERDICT_PREDICATES, WHY, live_program
from earlog.engine.solve import Answer
from earlog.errors import EngineBug
from earlog.scenario.model import Scenario

_NONE = pyEngine.Const(None)
ASSUMED = INTERNAL + "assumed_"  # the interpretation a well-founded iteration reads its negations against


class _Run:
    """One evaluation: a fresh pyDatalog logic, filled stratum by stratum.  Values
    are interned (terms.Value), so equal symbols are one object."""

    def __init__(self) -> None:
        Logic()  # a fresh logic for this thread: nothing of an earlier evaluation remains
        self.tables: dict[Key, set[tuple[object, ...]]] = defaultdict(set)
        self.values: dict[Symbol, Value] = {}
        self.preds: dict[tuple[str, int], object] = {}
        # in a well-founded iteration that over-estimates, an @-function may meet values of
        # a state that is not the answer (e.g. a zero divisor); those instances are dropped
        self.tolerate_errors = False

    def value(self, sym: Symbol) -> Value:
        v = self.values.get(sym)
        if v is None:
            v = self.values[sym] = Value(sym)
        return v

    def pred(self, name: str, arity: int) -> object:
        p = self.preds.get((name, arity))
        if p is None:
            p = self.preds[(name, arity)] = pyEngine.Literal(name, [_NONE] * arity).pred
        return p

    def term(self, a: Var | Symbol) -> object:
        return pyEngine.Var(a.name) if isinstance(a, Var) else pyEngine.Const(self.value(a))

    def call(self, ev: Eval):
        fn, inputs, intern = ev.fn, ev.inputs, self.value

        def call(*values: Value) -> object:
            out = fn({n: v.sym for n, v in zip(inputs, values, strict=True)})
            return intern(out) if isinstance(out, Symbol) else out

        return call

    def literal(self, lit: Pos | Neg | Cmp | Eval, assumed: frozenset[Key] = frozenset()) -> object:
        if isinstance(lit, Pos):
            return pyEngine.Literal(self.pred(lit.pred, len(lit.args)), [self.term(a) for a in lit.args])
        if isinstance(lit, Neg):
            name = ASSUMED + lit.pred if (lit.pred, len(lit.args)) in assumed else lit.pred
            return pyEngine.Literal(self.pred("~" + name, len(lit.args)), [self.term(a) for a in lit.args])
        if isinstance(lit, Cmp):
            return pyEngine.Literal(self.pred(lit.op, 2), [self.term(lit.left), self.term(lit.right)])
        op = pyEngine.Operation(_NONE, self.call(lit), pyEngine.VarTuple([pyEngine.Var(n) for n in lit.inputs]))
        return pyEngine.Literal(self.pred("==", 2), [pyEngine.Var(lit.out.name), op])

    def declare(self, keys: Iterable[Key]) -> None:
        """Every predicate a body reads must exist in pyDatalog's database, even empty."""
        for name, arity in keys:
            pyEngine.insert(self.pred(name, arity))

    def add_facts(self, key: Key, rows: Iterable[tuple[object, ...]]) -> None:
        table = self.tables[key]
        pred = self.pred(*key)
        for row in rows:
            if row not in table:
                table.add(row)
                pyEngine.assert_(pyEngine.Clause(pyEngine.Literal(pred, [pyEngine.Const(v) for v in row]), []))

    def add_symbols(self, symbols: Iterable[Symbol]) -> None:
        by_key: dict[Key, list[tuple[Symbol, ...]]] = defaultdict(list)
        for s in symbols:
            by_key[(s.name, len(s.arguments))].append(tuple(self.value(a) for a in s.arguments))
        self.declare(by_key)
        for key, rows in by_key.items():
            self.add_facts(key, rows)

    def ask(self, node: Node) -> list[tuple[Symbol, ...]]:
        """Every atom of a node: its predicate with the constants its heads fix."""
        (name, _arity), shape = node
        terms.ERRORS.clear()
        query = [pyEngine.Var(f"X{i}") if c is None else pyEngine.Const(self.value(c)) for i, c in enumerate(shape)]
        result = pyEngine.Literal(self.pred(name, len(shape)), query).ask()
        if terms.ERRORS and not self.tolerate_errors:
            raise EngineBug(f"pyDatalog engine: {terms.ERRORS[0]}")
        if result is True:
            return [tuple(self.value(c) for c in shape)]
        return [tuple(row) for row in result or ()]

    def part(self, part: Part, needed: frozenset[Key] | None = None) -> None:
        self.declare(part.reads)
        self.declare(part.clauses)
        for i, scc in enumerate(part.strata):
            if needed is not None and not any(node[0] in needed for node in scc):
                continue  # nothing shown reads it, directly or through another predicate
            if len(scc) == 1 and scc[0][0] in part.aggregates:
                self.fold(part, scc[0][0])
                continue
            if i in part.cyclic:
                self.well_founded(part, scc, part.cyclic[i])
                continue
            for key, rows in self.stratum(part, scc).items():
                self.add_facts(key, rows)
        for key, where in part.constraints.items():
            if self.tables.get(key):
                raise EngineBug(f"the integrity constraint of {where} is violated: "
                                "the policy gave no answer set for this scenario")

    def stratum(self, part: Part, scc: list[Node], assumed: frozenset[Key] = frozenset(),
                keep: bool = True) -> dict[Key, set[tuple[object, ...]]]:
        """Every atom of a stratum's nodes.  Each node asked in turn is then put in as
        facts in place of its rules; with keep=False those facts are taken out again
        at the end (an iteration of the well-founded evaluation).  Negations of the
        `assumed` predicates read their `_earlog_dl_assumed_` copies instead."""
        asserted: dict[Node, list[object]] = defaultdict(list)
        for node in scc:
            key = node[0]
            for c in part.nodes[node]:
                head = pyEngine.Literal(self.pred(*key), [self.term(a) for a in c.args])
                clause = pyEngine.Clause(head, [self.literal(lit, assumed) for lit in c.body])
                pyEngine.assert_(clause)
                asserted[node].append(clause)
        out: dict[Key, set[tuple[object, ...]]] = defaultdict(set)
        added: list[tuple[Key, tuple[object, ...]]] = []
        for node in scc:
            rows = self.ask(node)
            for clause in asserted.get(node, ()):
                pyEngine.retract(clause)
            key = node[0]
            out[key].update(rows)
            fresh = [r for r in rows if r not in self.tables[key]]
            self.add_facts(key, fresh)
            added.extend((key, r) for r in fresh)
        if not keep:
            for key, row in added:
                self.remove_fact(key, row)
        return out

    def remove_fact(self, key: Key, row: tuple[object, ...]) -> None:
        self.tables[key].discard(row)
        pyEngine.retract(pyEngine.Clause(pyEngine.Literal(self.pred(*key), [pyEngine.Const(v) for v in row]), []))

    def well_founded(self, part: Part, scc: list[Node], why: list[str]) -> None:
        """A stratum with negation through a cycle of predicates (e.g. running totals
        whose every step reads the previous transaction's route): the alternating
        fixpoint of its well-founded model.  When that model is total it is the
        program's unique answer set, which is what clingo computes; when it is not,
        the scenario has no unique answer and that is reported like clingo's case."""
        keys = {node[0] for node in scc}
        assumed = frozenset(k for k in keys if (ASSUMED + k[0], k[1]) in self.assumed_keys(part, scc, keys))
        base = {k: set(self.tables.get(k, ())) for k in assumed}  # what lower strata fixed

        def gamma(interpretation: dict[Key, set[tuple[object, ...]]],
                  over: bool) -> dict[Key, set[tuple[object, ...]]]:
            self.tolerate_errors = over
            for k in assumed:
                name = (ASSUMED + k[0], k[1])
                for row in list(self.tables.get(name, ())):
                    self.remove_fact(name, row)
                self.add_facts(name, base[k] | interpretation.get(k, set()))
            try:
                return self.stratum(part, scc, assumed, keep=False)
            finally:
                self.tolerate_errors = False

        true: dict[Key, set[tuple[object, ...]]] = {}
        possible = gamma(true, over=True)
        while True:
            new_true = gamma(possible, over=False)
            new_possible = gamma(new_true, over=True)
            if new_true == true and new_possible == possible:
                break
            true, possible = new_true, new_possible
        undefined = [(k, r) for k in possible for r in possible[k] - true.get(k, set())]
        if undefined:
            k, r = undefined[0]
            atom = Function(k[0], [v.sym for v in r])
            raise EngineBug(f"no unique answer set: {atom} is neither true nor false under "
                            f"{'; '.join(why[:3])} (negation through a cycle the scenario does not break)")
        for k in assumed:
            for row in list(self.tables.get((ASSUMED + k[0], k[1]), ())):
                self.remove_fact((ASSUMED + k[0], k[1]), row)
        for key, rows in true.items():
            self.add_facts(key, rows)

    def assumed_keys(self, part: Part, scc: list[Node], keys: set[Key]) -> set[Key]:
        """The `_earlog_dl_assumed_` predicates the stratum's negations read."""
        out = set()
        for node in scc:
            for c in part.nodes[node]:
                for lit in c.body:
                    if isinstance(lit, Neg) and (lit.pred, len(lit.args)) in keys:
                        out.add((ASSUMED + lit.pred, len(lit.args)))
        self.declare(out)
        return out

    def fold(self, part: Part, key: Key) -> None:
        spec = part.aggregates[key]
        elements: dict[tuple[object, ...], set[Symbol]] = defaultdict(set)
        for row in self.tables.get(spec.elements, ()):
            elements[row[:-1]].add(row[-1].sym)
        rows = []
        for ctx in self.tables.get(spec.context, ()):
            v = terms.aggregate(spec.function, sorted(elements.get(ctx, ())), not spec.assigned)
            rows.append((*ctx, self.value(v) if isinstance(v, Symbol) else v))
        self.add_facts(key, rows)

    def atoms(self) -> dict[Key, set[tuple[Symbol, ...]]]:
        """The tables as clingo symbols (the aggregates' own tables left out)."""
        return {key: {tuple(v.sym for v in row) for row in rows}
                for key, rows in self.tables.items() if not key[0].startswith(INTERNAL)}


def needed_keys(translation: Translation, names: frozenset[str]) -> frozenset[Key]:
    """The predicates the named ones depend on (with themselves, the chains and the
    constraints): all a shown answer needs computed."""
    hit = translation.needed.get(names)
    if hit is not None:
        return hit
    deps: dict[Key, set[Key]] = defaultdict(set)
    roots: set[Key] = set()
    for part in translation.parts:
        for key, clauses in part.clauses.items():
            for c in clauses:
                deps[key].update((lit.pred, len(lit.args)) for lit in c.body if isinstance(lit, (Pos, Neg)))
        for key, spec in part.aggregates.items():
            deps[key].update((spec.context, spec.elements))
        roots.update(k for k in part.clauses if k[0] in names)
        roots.update(part.constraints)
    roots.add(MEMBER)
    seen: set[Key] = set()
    todo = list(roots)
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo.extend(deps.get(k, ()))
    out = translation.needed[names] = frozenset(seen)
    return out


def evaluate_translation(translation: Translation, policy: Policy, facts: list[Symbol],
                         order: dict[str, int], names: frozenset[str] | None = None,
                         ) -> dict[Key, set[tuple[Symbol, ...]]]:
    """Every atom of the unique model, by predicate (with `names`: every atom of those
    predicates and of what they depend on)."""
    needed = None if names is None else needed_keys(translation, names)
    run = _Run()
    base, cumulative = translation.parts
    run.add_symbols(policy.facts.get("base", ()))
    run.add_symbols(facts)
    run.part(base, needed)
    members = [Function(MEMBER[0], [v.sym for v in row]) for row in run.tables.get(MEMBER, ())]
    run.add_symbols(policy.facts.get("cumulative", ()))
    run.add_symbols(chain_links(members, order))
    run.declare((name, a) for name, a in (("chain_first", 2), ("chain_next", 3)))
    run.part(cumulative, needed)
    return run.atoms()


def solve(sc: Scenario, policy: Policy, traced: frozenset[str] | None = VERDICT_PREDICATES,
          shown: frozenset[str] | None = None, explain: bool = False) -> Answer:
    """Evaluate a scenario with pyDatalog; the same signature and answer as `engine.solve`."""
    facts = list(scenario_facts(sc))
    given = frozenset({s.name for s in facts} | LINKS)
    statements = live_program(policy, traced, explain, given)
    translation = cached_translation(policy, statements)
    order = {t.id: i for i, t in enumerate(sc.in_order())}
    names = None if shown is None else frozenset(shown | {FIRED, WHY})
    tables = evaluate_translation(translation, policy, facts, order, names)
    if names is not None:
        keep = {(n, a) for n, a in policy.signatures if n in names}
        keep |= {(FIRED, 2), (WHY, 4)} | ({(UNMET, 3)} if UNMET in names else set())
    atoms: dict[str, list[Symbol]] = defaultdict(list)
    for (name, arity), rows in tables.items():
        if name.startswith(INTERNAL):
            continue
        if shown is not None and (name, arity) not in keep:
            continue
        atoms[name].extend(Function(name, list(r)) for r in rows)
    return Answer(atoms=dict(atoms), scenario=sc, policy=policy)
