"""A scenario of a space written as a ready-to-run .earlog snippet.

Every name is written as a bare word only when the lexer would read it back as
the same name (and it is no keyword); otherwise it is a quoted string with its
quotes and backslashes escaped, so a hostile name stays a name.
"""

from __future__ import annotations

import re
from typing import Any

from earlog.space.model import Space, Value

_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ECCN = re.compile(r"^\d[A-Z]\d{3}(\.[a-z0-9]+)*$")
_TX_KEYS = ("kind", "quantity", "item", "from", "to")


def _keywords() -> set[str]:
    from earlog.dsl.parser import word_keywords

    return word_keywords()


def name(s: str) -> str:
    if _BARE.match(s) and s not in _keywords():
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def value(v: Any) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if v is None:
        return "none"
    if isinstance(v, int):
        return f"{v:_}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k}: {value(x)}" for k, x in v.items()) + " }"
    s = str(v)
    if _DATE.match(s) or _ECCN.match(s):
        return s
    return name(s)


def _fields(d: dict[str, Any], skip: tuple[str, ...] = ("id",)) -> str:
    return ", ".join(f"{k}: {value(v)}" for k, v in d.items() if k not in skip and v is not None)


def snippet(data: dict[str, Any], space: Space, picks: dict[str, Value], title: str) -> str:
    lines = [f"# {title}", f"# space {space.name}: " + "; ".join(f"{k} = {v.label}" for k, v in picks.items())]
    used = {k: v for k, v in picks.items() if k.startswith("used.")}
    for chain, amount in space.used.items():
        lines.append(f"# the deal's {chain} total before it: {amount:,} (from the centre deal's own ledger)")
    for k, v in used.items():
        lines.append(f"# assumes {k[5:]} already used before this deal: {v.label} "
                     "(add ledger entries to reproduce it)")
    for q, a in data.get("assume", {}).items():
        lines.append(f"assume {q} = {a}")
    for p, v in data.get("parameters", {}).items():
        lines.append(f"parameter {p} = {value(v)}")
    for c, ov in data.get("countries", {}).items():
        lines.append(f"country {c} {{ {_fields(ov, ())} }}")
    for p in data["parties"]:
        lines.append(f"party {name(p['id'])} {{ {_fields(p)} }}")
    for it in data["items"]:
        lines.append(f"item {name(it['id'])} {{ {_fields(it)} }}")
    for kind, coll in (("ledger", "ledger"), ("transaction", "transactions")):
        for t in data.get(coll, []):
            head = f"{name(t['kind'])} {value(t['quantity'])} {name(t['item'])} from {t['from']} to {t['to']}"
            rest = _fields(t, ("id", *_TX_KEYS))
            lines.append(f"{kind} {name(t['id'])} {{ {head}{', ' + rest if rest else ''} }}")
    lines.append(f"ask {name(space.tx)}")
    return "\n".join(lines) + "\n"
