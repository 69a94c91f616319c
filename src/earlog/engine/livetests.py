"""Which declared tests of a running total can decide anything under the readings in force.

The keyed engine solves a member of a chain once per combination of its declared tests'
outcomes (running_fit/2, engine/keyed.py).  The contract (engine/contract.py) checks that
those tests' comparisons are all the policy reads of the total; a comparison sits in a rule,
and a rule whose body requires a reading (`interpretation(Question, Alternative)`, a static
atom decided by the scenario's overlay) that is not in force never fires.  A test all of
whose comparisons sit in such rules cannot change any atom: two synthetic totals that differ
only in its outcome give the same answer, but for the total itself and the values carried
from it, which the fold fills from the actual totals (or solves again with them:
Variant.exact_needed).  So such a test need not be solved for: its outcomes share one
variant.  (Under the default reading `denied_in_whole` of allocation_crossing_application,
the allocation's `before_at_least_cap` is read only by the rules of the other reading.)

`analyse` records, per chain and test, the readings each comparing rule requires (from the
policy's rules, with the contract); `live` gives the tests that can decide something under
an overlay's readings.
"""

from __future__ import annotations

import typing

from clingo import ast

from earlog.engine.contract import _args, _const, _nodes, _sources, _test_shape, _walk

if typing.TYPE_CHECKING:
    from earlog.engine.contract import Contract
    from earlog.engine.policy import Policy

READING = "interpretation"  # interpretation(Question, Alternative): the readings in force (interpretations.lp)

# chain -> test -> the readings each rule comparing the total that way requires (one set per rule)
Guards = dict[str, dict[str, tuple[frozenset[tuple[str, str]], ...]]]


def analyse(policy: Policy, c: Contract) -> Guards:
    """For every chain folded by variants: each declared test's comparing rules, by the readings
    their bodies require (positive `interpretation(Q, A)` literals with constant arguments)."""
    rules = [stmt for _p, stmt in policy.statements if stmt.ast_type == ast.ASTType.Rule]
    out: Guards = {}
    for chain, tests in c.tests.items():
        before = c.chains[chain]
        amounts = _sources(rules, "running_amount", chain)
        caps = _sources(rules, "running_cap", chain)
        found: dict[str, list[frozenset[tuple[str, str]]]] = {t: [] for t in tests}
        for stmt in rules:
            totals = set()
            for atom, _ in _walk(stmt.body):
                name, args = _args(atom)
                if name == before and len(args) > 1 and args[1].ast_type == ast.ASTType.Variable:
                    totals.add(args[1].name)
            if not totals:
                continue
            shapes = {_test_shape(stmt, node, v, amounts, caps) for v in totals for node in _nodes(stmt.body)
                      if node.ast_type == ast.ASTType.Comparison}
            guard = _required_readings(stmt)
            for t in shapes & set(tests):
                found[t].append(guard)
        out[chain] = {t: tuple(gs) for t, gs in found.items()}
    return out


def _required_readings(stmt: typing.Any) -> frozenset[tuple[str, str]]:
    """The readings a rule's body requires: its positive top-level `interpretation(Q, A)` atoms."""
    out = set()
    for lit in stmt.body:
        if (lit.ast_type != ast.ASTType.Literal or lit.sign != ast.Sign.NoSign
                or lit.atom.ast_type != ast.ASTType.SymbolicAtom):
            continue
        name, args = _args(lit.atom)
        if name == READING and len(args) == 2:
            q, a = _const(args[0]), _const(args[1])
            if q is not None and a is not None:
                out.add((q, a))
    return frozenset(out)


def live(c: Contract, readings: frozenset[tuple[str, str]] | None) -> dict[str, tuple[str, ...]]:
    """The tests of each chain that some rule able to fire compares (every test when the readings
    in force are not known: `readings` None).  A declared test for which no comparing rule was
    found stays live: the analysis missed its rules, or the contract is wrong, and either way
    solving for it costs time, not a verdict (fail closed)."""
    guards = getattr(c, "test_guards", None)
    if readings is None or guards is None:
        return dict(c.tests)
    out = {}
    for chain, tests in c.tests.items():
        by_test = guards.get(chain)
        if by_test is None:
            out[chain] = tests
            continue
        out[chain] = tuple(t for t in tests if not by_test.get(t) or any(g <= readings for g in by_test[t]))
    return out
