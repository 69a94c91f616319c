"""`explain(scenario, atom)`: the why or why-not tree of one conclusion.

The scenario is validated first, then evaluated once with every rule's
provenance twin (engine.solve with explain=True); why-not probes run over that
same answer set.
"""

from __future__ import annotations

from clingo import Function, Symbol, SymbolType

from earlog.engine import load_policy, solve, vocabulary
from earlog.engine.astlock import SHARED_ASTS
from earlog.engine.policy import Policy
from earlog.engine.solve import Answer
from earlog.errors import EarlogError
from earlog.explain.build import Builder
from earlog.explain.model import Explanation
from earlog.scenario.model import Scenario
from earlog.scenario.validate import validate


def evaluate_for_explanation(scenario: Scenario, policy: Policy | None = None) -> Answer:
    pol = policy or load_policy()
    validate(scenario, vocabulary(pol))
    return solve(scenario, pol, explain=True)


def explain(
    scenario: Scenario,
    atom: Symbol,
    *,
    why_not: bool = False,
    all_failed: bool = False,
    depth: int | None = None,
    policy: Policy | None = None,
    answer: Answer | None = None,
) -> Explanation:
    """Why `atom` holds (why_not=False) or why it does not (why_not=True).

    Raises EarlogError when the question does not fit the answer: asking why of a
    conclusion that does not hold, or why not of one that does, names the other
    question to ask.  depth limits how many rule levels are expanded (None: all).
    """
    pol = policy or load_policy()
    ans = answer or evaluate_for_explanation(scenario, pol)
    with SHARED_ASTS:  # the builder walks the policy's ASTs, which every thread shares (astlock.py)
        return _explain(ans, pol, scenario, atom, why_not, all_failed, depth)


def _explain(ans: Answer, pol: Policy, scenario: Scenario, atom: Symbol, why_not: bool, all_failed: bool,
             depth: int | None) -> Explanation:
    b = Builder(ans, pol, all_failed=all_failed)
    holds = atom in b.atoms
    where = str(scenario.src.file or "")
    from earlog.explain.memo import conclusion_words

    said = conclusion_words(str(atom))
    if why_not:
        if holds:
            raise EarlogError(f"{said} holds; ask why, not why not")
        root = b.why_not((atom.name, tuple(atom.arguments)), depth)
        return Explanation("why_not", str(atom), False, root, policy=pol.name, scenario=where)
    if not holds:
        raise EarlogError(f"{said} does not hold; ask why not (--not) to see which condition failed")
    root = b.why(atom, depth)
    return Explanation("why", str(atom), True, root, policy=pol.name, scenario=where)


def outcome_explanations(ans: Answer, policy: Policy) -> dict[str, Explanation]:
    """The why-tree of each transaction's outcome, by transaction id (for the verdict)."""
    with SHARED_ASTS:  # the builder walks the policy's ASTs, which every thread shares (astlock.py)
        b = Builder(ans, policy)
        out: dict[str, Explanation] = {}
        for s in ans.get("outcome"):
            t = s.arguments[0]
            if t.type == SymbolType.String:
                b.shown = {}  # each verdict's tree stands alone
                out[t.string] = Explanation("why", str(s), True, b.why(s, None), policy=policy.name,
                                            scenario=str(ans.scenario.src.file or ""))
        return out


def atom(name: str, *args: Symbol) -> Symbol:
    return Function(name, list(args))
