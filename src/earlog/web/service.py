"""What the workbench asks of earlog, as plain functions (no HTTP here).

Every function takes the user's text, builds the scenario the way the CLI does
(the query language through the DSL's ScenarioBuilder, JSON through the scenario
reader), and returns plain data the routes render.  Errors stay EarlogErrors with
the CLI's one-line message, so a page and a terminal say the same thing.
Nothing here knows the law: outcomes, rules, citations and failed conditions are
read from the verdicts and explanations the policy produced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clingo import Function, String, Symbol

from earlog.errors import EarlogError, InputError
from earlog.scenario.model import Scenario

#: the shipped examples a page may load, by name; never a path from a request
EXAMPLES: dict[str, str] = {
    "tour": "tour.earlog",
    "allocations": "allocations.earlog",
    "ownership": "ownership.earlog",
    "weights": "weights.earlog",
    "veu": "veu.earlog",
    "red_flags": "red_flags.earlog",
    "brazil_cloud (JSON)": "scenarios/brazil_cloud.json",
    "japan_lab_aia (JSON)": "scenarios/japan_lab_aia.json",
    "singapore_subsidiary_chinese_parent (JSON)": "scenarios/singapore_subsidiary_chinese_parent.json",
    "tier2_allocation_ledger (JSON)": "scenarios/tier2_allocation_ledger.json",
}

DEAL_FILE = "deal"
WHATIF_FILE = "what-if"


def queries_dir() -> Path | None:
    """The shipped queries/ beside the policy (a source checkout), if there is one."""
    from earlog.engine import load_policy

    root = Path(load_policy().root).resolve()
    for cand in (root.parent / "queries", Path.cwd() / "queries"):
        if cand.is_dir():
            return cand
    return None


def available_examples() -> list[str]:
    q = queries_dir()
    return [] if q is None else [name for name, rel in EXAMPLES.items() if (q / rel).is_file()]


def example_text(name: str) -> str:
    """The text of a shipped example named in EXAMPLES (the name is a key, never a path)."""
    rel = EXAMPLES.get(name)
    q = queries_dir()
    if rel is None or q is None or not (q / rel).is_file():
        raise InputError("example", f"no shipped example named {name!r}; known: {', '.join(available_examples())}")
    return (q / rel).read_text(encoding="utf-8")


@dataclass
class Deal:
    """A deal read from the editor: its scenario and, for the query language, the builder
    (which knows where each field was written, for memos and what-ifs)."""

    text: str
    language: str  # "earlog" or "json"
    scenario: Scenario
    builder: Any = None
    document: Any = None  # the parsed query language (None for JSON)


def is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def read_deal(text: str, file: str = DEAL_FILE) -> Deal:
    """The scenario of a deal: JSON when it starts with `{`, else the query language
    (its declarations and settings; questions in it are not answered here)."""
    if len(text.strip()) == 0:
        raise InputError(file, "the deal is empty; declare an item, a party and a transaction")
    if is_json(text):
        from earlog.scenario.json_input import load_json_text

        return Deal(text, "json", load_json_text(text, file=file), _json_builder(text, file))
    from earlog.dsl.nodes import Declaration, Setting
    from earlog.dsl.parser import parse_text
    from earlog.dsl.to_dict import ScenarioBuilder

    doc = parse_text(text, file)
    b = ScenarioBuilder()
    for st in doc.statements:
        if isinstance(st, Declaration):
            b.declare(st, doc.file, doc.text)
        elif isinstance(st, Setting):
            b.setting(st, doc.file, doc.text)
    return Deal(text, "earlog", b.scenario(), b, doc)


def _json_builder(text: str, file: str) -> Any:
    """A DSL builder over a JSON scenario (already read without error), so the language's
    what-if changes (`nuvem.located = IN`, `tier BR = 1`) apply to JSON deals too: each
    id names its party, item, transaction or ledger entry, as a declaration would."""
    from earlog.dsl.nodes import Span
    from earlog.dsl.to_dict import COLLECTIONS, Entry, Origin, ScenarioBuilder
    from earlog.scenario.json_input import _JsonFloat  # numbers kept as written (1e26 exactly)

    data = json.loads(text, parse_float=_JsonFloat)
    where = Origin(file, text, Span(1, 1, 1, 2))
    b = ScenarioBuilder(data=data)
    for kind, coll in COLLECTIONS.items():
        for i, obj in enumerate(data.setdefault(coll, [])):
            if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                b.names[obj["id"]] = Entry(kind, i, where)
    return b


MAX_QUESTIONS = 200


def run_questions(deal: Deal) -> list[dict[str, Any]]:
    """The questions written in the deal (ask, why, why not, what if, expect), answered in
    order as `earlog run` answers them; each answer's text is the terminal's."""
    from earlog.dsl.questions import answer
    from earlog.dsl.session import plan

    if deal.document is None:
        raise InputError(DEAL_FILE, "a JSON scenario asks no questions; write them in the query language")
    steps = plan(deal.document)
    if not steps:
        raise InputError(DEAL_FILE, "the deal asks no questions; add `ask`, `why`, `what if` or `expect` lines")
    if len(steps) > MAX_QUESTIONS:
        raise InputError(DEAL_FILE, f"the deal asks {len(steps)} questions; the workbench answers at most "
                                    f"{MAX_QUESTIONS} at once (`earlog run` answers any number)")
    out = []
    for step in steps:
        try:
            a = answer(step)
            text, passed = a.text, a.passed
        except EarlogError as e:
            text, passed = f"earlog: error: {e}", False
        out.append({"where": f"line {step.question.span.line}", "question": step.question.text,
                    "kind": step.question.kind, "case": step.case, "text": text, "passed": passed})
    return out


def evaluate(deal: Deal) -> list[Any]:
    from earlog.api import evaluate as api_evaluate

    return api_evaluate(deal.scenario)


def verdicts_json(deal: Deal) -> list[dict[str, Any]]:
    """Exactly what `earlog eval --format json` prints for this scenario (a list, one per transaction)."""
    return [v.to_json() for v in evaluate(deal)]


def verdict_text(verdict: Any, deal: Deal) -> str:
    from earlog.render.verdict_text import render_verdict

    return render_verdict(verdict, deal.scenario)


def error_parts(e: EarlogError) -> dict[str, Any]:
    """An error as the terminal shows it (first line, and for the query language the
    source line with its caret), plus where it is for the editor to mark."""
    text = str(e)
    first, _, rest = text.partition("\n")
    span = getattr(e, "span", None)
    return {"message": first, "caret": rest or None,
            "line": getattr(span, "line", None), "col": getattr(span, "col", None)}


# --- conclusions: what a page may ask why or why not of --------------------------

CONCLUSION_KINDS = ("outcome", "license_required", "exception", "veu")


def conclusions(verdict: dict[str, Any]) -> list[dict[str, Any]]:
    """The conclusions of one verdict a reader can click: its outcome, whether a license
    is required, each exception and VEU (held or not), read from the verdict JSON."""
    t = verdict["transaction"]
    out = [{"kind": "outcome", "tx": t, "code": "", "holds": True, "label": f"outcome {verdict['outcome']}"},
           {"kind": "license_required", "tx": t, "code": "", "holds": bool(verdict.get("license_required")),
            "label": "license required" if verdict.get("license_required") else "no license required"}]
    for kind, group in (("exception", verdict.get("exceptions") or {}), ("veu", verdict.get("veu") or {})):
        for code, av in group.items():
            held = bool(av.get("available"))
            out.append({"kind": kind, "tx": t, "code": code, "holds": held,
                        "label": f"{code} {'available' if held else 'not available'}"})
    return out


def conclusion_atom(deal: Deal, kind: str, tx: str, code: str,
                    verdicts: list[dict[str, Any]] | None = None) -> Symbol:
    """The atom of a clicked conclusion.  The predicate is chosen from a fixed list of
    verdict conclusions; the transaction and code are checked against the verdict."""
    if kind not in CONCLUSION_KINDS:
        raise InputError("conclusion", f"expected one of {', '.join(CONCLUSION_KINDS)}, got {kind!r}")
    by_tx = {v["transaction"]: v for v in (verdicts if verdicts is not None else verdicts_json(deal))}
    if tx not in by_tx:
        raise InputError("conclusion", f"no transaction named {tx!r}; the deal has: {', '.join(by_tx) or 'none'}")
    v = by_tx[tx]
    if kind == "outcome":
        return Function("outcome", [String(tx), Function(v["outcome"])])
    if kind == "license_required":
        return Function("license_required", [String(tx)])
    group = v.get("exceptions" if kind == "exception" else "veu") or {}
    if code not in group:
        raise InputError("conclusion", f"no {kind} {code!r} in the verdict of {tx}; known: {', '.join(group)}")
    pred = "exception_available" if kind == "exception" else "veu_available"
    return Function(pred, [String(tx), Function(code.lower())])


def holds(verdicts: list[dict[str, Any]], kind: str, tx: str, code: str) -> bool:
    for c in conclusions(next(v for v in verdicts if v["transaction"] == tx)):
        if c["kind"] == kind and c["code"] == code:
            return bool(c["holds"])
    return False


def explanation(deal: Deal, atom: Symbol, why_not: bool, depth: int | None = None) -> Any:
    from earlog.explain import explain

    return explain(deal.scenario, atom, why_not=why_not, depth=depth)


def memo_markdown(deal: Deal, expl: Any) -> str:
    """The memo (Markdown) of an explanation, as `earlog why --format markdown` writes it."""
    from earlog.engine import load_policy
    from earlog.explain.memo import build_memo, dsl_locator
    from earlog.render.explanation_memo import render_memo_markdown

    locate = dsl_locator(deal.builder.origins) if deal.language == "earlog" else None
    return render_memo_markdown(build_memo(expl, load_policy(), None, locate=locate))


def memo_html(markdown: str) -> str:
    """Markdown to HTML with raw HTML in the source escaped (user text stays text)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return md.render(markdown)


def tree_svg(expl: Any, depth: int | None) -> str:
    """The derivation tree as inline SVG, cut at `depth` rule levels (None: all).
    Raises EarlogError when Graphviz's `dot` is not installed."""
    from earlog.render.explanation_dot import render_svg

    svg = render_svg(expl, depth).decode("utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def failed_of(verdicts: list[dict[str, Any]], kind: str, tx: str, code: str) -> list[dict[str, str]]:
    """The failed conditions the verdict itself gives for an unavailable exception or VEU."""
    if kind not in ("exception", "veu"):
        return []
    v = next((v for v in verdicts if v["transaction"] == tx), {})
    av = (v.get("exceptions" if kind == "exception" else "veu") or {}).get(code) or {}
    return [{"rule": "", "cite": "", "condition": str(f), "first": ""} for f in av.get("failed", [])]


def failed_conditions(expl: Any) -> list[dict[str, str]]:
    """The failed conditions of a why-not, rule by rule (the top level of the tree)."""
    out = []
    for a in expl.root.rules:
        for c in a.conditions:
            if c.status == "failed":
                out.append({"rule": a.rule, "cite": a.cite, "condition": c.plain or c.detail,
                            "first": "first failed" if c.first_failed else ""})
    return out


def tree_depth(expl: Any) -> int:
    """How many rule levels the tree has (to know when there is nothing more to expand)."""
    def walk(n: Any, seen: set[str]) -> int:
        if n is None or n.id in seen:
            return 0
        seen.add(n.id)
        best = 0
        for a in n.rules:
            for c in a.conditions:
                for ch in c.children:
                    best = max(best, 1 + walk(ch, seen))
        return best

    return walk(expl.root, set())


# --- readings and what-ifs ------------------------------------------------------------

def interpretations() -> list[dict[str, Any]]:
    """Every named interpretation of the policy with its alternatives and default."""
    from earlog.commands.interpretations import interpretation_catalogue

    return interpretation_catalogue()


def parameters() -> dict[str, Any]:
    from earlog.engine import load_policy, vocabulary

    return dict(sorted(vocabulary(load_policy()).parameters.items()))


def changes_text(form: dict[str, Any]) -> str:
    """The what-if changes in the query language (`assume q = a, tier BR = 1, ...`), from
    the form's toggles and fields; the language then checks every name and value."""
    parts: list[str] = []
    defaults = {q["question"]: q["default"] for q in interpretations()}
    for q, d in defaults.items():
        alt = (form.get(f"assume.{q}") or "").strip()
        if alt and alt != d:
            parts.append(f"assume {q} = {alt}")
    for key, value in form.items():
        if key.startswith("tier.") and str(value).strip():
            parts.append(f"tier {key[5:]} = {str(value).strip()}")
    tier_c, tier_v = (form.get("tier_country") or "").strip(), (form.get("tier_value") or "").strip()
    if tier_c and tier_v:
        parts.append(f"tier {tier_c} = {tier_v}")
    p_name, p_value = (form.get("param_name") or "").strip(), (form.get("param_value") or "").strip()
    if p_name and p_value:
        parts.append(f"parameter {p_name} = {p_value}")
    facts = (form.get("facts") or "").strip()
    if facts:
        parts.append(" ".join(facts.split()))  # one line: the changes are one statement
    return ", ".join(parts)


def what_if(deal: Deal, changes: str) -> dict[str, Any]:
    """Both verdicts and the fields that change, each with the rule that decides it before
    and after the change (named in the verdict JSON, else read from the evaluation's
    trace of the rules that concluded the field)."""
    from earlog.dsl.parser import parse_text
    from earlog.dsl.whatif import diff_verdicts, show_value

    if not changes.strip():
        raise InputError(WHATIF_FILE, "no change given; flip a reading or fill a field")
    text = f"what if {changes}"
    doc = parse_text(text, WHATIF_FILE)
    q = doc.statements[0] if len(doc.statements) == 1 else None
    if q is None or getattr(q, "kind", None) != "what_if":
        raise InputError(WHATIF_FILE, "expected changes such as `tier BR = 1` or `nuvem.located = IN`")
    from earlog.dsl.session import Context

    b = deal.builder.copy()
    for c in q.changes:
        b.change(c, doc.file, doc.text)
    before_vs, before_ans = Context(deal.builder, deal.scenario).evaluate()
    after_vs, after_ans = Context(b, b.scenario()).evaluate()
    before = {v.transaction: v.to_json() for v in before_vs}
    after = {v.transaction: v.to_json() for v in after_vs}
    diff = diff_verdicts(before, after)
    for c in diff:
        t = c["transaction"]
        for f in c["fields"]:
            f["before_text"] = show_value(f["before"])
            f["after_text"] = show_value(f["after"])
            name = f["field"]
            f["rule_before"] = deciding_rule(before.get(t), name) or _fired(before_ans, t, name, f["before"])
            f["rule_after"] = deciding_rule(after.get(t), name) or _fired(after_ans, t, name, f["after"])
    return {"changes": changes, "before": before, "after": after, "diff": diff,
            "changed_fields": {(c["transaction"], f["field"]) for c in diff for f in c["fields"]}}


def _fired(ans: Any, tx: str, field: str, value: Any) -> str | None:
    """The rules that concluded a top-level verdict field (`review_policy("t1", approval)`),
    from the evaluation's own trace, as `expect ... by RULE` reads them."""
    if "." in field or not isinstance(value, (str, bool)) or value is False:
        return None
    atom = Function(field, [String(tx)] if value is True else [String(tx), Function(value)])
    try:
        rules = ans.fired().get(atom, [])
    except (AttributeError, RuntimeError):
        return None
    return ", ".join(sorted(set(rules))) or None


def deciding_rule(verdict: dict[str, Any] | None, field: str) -> str | None:
    """The rule the verdict names for a field: `<field>_rule` beside it, else the `rule`
    of the nearest object on the field's path (an exception, the allocation), else the
    first failed condition of an unavailable exception."""
    if verdict is None:
        return None
    parts = field.split(".")
    # the outcome rule concludes the authorization with the outcome
    top = verdict.get(f"{'outcome' if parts[0] == 'authorization' else parts[0]}_rule")
    if isinstance(top, str) and top:
        return top
    node: Any = verdict
    found = None
    for p in parts:
        if not isinstance(node, dict) or p not in node:
            break
        node = node[p]
        if isinstance(node, dict):
            if isinstance(node.get("rule"), str) and node["rule"]:
                found = node["rule"]
            elif node.get("failed"):  # "rule.id: text" per failed condition: name the rules
                found = "failed " + ", ".join(str(x).split(":", 1)[0] for x in node["failed"])
    return found


def flat(verdict: dict[str, Any]) -> list[tuple[str, str]]:
    """A verdict as (field, value) rows for the side-by-side table."""
    from earlog.dsl.whatif import flatten, show_value

    return [(k, show_value(v)) for k, v in flatten(verdict).items()]


def parse_json_scenario(body: bytes) -> Deal:
    """A scenario posted as JSON, with the same errors as a JSON file."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError("request body", f"not UTF-8 text (byte {e.start}); send the scenario as UTF-8 JSON") from None
    if not is_json(text):
        raise InputError("request body", "expected a JSON object (a scenario), or send the query language "
                                         "with Content-Type: text/plain")
    return read_deal(text, "request body")


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)


def smallest_change(deal: Deal, atom: Symbol, make_true: bool = True) -> Any:
    """The smallest change of facts that flips a conclusion, exactly as `earlog why
    --fix` searches it (the default varying facts around the conclusion's
    transaction); computed only on demand, since it solves a space of scenarios."""
    from earlog.space.answers import smallest_around

    data = json.loads(deal.text) if deal.language == "json" else deal.builder.data
    return smallest_around(data, atom, make_true, None,
                           "the smallest change needs a conclusion about one transaction of the deal")
