"""An explanation as a tree for the terminal: rich when printing to a terminal,
plain text (the same lines) otherwise, so it pastes and diffs cleanly.

Each conclusion shows the rule that derived it (or, for why-not, each rule that
could have) with its citation, its text and its bindings, then its conditions
in order: ✓ held, ✗ failed (FIRST FAILED marks where the rule stopped), · not
evaluated.  A conclusion already shown is referred to by its number (#3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from earlog.explain.citations import cite_words
from earlog.explain.model import Application, Condition, Explanation, Node

MARK = {"ok": "✓", "failed": "✗", "not_evaluated": "·"}


@dataclass
class Line:
    """One line of the display tree and the lines under it."""

    text: str
    children: list[Line] = field(default_factory=list)
    style: str = ""


def display_tree(expl: Explanation, depth: int | None = None) -> Line:
    """The explanation as nested lines; `depth` cuts it after that many rule levels."""
    q = "why" if expl.question == "why" else "why not"
    verdict = "holds" if expl.holds else "does not hold"
    root = Line(f"{q} {expl.atom}: it {verdict}", style="bold")
    root.children = _node_body(expl.root, depth)
    return root


def _node_label(n: Node) -> str:
    if n.kind == "ref":
        return f"{n.atom} (shown above, #{n.ref.lstrip('n')})" if n.ref else n.atom
    tag = f"#{n.id.lstrip('n')} " if n.kind in ("derived", "not_derived") else ""
    return f"{tag}{n.atom}"


def _leaf_text(n: Node) -> str:
    o = n.origin or {}
    if n.kind == "scenario_fact":
        return f"scenario: {o.get('what', '')} at {o.get('where', '')}".rstrip(" at")
    if n.kind == "policy_fact":
        cite = f" [{cite_words(o['cite'])}]" if o.get("cite") else ""
        return f"policy fact at {o.get('where', '')}{cite}"
    if n.kind == "engine_fact":
        return n.text
    if n.kind == "absent":
        return f"nothing derives it (expand: {n.expand})"
    return n.text


def _node_body(n: Node, depth: int | None) -> list[Line]:
    """The lines under a node: its rule applications, or where a leaf came from."""
    if n.kind == "ref":
        return []
    if n.kind in ("derived", "not_derived"):
        if n.truncated or (depth is not None and depth <= 0):
            what = f"{n.text} " if n.text else ""
            return [Line(f"… {what}(not expanded here)", style="dim")]
        if not n.rules:
            return [Line(n.text, style="dim")] if n.text else []
        nxt = None if depth is None else depth - 1
        return [_application(a, nxt) for a in n.rules]
    text = _leaf_text(n)
    return [Line(text, style="dim")] if text else []


def _application(a: Application, depth: int | None) -> Line:
    status = "" if a.status == "fired" else " — did not fire"
    line = Line(f"[{a.rule}] {cite_words(a.cite)}{status}", style="cyan" if a.status == "fired" else "yellow")
    line.children.append(Line(a.text, style="italic"))
    if a.bindings:
        line.children.append(Line("where " + "; ".join(b.words for b in a.bindings), style="dim"))
    for c in a.conditions:
        line.children.append(_condition(c, depth))
    return line


def _condition(c: Condition, depth: int | None) -> Line:
    flag = "  FIRST FAILED" if c.first_failed else ""
    style = {"ok": "green", "failed": "red", "not_evaluated": "dim"}.get(c.status, "")
    detail = c.detail if c.status != "not_evaluated" else f"{c.literal} (not evaluated)"
    if c.kind == "comparison" and c.status != "not_evaluated":
        detail = f"{detail}   ({c.literal})"
    line = Line(f"{MARK.get(c.status, '?')} {detail}{flag}", style=style)
    for ch in c.children:
        if ch.atom == c.detail and ch.kind not in ("ref",):
            # the child is this very atom: show what established it right here
            if ch.kind in ("derived", "not_derived"):
                line.text += f"  #{ch.id.lstrip('n')}"
            line.children.extend(_node_body(ch, depth))
        elif ch.kind == "ref" and ch.atom == c.detail:
            line.text += f"  (shown above, #{ch.ref.lstrip('n')})" if ch.ref else ""
        elif c.kind == "not" and ch.kind == "absent":
            line.children.append(Line(_leaf_text(ch), style="dim"))
        else:
            if ch.text.startswith("instead"):
                sub = Line("instead: " + _node_label(ch), style="yellow")
            else:
                sub = Line(_node_label(ch) + (f" — {ch.text}" if ch.text and ch.kind != "derived" else ""))
            sub.children = _node_body(ch, depth) if ch.kind != "ref" else []
            line.children.append(sub)
    return line


def render_plain(expl: Explanation, depth: int | None = None) -> str:
    """The tree as plain text with box-drawing guides."""
    root = display_tree(expl, depth)
    out = [root.text]

    def walk(lines: list[Line], prefix: str) -> None:
        for i, ln in enumerate(lines):
            last = i == len(lines) - 1
            out.append(f"{prefix}{'└── ' if last else '├── '}{ln.text}")
            walk(ln.children, prefix + ("    " if last else "│   "))

    walk(root.children, "")
    return "\n".join(out)


def render_rich(expl: Explanation, depth: int | None = None):
    """The tree as a rich Tree (printed by the CLI when stdout is a terminal)."""
    from rich.text import Text
    from rich.tree import Tree

    root = display_tree(expl, depth)
    tree = Tree(Text(root.text, style=root.style))

    def walk(lines: list[Line], parent: Tree) -> None:
        for ln in lines:
            walk(ln.children, parent.add(Text(ln.text, style=ln.style)))

    walk(root.children, tree)
    return tree
