"""What changed between two evaluations: per transaction, each verdict field that
differs, from what to what.

Verdicts are compared as flattened verdict JSON (`exceptions.LPP.available`,
`allocation.used_tpp`), so a field the verdict gains is compared with no change
here.  The failed-condition texts of an unavailable exception are left out: the
`available` flag beside them already says whether it changed.
"""

from __future__ import annotations

from typing import Any

_SKIP = {"explanation", "failed"}


def flatten(v: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(v, dict):
        for k, x in v.items():
            if k in _SKIP:
                continue
            out.update(flatten(x, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(v, list):
        out[prefix] = [x["rule"] if isinstance(x, dict) and "rule" in x else x for x in v]
    else:
        out[prefix] = v
    return out


def diff_verdicts(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """[{transaction, status: changed|unchanged|added|removed, fields: [{field, before, after}]}]."""
    out = []
    for t in [*before, *(t for t in after if t not in before)]:
        if t not in after:
            out.append({"transaction": t, "status": "removed", "fields": []})
            continue
        if t not in before:
            out.append({"transaction": t, "status": "added", "fields": [],
                        "outcome": after[t].get("outcome")})
            continue
        a, b = flatten(before[t]), flatten(after[t])
        fields = [{"field": k, "before": a.get(k), "after": b.get(k)}
                  for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k)]
        out.append({"transaction": t, "status": "changed" if fields else "unchanged", "fields": fields})
    return out


def show_scalar(v: Any) -> str | None:
    """A verdict value in the words the answers use (none, yes/no, 1,000), or None
    when it is not a scalar; shared by `what if` and the other questions."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, (dict, list)):
        return None
    return str(v)


def show_value(v: Any) -> str:
    """A flattened verdict value in full (never cut short), as `what if` prints it."""
    if isinstance(v, list):
        return "[" + ", ".join(show_value(x) for x in v) + "]"
    scalar = show_scalar(v)
    return scalar if scalar is not None else str(v)


_show = show_value


def render_diff(changes: list[dict[str, Any]]) -> str:
    lines = []
    for c in changes:
        t = c["transaction"]
        if c["status"] == "unchanged":
            continue
        if c["status"] == "added":
            lines.append(f"{t}: new transaction; outcome {c['outcome']}")
        elif c["status"] == "removed":
            lines.append(f"{t}: no longer in the scenario")
        else:
            lines.append(f"{t}:")
            width = max(len(f["field"]) for f in c["fields"])
            lines.extend(f"  {f['field']:<{width}}  {_show(f['before'])} -> {_show(f['after'])}" for f in c["fields"])
    same = [c["transaction"] for c in changes if c["status"] == "unchanged"]
    if same:
        lines.append(f"no change: {', '.join(same)}")
    return "\n".join(lines)
