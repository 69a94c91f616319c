"""Resolve and answer the questions of a .earlog document.

`resolve` checks every name a question uses against the scenario and the policy
(run before anything is evaluated); `answer` evaluates and returns an Answer
with a readable text and a JSON form.  Verdict fields are read from the verdict
JSON (the contract of DESIGN.md), so `expect` and `ask` reach every field the
verdict has, including ones added later, with no list of fields here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clingo import Function, String, Symbol

from earlog.dsl.conclusion import resolve_conclusion, resolve_transaction
from earlog.dsl.errors import DslError, did_you_mean
from earlog.dsl.nodes import Expectation, Name, Value
from earlog.dsl.session import NotYetSupported, Step, build_scenario
from earlog.dsl.whatif import diff_verdicts, render_diff, show_scalar


@dataclass
class Answer:
    step: Step
    text: str
    data: dict[str, Any]
    passed: bool | None = None  # expectations only
    actual: str = ""

    @property
    def where(self) -> str:
        return f"{self.step.file}:{self.step.question.span.line}"

    def to_json(self) -> dict[str, Any]:
        q = self.step.question
        out: dict[str, Any] = {"file": self.step.file, "line": q.span.line, "question": q.text, "kind": q.kind}
        if self.step.case is not None:
            out["case"] = self.step.case
        out.update(self.data)
        return out


def _verdict_keys() -> set[str]:
    import dataclasses

    from earlog.verdict import Verdict

    return {f.name for f in dataclasses.fields(Verdict)}


def _codes(kind: str) -> set[str]:
    from earlog.engine import load_policy

    pred = "exception_available" if kind == "exception" else "veu_available"
    return {r.head_args[1].upper() for r in load_policy().rules_for(pred) if len(r.head_args) == 2 and r.head_args[1]}


def _err(step: Step, name: Name | Any, message: str) -> DslError:
    span = name.span if hasattr(name, "span") else step.question.span
    return DslError(step.file, step.text, span, message)


# --- resolution ---------------------------------------------------------------------

def resolve(step: Step) -> None:
    q = step.question
    sc = step.context.scenario
    if q.kind == "ask":
        keys = _verdict_keys()
        ids = {t.id for t in sc.transactions}
        if q.txs and not q.names and all(n.text in keys and n.text not in ids for n in q.txs):
            q.names, q.txs = q.txs, []  # `ask outcome, review_policy`: fields of every transaction
        step.resolved["txs"] = [resolve_transaction(n, sc, step.file, step.text, q.span) for n in q.txs] \
            or [t.id for t in sc.transactions]
        for n in q.names:
            if n.text not in keys:
                raise _err(step, n, f"a verdict has no field {n.text!r}{did_you_mean(n.text, keys)}; "
                           f"fields: {', '.join(sorted(keys))}")
    elif q.kind in ("why", "why_not"):
        step.resolved["atom"] = resolve_conclusion(q.conclusion, sc, file=step.file, text=step.text)
        step.resolved["tx"] = resolve_transaction(q.conclusion.tx, sc, step.file, step.text, q.conclusion.span)
        if q.search is not None:  # `-- smallest change`
            from earlog.space.answers import resolve_search

            resolve_search(step)
    elif q.kind in ("find", "check", "diff"):
        from earlog.space.answers import resolve_search

        resolve_search(step)
    elif q.kind == "what_if":
        b = step.context.builder.copy()
        for c in q.changes:
            b.change(c, step.file, step.text)
        step.changed = build_scenario(b)
    else:  # expect
        e = q.expectation
        step.resolved["tx"] = resolve_transaction(e.tx, sc, step.file, step.text, q.span)
        _check_expectation(step, e)


def _check_expectation(step: Step, e: Expectation) -> None:
    if e.kind in ("exception", "veu"):
        codes = _codes(e.kind)
        code = e.subject[0]
        if code.text.upper() not in codes:
            what = "license exception" if e.kind == "exception" else "VEU authorization"
            raise _err(step, code, f"no {what} named {code.text!r}{did_you_mean(code.text.upper(), codes)}; "
                       f"known: {', '.join(sorted(codes))}")
    elif e.kind == "available":
        codes = _codes("exception") | _codes("veu")
        for v in e.values:
            if v.kind != "none" and str(v.raw).upper() not in codes:
                raise _err(step, v, f"no exception or VEU named {v.raw!r}{did_you_mean(str(v.raw).upper(), codes)}; "
                           f"known: {', '.join(sorted(codes))} (or `none`)")
    else:
        keys = _verdict_keys()
        head = e.subject[0]
        if head.text not in keys:
            raise _err(step, head, f"a verdict has no field {head.text!r}{did_you_mean(head.text, keys)}; "
                       f"fields: {', '.join(sorted(keys))}")
        if e.rules and head.text != "license_required":
            from earlog.engine.program import VERDICT_PREDICATES

            if head.text not in VERDICT_PREDICATES:
                raise _err(step, e.rules[0], f"earlog does not record which rules decide {head.text}; "
                           "`by` works for license_required, outcome, review_policy and subject_to_ear")


# --- answers -----------------------------------------------------------------------

def answer(step: Step) -> Answer:
    kind = step.question.kind
    if kind == "ask":
        return _ask(step)
    if kind in ("find", "check", "diff") or (kind in ("why", "why_not") and step.question.search is not None):
        from earlog.space.answers import answer_search

        text, data, passed = answer_search(step)
        return Answer(step, text, data, passed=passed)
    if kind in ("why", "why_not"):
        return _why(step)
    if kind == "what_if":
        return _what_if(step)
    if kind == "expect" and step.todo:
        return Answer(step, f"skipped (todo): {step.question.text}", {"skipped": True})
    if kind == "expect":
        return expect(step)
    raise NotYetSupported(
        f"{step.file}:{step.question.span.line}:{step.question.span.col}: `{kind}` is parsed and its names "
        f"resolved, but searching a space of scenarios is not yet supported in this version of earlog")


def _ask(step: Step) -> Answer:
    from earlog.render.verdict_text import render_verdict

    vs = step.context.verdicts()
    txs = step.resolved["txs"]
    names = [n.text for n in step.question.names]
    if names:
        data = {t: {n: vs[t].to_json()[n] for n in names} for t in txs}
        text = "\n".join(f"{t}: " + "; ".join(f"{n} = {_show(v)}" for n, v in d.items()) for t, d in data.items())
        return Answer(step, text, {"answers": data})
    text = "\n\n".join(render_verdict(vs[t], step.context.scenario) for t in txs)
    return Answer(step, text, {"verdicts": [vs[t].to_json() for t in txs]})


def _what_if(step: Step) -> Answer:
    before = step.context.verdicts()
    after = step.changed.verdicts()
    changes = diff_verdicts({t: v.to_json() for t, v in before.items()}, {t: v.to_json() for t, v in after.items()})
    return Answer(step, render_diff(changes), {"changes": changes})


# --- why / why not ---------------------------------------------------------------------

_ALL = 10**6  # `why ... all`: more levels than any derivation has


def _why(step: Step) -> Answer:
    """The memo of a why or why-not (earlog.explain.memo), at the depth the question
    asks for (`why ... depth 3`, `why ... all`; by default three levels of a failure and
    two of a derivation).  A question that does not fit the answer (why of something
    that does not hold) is answered, not an error: a tour or a suite asks it on purpose
    to show the other side."""
    from earlog.engine import load_policy
    from earlog.errors import EarlogError
    from earlog.explain import explain
    from earlog.explain.memo import build_memo, conclusion_words, dsl_locator
    from earlog.render.explanation_memo import render_memo_text

    atom: Symbol = step.resolved["atom"]
    why_not = step.question.kind == "why_not"
    try:
        ex = explain(step.context.scenario, atom, why_not=why_not)
    except EarlogError:
        # said once, in the question's own words (the engine's message would repeat it)
        holds = why_not
        other = "why" if why_not else "why not"
        return Answer(step, f"{conclusion_words(str(atom))} {'holds' if holds else 'does not hold'}; "
                      f"ask `{other}` instead.", {"atom": str(atom), "holds": holds})
    d = step.question.depth
    depth = _ALL if d == "all" else d if isinstance(d, int) else None
    memo = build_memo(ex, load_policy(), depth, locate=dsl_locator(step.context.builder.origins))
    return Answer(step, render_memo_text(memo).rstrip("\n"),
                  {"atom": str(atom), "holds": not why_not, "explanation": ex.to_json()})


# --- expectations ---------------------------------------------------------------------

def expect(step: Step) -> Answer:
    e = step.question.expectation
    tx = step.resolved["tx"]
    verdicts, ans = step.context.evaluate()
    v = next(x for x in verdicts if x.transaction == tx).to_json()
    ok, actual = _check(e, v, ans, tx)
    mark = "ok" if ok else "FAILED"
    text = f"{mark}: {step.question.text}" + ("" if ok else f" — actual: {actual}")
    return Answer(step, text, {"passed": ok, "actual": actual, "transaction": tx}, passed=ok, actual=actual)


def _availability_text(code: str, entry: dict[str, Any] | None, tx: str) -> str:
    if entry is None:
        return f"{code} is not relevant to {tx}"
    if entry["available"]:
        return f"{code} available by {entry.get('rule')}"
    failed = [f.split(":", 1)[0] for f in entry.get("failed", [])]
    return f"{code} not available; failed {', '.join(failed) or 'nothing listed'}"


def _check(e: Expectation, v: dict[str, Any], ans: Any, tx: str) -> tuple[bool, str]:
    if e.kind in ("exception", "veu"):
        code = e.subject[0].text.upper()
        entry = v["exceptions" if e.kind == "exception" else "veu"].get(code)
        actual = _availability_text(code, entry, tx)
        if e.availability == "available":
            ok = bool(entry and entry["available"]) and (not e.rules or {entry["rule"]} == {r.text for r in e.rules})
        elif e.availability == "not_available":
            ok = not (entry and entry["available"])
        else:
            failed = {f.split(":", 1)[0] for f in entry.get("failed", [])} if entry and not entry["available"] \
                else None
            ok = failed is not None and failed == {r.text for r in e.rules}
        return ok, actual
    if e.kind == "available":
        have = {c for c, x in (v["exceptions"] | v["veu"]).items() if x["available"]}
        want = {str(x.raw).upper() for x in e.values if x.kind != "none"}
        return have == want, ", ".join(sorted(have)) or "none"
    path = [n.text for n in e.subject]
    actual_value: Any = v
    for i, p in enumerate(path):
        if not isinstance(actual_value, dict) or p not in actual_value:
            return False, f"{'.'.join(path[:i + 1])} is not in the verdict of {tx}"
        actual_value = actual_value[p]
    ok = _matches(actual_value, e.values)
    actual = _show(actual_value)
    if e.rules:
        want = {r.text for r in e.rules}
        got = _deciding_rules(path[0], actual_value, v, ans, tx)
        actual += f" by {', '.join(sorted(got)) or 'no recorded rule'}"
        ok = ok and got == want
    return ok, actual


def _deciding_rules(field: str, value: Any, v: dict[str, Any], ans: Any, tx: str) -> set[str]:
    if field == "license_required":
        return {r["rule"] for r in v["requirements"]}
    t = String(tx)
    if isinstance(value, bool):
        atom = Function(field, [t])
    elif isinstance(value, str):
        atom = Function(field, [t, Function(value)])
    else:
        return set()
    return set(ans.fired().get(atom, []))


def _matches(actual: Any, expected: list[Value]) -> bool:
    if isinstance(actual, dict):
        want = {str(x.raw) for x in expected if x.kind != "none"}
        return set(actual) == want
    if isinstance(actual, list):
        got = {x["rule"] if isinstance(x, dict) and isinstance(x.get("rule"), str) else str(x) for x in actual}
        return got == {str(x.raw) for x in expected if x.kind != "none"}
    if len(expected) != 1:
        return False
    x = expected[0]
    if x.kind == "none":
        return actual is None or actual == "none"  # the verdict writes "no authorization needed" as "none"
    if isinstance(actual, bool) or x.kind == "bool":
        return isinstance(actual, bool) and x.kind == "bool" and actual == x.raw
    if isinstance(actual, int):
        return x.kind == "number" and actual == x.raw
    return isinstance(actual, str) and str(x.raw) == actual


def _show(v: Any) -> str:
    scalar = show_scalar(v)
    if scalar is not None:
        return scalar
    if isinstance(v, dict):
        if all(isinstance(x, dict) and "available" in x for x in v.values()):
            return ", ".join(f"{k} ({'available' if x['available'] else 'not available'})" for k, x in v.items()) \
                or "none"
        return ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) or "none"
    # an entry whose rule was not recorded is shown whole, never dropped or crashed on
    return ", ".join(x["rule"] if isinstance(x, dict) and isinstance(x.get("rule"), str) else _show(x)
                     for x in v) or "none"
