"""Ground and solve one scenario against a policy; return the answer set.

The policy's rules live in two program parts.  `base` holds everything that does
not depend on a running total; `cumulative` holds the caps counted in transaction
order and all that follows from them.  Between the two groundings the engine
links the transactions the policy put into each chain (`chain_member(Chain, Key,
T)`) in evaluation order, so each cap is a running total over a linked list:
linear, never a `#sum` over the whole ledger per transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import clingo
from clingo import Function, Symbol, ast

from earlog.engine.arith import Arithmetic
from earlog.engine.astlock import program_builder
from earlog.engine.facts import scenario_facts
from earlog.engine.policy import Policy
from earlog.engine.program import FIRED, UNMET, VERDICT_PREDICATES, WHY, live_program
from earlog.errors import EngineBug
from earlog.scenario.model import Scenario


@dataclass
class Answer:
    """The unique answer set of a scenario, indexed by predicate name."""

    atoms: dict[str, list[Symbol]]
    scenario: Scenario
    policy: Policy
    _by_first: dict[str, dict[Symbol, list[Symbol]]] = field(default_factory=dict, repr=False)
    _fired: dict[Symbol, list[str]] | None = field(default=None, repr=False)

    def get(self, predicate: str) -> list[Symbol]:
        return self.atoms.get(predicate, [])

    def about(self, predicate: str, first: Symbol) -> list[Symbol]:
        """The atoms of a predicate whose first argument is `first` (a transaction,
        an item, ...), from an index built once per predicate: reading verdicts stays
        linear in the number of transactions."""
        index = self._by_first.get(predicate)
        if index is None:
            index = defaultdict(list)
            for s in self.get(predicate):
                args = s.arguments
                if args:
                    index[args[0]].append(s)
            self._by_first[predicate] = index
        return index.get(first, [])

    def fired(self) -> dict[Symbol, list[str]]:
        """Head atom -> ids of the traced rules that derived it."""
        if self._fired is None:
            out: dict[Symbol, list[str]] = defaultdict(list)
            for s in self.get(FIRED):
                a = s.arguments
                out[a[1]].append(a[0].string)
            self._fired = out
        return self._fired


def _replay(ctl: clingo.Control, program: Iterable[tuple[str, ast.AST | str]]) -> None:
    program = tuple(program)
    if program and isinstance(program[0][1], str):  # a policy from the disk cache: its text, in order
        ctl.add("base", [], "\n".join(_with_parts(program)))
        return
    current = "base"
    with program_builder(ctl) as b:
        for part, stmt in program:
            if part != current:
                b.add(ast.Program(stmt.location, part, []))
                current = part
            b.add(stmt)


def _with_parts(program: tuple[tuple[str, str], ...]) -> Iterable[str]:
    """The statements' text with a `#program` directive wherever the part changes, as replaying
    the ASTs does, so clingo reads the same statements in the same order."""
    current = "base"
    for part, text in program:
        if part != current:
            yield f"#program {part}."
            current = part
        yield text


def _show(ctl: clingo.Control, policy: Policy, names: frozenset[str]) -> None:
    sigs = [(n, a) for n, a in policy.signatures if n in names]
    if FIRED in names:
        sigs.append((FIRED, 2))
    if UNMET in names:
        sigs.append((UNMET, 3))
    if WHY in names:
        sigs.append((WHY, 4))
    with program_builder(ctl) as b:
        loc = ast.Location(ast.Position("<earlog>", 1, 1), ast.Position("<earlog>", 1, 1))
        for n, a in sigs:
            b.add(ast.ShowSignature(loc, n, a, True))


def solve(
    sc: Scenario,
    policy: Policy,
    traced: frozenset[str] | None = VERDICT_PREDICATES,
    shown: frozenset[str] | None = None,
    explain: bool = False,
) -> Answer:
    """Evaluate a scenario.  `traced`: predicates whose deciding rules are recorded
    (None: all).  `shown`: predicates to read back from the answer set (None: all);
    reading fewer atoms is most of what makes a warm evaluation fast.  `explain`:
    record every rule instance with its body and bindings (`_earlog_why/4`)."""
    ctl = clingo.Control(["--warn=none", "--models=2"])
    facts = list(scenario_facts(sc))
    given = frozenset({s.name for s in facts} | {"chain_first", "chain_next"})
    _replay(ctl, live_program(policy, traced, explain, given))
    if shown is not None:
        _show(ctl, policy, shown | {FIRED, WHY})
    order = {t.id: i for i, t in enumerate(sc.in_order())}
    with ctl.backend() as b:
        for sym in policy.facts.get("base", ()):
            b.add_rule([b.add_atom(sym)])
        for sym in facts:
            b.add_rule([b.add_atom(sym)])
    ctx = Arithmetic()
    ctl.ground([("base", [])], context=ctx)
    chains: dict[tuple[Symbol, Symbol], list[Symbol]] = defaultdict(list)
    for a in ctl.symbolic_atoms.by_signature("chain_member", 3):
        if not a.is_fact:
            raise EngineBug(f"chain membership {a.symbol} is not decided by grounding: "
                            "the policy made it depend on a choice")
        chain, key, tx = a.symbol.arguments
        chains[(chain, key)].append(tx)
    with ctl.backend() as b:
        for sym in policy.facts.get("cumulative", ()):
            b.add_rule([b.add_atom(sym)])
        for (chain, _key), members in chains.items():
            members.sort(key=lambda s: order[s.string])
            b.add_rule([b.add_atom(Function("chain_first", [chain, members[0]]))])
            for prev, nxt in zip(members, members[1:], strict=False):
                b.add_rule([b.add_atom(Function("chain_next", [chain, prev, nxt]))])
    ctl.ground([("cumulative", [])], context=ctx)
    models: list[list[Symbol]] = []
    if shown is None:
        ctl.solve(on_model=lambda m: models.append(m.symbols(atoms=True)))
    else:
        ctl.solve(on_model=lambda m: models.append(m.symbols(shown=True)))
    if len(models) != 1:
        raise EngineBug(f"the policy gave {len(models)} answer sets for one scenario; exactly one was expected")
    atoms: dict[str, list[Symbol]] = defaultdict(list)
    for s in models[0]:
        atoms[s.name].append(s)
    return Answer(atoms=dict(atoms), scenario=sc, policy=policy)
