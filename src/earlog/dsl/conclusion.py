"""Turn a written conclusion into the policy atom it names.

`exception LPP available for t1` -> exception_available("t1", lpp);
`review_policy = denial for t2` -> review_policy("t2", denial);
`license_required for t1` -> license_required("t1");
`outcome for t1` -> outcome("t1", <the outcome earlog concluded>).

The predicates, codes and values a conclusion may name are read from the heads of
the policy's own rules, so nothing here lists the law's vocabulary: a predicate
is nameable when some annotated rule concludes it about a transaction.
"""

from __future__ import annotations

from clingo import Function, String, Symbol

from earlog.dsl.errors import DslError, did_you_mean
from earlog.dsl.nodes import Conclusion, Name
from earlog.dsl.parser import parse_conclusion
from earlog.engine import Policy, load_policy
from earlog.scenario.model import Scenario


def resolve_conclusion(conclusion: str | Conclusion, scenario: Scenario, *, file: str = "<conclusion>",
                       text: str | None = None, policy: Policy | None = None) -> Symbol:
    """The atom a conclusion names, for `why` and `why not`.

    `conclusion` is the text (parsed here) or an already parsed node (then `file`
    and `text` locate it for error messages).  Raises DslError for a conclusion
    the policy never draws, an unknown code or value, or a transaction the
    scenario does not have.
    """
    if isinstance(conclusion, str):
        text = conclusion
        conclusion = parse_conclusion(conclusion, file)
    src = text or ""
    pol = policy or load_policy()

    def err(name: Name, message: str) -> DslError:
        return DslError(file, src, name.span, message)

    tx = resolve_transaction(conclusion.tx, scenario, file, src, conclusion.span)
    t = String(tx)
    if conclusion.kind in ("exception", "veu"):
        pred = "exception_available" if conclusion.kind == "exception" else "veu_available"
        codes = _head_constants(pol, pred)
        code = conclusion.name.text.lower()
        if code not in codes:
            what = "license exception" if conclusion.kind == "exception" else "VEU authorization"
            known = ", ".join(sorted(c.upper() for c in codes))
            raise err(conclusion.name, f"no {what} named {conclusion.name.text!r} in the policy"
                      f"{did_you_mean(conclusion.name.text.upper(), {c.upper() for c in codes})}; known: {known}")
        return Function(pred, [t, Function(code)])
    pred = conclusion.name.text
    arities = _arities(pol)
    if pred not in arities:
        raise err(conclusion.name, f"the policy draws no conclusion named {pred!r}{did_you_mean(pred, arities)}; "
                  "write e.g. `outcome`, `review_policy = denial`, `license_required`, "
                  "`exception LPP available`")
    if arities[pred] == 1:
        if conclusion.value is not None:
            raise err(conclusion.value, f"{pred} takes no value: write `{pred} for {tx}`")
        return Function(pred, [t])
    values = _head_constants(pol, pred)
    if conclusion.value is None:
        from earlog.engine import solve, vocabulary
        from earlog.scenario.validate import validate

        validate(scenario, vocabulary(pol))
        ans = solve(scenario, pol, shown=frozenset({pred}))
        found = [s for s in ans.get(pred) if s.arguments and s.arguments[0] == t]
        if not found:
            raise err(conclusion.name, f"earlog concluded no {pred} for {tx}; name a value: "
                      f"`{pred} = {sorted(values)[0] if values else '...'} for {tx}`")
        return found[0]
    v = conclusion.value.text
    if values and v not in values:
        raise err(conclusion.value, f"{pred} is never {v!r} in the policy{did_you_mean(v, values)}; "
                  f"it can be: {', '.join(sorted(values))}")
    return Function(pred, [t, Function(v)])


def resolve_transaction(name: Name | None, scenario: Scenario, file: str, text: str, where) -> str:
    """The transaction a question is about: the one named, or the only one there is."""
    ids = [t.id for t in scenario.transactions]
    if name is None:
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise DslError(file, text, where, "there is no transaction to ask about; declare one first")
        raise DslError(file, text, where, f"which transaction? there are {len(ids)} ({', '.join(ids)}); "
                       f"add `for {ids[0]}`")
    if name.text not in ids:
        raise DslError(file, text, name.span, f"no transaction named {name.text!r}{did_you_mean(name.text, ids)}; "
                       f"declared: {', '.join(ids) or 'none'}")
    return name.text


def _arities(pol: Policy) -> dict[str, int]:
    """Predicates some rule concludes about a transaction (first argument a variable), with their arity."""
    out: dict[str, int] = {}
    for r in pol.rules.values():
        if r.head_predicate and r.head_args and r.head_args[0] is None and len(r.head_args) in (1, 2):
            out.setdefault(r.head_predicate, len(r.head_args))
    return out


def _head_constants(pol: Policy, pred: str) -> set[str]:
    return {r.head_args[1] for r in pol.rules_for(pred) if len(r.head_args) == 2 and r.head_args[1]}
