"""An explanation as Markdown for a legal memo: one paragraph per step, each
naming the rule, its citation and plain-English text, the facts it rested on and
where they were written.  Steps are numbered; a conclusion reached earlier is
referred to by its step number instead of being repeated."""

from __future__ import annotations

from earlog.explain.citations import cite_words
from earlog.explain.model import Application, Condition, Explanation, Node


def render_markdown(expl: Explanation, depth: int | None = None) -> str:
    q = "Why" if expl.question == "why" else "Why not"
    verdict = "holds" if expl.holds else "does not hold"
    out = [f"## {q} `{expl.atom}`", "", f"The conclusion `{expl.atom}` {verdict}"
           + (f" for the scenario `{expl.scenario}`" if expl.scenario else "") + "."]
    steps: dict[str, int] = {}
    paras: list[str] = []

    def step(n: Node, level: int) -> str:
        """Write the paragraphs for a node (children first, so each cites earlier steps); its reference."""
        if n.kind == "ref":
            return f"step {steps[n.ref]}" if n.ref in steps else f"`{n.atom}` (above)"
        if n.kind not in ("derived", "not_derived"):
            return _leaf(n)
        if n.id in steps:
            return f"step {steps[n.id]}"
        if (depth is not None and level > depth) or n.truncated or not n.rules:
            return n.text or "not expanded"
        parts = []
        for a in n.rules:
            conds = [(c, [step(ch, level + 1) for ch in c.children]) for c in a.conditions]
            parts.append(_paragraph(n, a, conds))
        steps[n.id] = len(steps) + 1
        paras.append(f"**Step {steps[n.id]}.** " + " ".join(parts))
        return f"step {steps[n.id]}"

    step(expl.root, 0)
    out.append("")
    out.extend(p + "\n" for p in paras)
    return "\n".join(out).rstrip() + "\n"


def _leaf(n: Node) -> str:
    """Where a fact came from (the atom itself is already in the sentence)."""
    o = n.origin or {}
    if n.kind == "scenario_fact":
        return f"stated by the scenario: {o.get('what', '')}, {o.get('where', '')}"
    if n.kind == "policy_fact":
        cite = f"; {cite_words(o['cite'])}" if o.get("cite") else ""
        return f"a policy fact at {o.get('where', '')}{cite}"
    if n.kind == "engine_fact":
        return n.text
    if n.kind == "absent":
        return "nothing establishes it"
    return n.text


def _paragraph(n: Node, a: Application, conds: list[tuple[Condition, list[str]]]) -> str:
    where = ", ".join(b.words.split(", from ")[0] for b in a.bindings)
    head = f"Rule `{a.rule}` ({cite_words(a.cite)}; {a.source_text()}): {a.text}"
    if a.status == "fired":
        held = []
        for c, refs in conds:
            if c.kind == "not":
                held.append(f"`{c.detail.removeprefix('not ')}` does not hold")
            elif c.kind == "comparison":
                held.append(f"{c.detail}")
            else:
                held.append(f"`{c.detail}`" + (f" ({'; '.join(refs)})" if refs else ""))
        return (f"{head} It concludes `{n.atom}`" + (f" with {where}" if where else "")
                + " because " + "; ".join(held) + ".")
    ok = [f"`{c.detail}`" for c, _ in conds if c.status == "ok"]
    failed = [(c, refs) for c, refs in conds if c.status == "failed"]
    text = f"{head} It could have concluded `{n.atom}`" + (f" (with {where})" if where else "")
    if ok:
        text += ", and " + ", ".join(ok) + " held"
    for c, refs in failed:
        label = "the first condition that failed" if c.first_failed else "another condition that failed"
        why = f" ({'; '.join(refs)})" if refs else ""
        text += f"; but {label} is `{c.literal}`: `{c.detail}`{why}"
    return text + "."
