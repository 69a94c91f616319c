"""An explanation as a Graphviz graph: conclusions as boxes, rules as ellipses
with their citation, facts as notes; a conclusion shown once has one box however
many rules use it.  DOT comes from the `graphviz` package; SVG needs the `dot`
program (Graphviz), which earlog reports clearly when it is missing."""

from __future__ import annotations

import shutil

import graphviz

from earlog.errors import EarlogError
from earlog.explain.model import Explanation, Node

_FILL = {"derived": "#e8f4e8", "not_derived": "#fbe9e7", "scenario_fact": "#e3f2fd",
         "policy_fact": "#fff8e1", "engine_fact": "#f3e5f5", "absent": "#eeeeee", "fact": "#ffffff"}
_STATUS_COLOR = {"ok": "#2e7d32", "failed": "#c62828", "not_evaluated": "#9e9e9e"}


def _wrap(text: str, width: int = 48) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def to_graph(expl: Explanation, depth: int | None = None) -> graphviz.Digraph:
    g = graphviz.Digraph("explanation", graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    done: set[str] = set()
    counter = [0]

    def node(n: Node, level: int) -> str:
        if n.kind == "ref" and n.ref:
            return n.ref
        if n.id in done:
            return n.id
        done.add(n.id)
        o = n.origin or {}
        label = n.atom
        if o.get("where"):
            label += f"\n{o['where']}"
        if n.kind in ("absent",):
            label = f"not {n.atom}"
        shape = "box" if n.kind in ("derived", "not_derived") else "note"
        style = "filled,dashed" if not n.holds else "filled"
        g.node(n.id, _wrap(label, 60), shape=shape, style=style, fillcolor=_FILL.get(n.kind, "#ffffff"))
        if depth is not None and level >= depth:
            return n.id
        for a in n.rules:
            counter[0] += 1
            rid = f"r{counter[0]}"
            g.node(rid, _wrap(f"{a.rule}\n{a.cite}", 48), shape="ellipse",
                   color="#1565c0" if a.status == "fired" else "#c62828")
            g.edge(rid, n.id, label="derives" if a.status == "fired" else "could derive")
            for c in a.conditions:
                color = _STATUS_COLOR.get(c.status, "#000000")
                mark = {"ok": "✓", "failed": "✗", "not_evaluated": "·"}.get(c.status, "")
                first = " (first failed)" if c.first_failed else ""
                if c.children:
                    for ch in c.children:
                        g.edge(node(ch, level + 1), rid, label=_wrap(f"{mark} {c.detail}{first}", 40), color=color)
                else:
                    counter[0] += 1
                    cid = f"c{counter[0]}"
                    g.node(cid, _wrap(f"{mark} {c.detail}{first}", 48), shape="plaintext", fontcolor=color)
                    g.edge(cid, rid, color=color)
        return n.id

    node(expl.root, 0)
    return g


def render_dot(expl: Explanation, depth: int | None = None) -> str:
    return to_graph(expl, depth).source


def render_svg(expl: Explanation, depth: int | None = None) -> bytes:
    if shutil.which("dot") is None:
        raise EarlogError("SVG needs the Graphviz program `dot`, which is not installed "
                          "(install Graphviz, e.g. `apt-get install graphviz`), or use --format dot")
    return to_graph(expl, depth).pipe(format="svg")
