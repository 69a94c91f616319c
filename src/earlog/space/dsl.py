"""The language side of spaces: `space`, `find`, `check`, `diff` and `-- smallest change`.

Parse trees become the nodes below (parser.py hands the subtrees here), and
`resolve_space` turns a space declaration into a model Space (space/model.py)
against the deal it is centred on and the policy: every name and value is
checked before anything is solved, and errors point at the text.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

from earlog.dsl.errors import DslError, did_you_mean
from earlog.dsl.nodes import Name, Span, Value
from earlog.engine.policy import Policy
from earlog.errors import InputError
from earlog.space.model import ASSUME_PREFIX, DIMENSIONS, USED_PREFIX, Dimension, Space, read
from earlog.space.model import Value as DimValue


@dataclass
class DimValueNode:
    kind: str  # tier | range | all | plain
    span: Span
    tier: int | None = None
    tier_set: str | None = None  # None: the first country of the tier; "each": one per country-group profile
    lo: int | None = None
    hi: int | None = None
    step: int | None = None
    value: Value | None = None


@dataclass
class DimNode:
    path: list[Name]
    values: list[DimValueNode] | None
    span: Span

    @property
    def name(self) -> str:
        return ".".join(n.text for n in self.path)


@dataclass
class SpaceDecl:
    name: Name
    around: Name | None
    extends: Name | None
    dims: list[DimNode]
    span: Span
    vary: int = 0  # how many of the dimensions were written after `vary`
    is_space: bool = True


@dataclass
class CondNode:
    """A written condition: kind is implies / and / or / not (with args), or exception /
    veu / field (with the name, and for a field its value as written)."""

    kind: str
    args: list[CondNode] = field(default_factory=list)
    name: Name | None = None
    value: str | None = None
    number: bool = False


@dataclass
class Search:
    """find / check / diff, or the smallest change of a why question."""

    kind: str
    space: Name | None = None
    cond: CondNode | None = None
    limit: int | None = None
    changes: list[Any] = field(default_factory=list)
    varying: list[DimNode] = field(default_factory=list)


# --- parse trees -> nodes ------------------------------------------------------------

def space_node(b: Any, t: Tree) -> SpaceDecl:
    name = b.name(t.children[0])
    base = t.children[1]
    around = b.name(base.children[0]) if base.data == "around" else None
    extends = b.name(base.children[0]) if base.data == "extends" else None
    # `around deal vary quantity, consignee.hq`: dimensions with their default values
    vary = [DimNode([b.name(n) for n in p.children], None, b.span(p)) for p in base.children[1:]]
    dims = vary + [_dim(b, d) for d in t.children[2:]]
    return SpaceDecl(name, around, extends, dims, b.span(t), vary=len(vary))


def _dim(b: Any, t: Tree) -> DimNode:
    path = [b.name(n) for n in t.children[0].children]
    values = None
    if len(t.children) > 1:
        values = [_dim_value(b, v) for v in t.children[1].children]
    return DimNode(path, values, b.span(t))


def _dim_value(b: Any, t: Tree) -> DimValueNode:
    from earlog.dsl.parser import _number

    sp = b.span(t)
    if t.data == "dim_tier":
        n = _number(t.children[0], b.file, b.text)
        tier_set = str(t.children[1]) if len(t.children) > 1 else None
        return DimValueNode("tier", sp, tier=int(n), tier_set=tier_set)
    if t.data == "dim_range":
        lo, hi, step = (int(_number(c, b.file, b.text)) for c in t.children)
        if step <= 0 or hi < lo:
            raise DslError(b.file, b.text, sp, f"a range needs low <= high and a positive step, got {lo}..{hi} "
                           f"step {step}")
        if (hi - lo) // step + 1 > 100_000:
            raise DslError(b.file, b.text, sp, "a range may list at most 100,000 values")
        return DimValueNode("range", sp, lo=lo, hi=hi, step=step)
    if t.data == "dim_all":
        return DimValueNode("all", sp)
    return DimValueNode("plain", sp, value=b.value(t.children[0]))


def search_node(b: Any, t: Tree) -> Search:
    k = str(t.data)
    ch = list(t.children)
    space = b.name(ch[0])
    if k == "find":
        limit = int(str(ch[2]).replace(",", "").replace("_", "")) if len(ch) > 2 else None
        return Search("find", space, cond_node(b, ch[1]), limit)
    if k == "check":
        return Search("check", space, cond_node(b, ch[1]))
    return Search("diff", space, changes=[b.change(c) for c in ch[1].children])


def smallest_node(b: Any, t: Tree) -> Search:
    return Search("smallest", varying=[DimNode([b.name(n) for n in p.children], None, b.span(p)) for p in t.children])


def cond_node(b: Any, t: Tree | Token) -> CondNode:
    k = t.data
    if k == "c_implies":
        return CondNode("implies", [cond_node(b, t.children[0]), cond_node(b, t.children[1])])
    if k in ("c_or", "c_and"):
        args = [cond_node(b, c) for c in t.children]
        return args[0] if len(args) == 1 else CondNode(k[2:], args)
    if k == "c_not":
        return CondNode("not", [cond_node(b, t.children[0])])
    if k in ("ca_exception", "ca_veu"):
        return CondNode(k[3:], name=b.name(t.children[0]))
    if k == "ca_field":
        tok = t.children[1] if len(t.children) > 1 else None
        return CondNode("field", name=b.name(t.children[0]), value=None if tok is None else str(tok),
                        number=tok is not None and tok.type == "NUMBER")
    return cond_node(b, t.children[0])  # a parenthesised condition


# --- nodes -> model ---------------------------------------------------------------------

def build_cond(node: CondNode, policy: Policy, file: str, text: str) -> Any:
    """The condition (space/condition.py) a node names, every name checked against the policy."""
    from earlog.space import condition as C

    k = node.kind
    if k == "implies":
        return C.Implies(build_cond(node.args[0], policy, file, text), build_cond(node.args[1], policy, file, text))
    if k in ("and", "or"):
        args = tuple(build_cond(n, policy, file, text) for n in node.args)
        return C.And(args) if k == "and" else C.Or(args)
    if k == "not":
        return C.Not(build_cond(node.args[0], policy, file, text))
    name = node.name
    value: str | int | None = None
    if k == "field" and node.value is not None:
        value = int(node.value.replace(",", "").replace("_", "")) if node.number else node.value
    try:
        return C.atom(policy, k, name.text, value)
    except InputError as e:
        raise DslError(file, text, name.span, e.message) from None


def resolve_space(decl: SpaceDecl, data: dict[str, Any], known: dict[str, Space], policy: Policy,
                  file: str, text: str) -> Space:
    """A model Space from its declaration and the scenario declared above it."""
    def err(span: Span, msg: str) -> DslError:
        return DslError(file, text, span, msg)

    if decl.extends is not None:
        base = known.get(decl.extends.text)
        if base is None:
            hint = did_you_mean(decl.extends.text, known)
            raise err(decl.extends.span, f"no space named {decl.extends.text!r}{hint}; "
                      f"spaces: {', '.join(known) or 'none'}")
        space = Space(decl.name.text, copy.deepcopy(base.data), base.tx, list(base.dims), dict(base.used))
    else:
        txs = [t["id"] for t in data.get("transactions", [])]
        if decl.around.text not in txs:
            raise err(decl.around.span, f"no transaction named {decl.around.text!r}"
                      f"{did_you_mean(decl.around.text, txs)}; a space is centred on a declared transaction "
                      f"({', '.join(txs) or 'none declared'})")
        space = centre(data, decl.around.text, decl.name.text, policy)
    for d in decl.dims:
        for dim in dimensions(space, d, policy, file, text):
            space.dims = [x for x in space.dims if x.path != dim.path] + [dim]
    return space


def centre(data: dict[str, Any], tx: str, name: str, policy: Policy) -> Space:
    """A space's centre: the deal with its parties and item, and the running totals it
    starts from (what the engine's own chains give it in its scenario)."""
    t = next(x for x in data["transactions"] if x["id"] == tx)
    keep = {t["consignee"], t.get("end_user") or t["consignee"]}
    parties = {p["id"]: p for p in data.get("parties", [])}
    todo = list(keep)
    while todo:
        p = parties.get(todo.pop())
        if p and p.get("parent") and p["parent"] not in keep:
            keep.add(p["parent"])
            todo.append(p["parent"])
    out = {k: copy.deepcopy(v) for k, v in data.items() if k not in ("parties", "items", "transactions", "ledger")}
    out["parties"] = [copy.deepcopy(p) for p in data.get("parties", []) if p["id"] in keep]
    out["items"] = [copy.deepcopy(i) for i in data.get("items", []) if i["id"] == t["item"]]
    out["transactions"] = [copy.deepcopy(t)]
    out["ledger"] = []
    return Space(name, out, tx, [], _used(data, tx, policy))


def _used(data: dict[str, Any], tx: str, policy: Policy) -> dict[str, int]:
    """The amount each running total holds before the deal, read from the engine."""
    if len(data.get("transactions", [])) + len(data.get("ledger", [])) <= 1:
        return {}
    from clingo import String

    from earlog.engine import solve
    from earlog.engine.arith import to_int
    from earlog.scenario.json_input import scenario_from_dict
    from earlog.space.program import chain_totals

    totals = chain_totals(policy)
    ans = solve(scenario_from_dict(data), policy, shown=frozenset(totals.values()))
    out = {}
    for chain, pred in totals.items():
        for s in ans.get(pred):
            if s.arguments[0] == String(tx) and to_int(s.arguments[1]):
                out[chain] = to_int(s.arguments[1])
    return out


@functools.lru_cache(maxsize=8)
def _vocab(policy: Policy) -> Any:
    from earlog.engine import vocabulary

    return vocabulary(policy)


COUNTRY_DIMS = {"destination", "origin", "consignee.hq", "consignee.parent", "end_user.hq", "ultimate_destination"}
BOOL_DIMS = {"item.datacenter", "consignee.distributor"}


def dimensions(space: Space, d: DimNode, policy: Policy, file: str, text: str) -> list[Dimension]:
    """The dimensions a written one stands for (`interpretations` stands for one per question)."""
    path = d.name
    vocab = _vocab(policy)
    if path == "interpretations":
        if d.values and not (len(d.values) == 1 and d.values[0].kind == "all"):
            raise DslError(file, text, d.span, "write `interpretations: all` (or name one: `assume.QUESTION: [...]`)")
        return [_dimension(space, f"{ASSUME_PREFIX}{q}", None, policy, file, text, d.span)
                for q in vocab.interpretations]
    try:
        from earlog.space.model import check_path

        check_path(path)
    except InputError as e:
        raise DslError(file, text, d.path[0].span.to(d.path[-1].span), e.message) from None
    if path.startswith(ASSUME_PREFIX) and path[len(ASSUME_PREFIX):] not in vocab.interpretations:
        q = path[len(ASSUME_PREFIX):]
        raise DslError(file, text, d.path[-1].span, f"no interpretation named {q!r}"
                       f"{did_you_mean(q, vocab.interpretations)}; known: {', '.join(vocab.interpretations)}")
    return [_dimension(space, path, d.values, policy, file, text, d.span)]


def _dimension(space: Space, path: str, nodes: list[DimValueNode] | None, policy: Policy, file: str, text: str,
               span: Span) -> Dimension:
    values: list[DimValue] = []
    if nodes is None:
        values = default_values(space, path, policy)
    else:
        for n in nodes:
            values.extend(_values(space, path, n, policy, file, text))
    seen: set[Any] = set()
    unique = []
    for v in values:
        if v.raw not in seen:
            seen.add(v.raw)
            unique.append(v)
    if not unique:
        raise DslError(file, text, span, f"the dimension {path} has no values")
    return Dimension(path, unique)


def label(path: str, raw: Any) -> str:
    if raw is None:
        return "none"
    if raw is True:
        return "yes"
    if raw is False:
        return "no"
    if isinstance(raw, int) and not path == "ownership_depth":
        return f"{raw:,}"
    return str(raw)


def value_of(path: str, raw: Any, tier: int | None = None, lbl: str | None = None) -> DimValue:
    number = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif path == "date" and isinstance(raw, str):
        number = int(raw.replace("-", ""))
    return DimValue(raw, lbl or label(path, raw), tier, number)


def _values(space: Space, path: str, n: DimValueNode, policy: Policy, file: str, text: str) -> list[DimValue]:
    from earlog.scenario.model import END_USES, TRANSACTION_KINDS
    from earlog.space.tiers import country_classes

    def err(msg: str) -> DslError:
        return DslError(file, text, n.span, msg)

    vocab = _vocab(policy)
    if n.kind == "tier":
        if path not in COUNTRY_DIMS:
            raise err(f"`tier N` stands for countries; {path} does not take a country")
        classes = country_classes(policy)
        if n.tier not in classes:
            raise err(f"the policy puts no country in tier {n.tier}; tiers: {', '.join(map(str, sorted(classes)))}")
        reps = classes[n.tier] if n.tier_set else classes[n.tier][:1]
        out = []
        for code, groups in reps:
            g = ", ".join(f"{x[0].upper()}:{x[1:]}" for x in groups)
            lbl = f"Tier {n.tier} ({code}{': ' + g if n.tier_set and g else ''})"
            out.append(value_of(path, code, n.tier, lbl))
        return out
    if n.kind == "range":
        if path not in ("quantity", "item.tpp", "ownership_depth") and not path.startswith(USED_PREFIX):
            raise err(f"a range gives numbers; {path} does not take a number")
        return [value_of(path, k) for k in range(n.lo, n.hi + 1, n.step)]
    if n.kind == "all":
        if path in ("kind",):
            return [value_of(path, k) for k in TRANSACTION_KINDS]
        if path == "end_use":
            return [value_of(path, k) for k in END_USES]
        if path in ("item", "item.eccn"):
            return [value_of(path, e) for e in sorted(vocab.eccns)]
        if path in BOOL_DIMS or path == "consignee.government_controlled":
            return [value_of(path, False), value_of(path, True)]
        if path == "consignee.veu":
            return [value_of(path, None), value_of(path, "UVEU"), value_of(path, "NVEU")]
        if path == "item.designer":
            from earlog.scenario.model import DESIGNER_STATUSES

            return [value_of(path, k) for k in DESIGNER_STATUSES]
        if path.startswith(ASSUME_PREFIX):
            return [value_of(path, a) for a in vocab.interpretations[path[len(ASSUME_PREFIX):]]]
        if path in COUNTRY_DIMS:
            out = [value_of(path, None)] if path in ("consignee.parent", "ultimate_destination") else []
            return out + [value_of(path, c) for c in sorted(vocab.countries)]
        raise err(f"`all` is not defined for {path}; list its values")
    v = n.value
    raw: Any = v.raw
    if v.kind == "none":
        if path not in ("consignee.parent", "consignee.veu", "end_use", "ultimate_destination"):
            raise err(f"{path} cannot be none")
        return [value_of(path, None)]
    if path in COUNTRY_DIMS:
        if not isinstance(raw, str):
            raise err(f"{path} takes a country code (or `tier N`), got {v.text or raw!r}")
        code = raw.upper()
        if code not in vocab.countries:
            raise err(f"unknown country code {raw!r}{did_you_mean(code, vocab.countries)}")
        return [value_of(path, code)]
    if path in BOOL_DIMS:
        if v.kind != "bool":
            raise err(f"{path} takes yes or no")
        return [value_of(path, raw)]
    if path == "consignee.government_controlled":
        if v.kind == "bool":
            return [value_of(path, raw)]
        code = str(raw).upper()
        if code not in vocab.countries:
            raise err(f"{path} takes yes, no or the code of the controlling government")
        return [value_of(path, code)]
    if path in ("quantity", "item.tpp", "ownership_depth") or path.startswith(USED_PREFIX):
        if v.kind != "number" or not isinstance(raw, int) or raw < 0:
            raise err(f"{path} takes whole numbers of 0 or more")
        return [value_of(path, raw)]
    if path == "date":
        if v.kind != "date":
            raise err("date takes dates written YYYY-MM-DD")
        return [value_of(path, raw)]
    if path in ("item", "item.eccn"):
        if str(raw) not in vocab.eccns:
            raise err(f"the policy knows no ECCN {raw!r}{did_you_mean(str(raw), vocab.eccns)}")
        return [value_of(path, str(raw))]
    if path.startswith(ASSUME_PREFIX):
        alts = vocab.interpretations[path[len(ASSUME_PREFIX):]]
        if str(raw) not in alts:
            raise err(f"{path[len(ASSUME_PREFIX):]} has no alternative {raw!r}{did_you_mean(str(raw), alts)}; "
                      f"alternatives: {', '.join(alts)}")
        return [value_of(path, str(raw))]
    if path == "consignee.veu":
        if str(raw).upper() not in ("UVEU", "NVEU"):
            raise err("consignee.veu takes none, UVEU or NVEU")
        return [value_of(path, str(raw).upper())]
    return [value_of(path, raw)]  # kind, end_use, item.designer: the scenario reader checks them


def default_values(space: Space, path: str, policy: Policy) -> list[DimValue]:
    """The values a dimension takes when none are written (the neighbourhood of the
    centre deal that `-- smallest change` searches).  Quantities run from 1 to twice
    the deal's own; dates are the deal's own, and each date the policy's parameters
    name and the day before it (read from the policy's facts); countries are one
    representative of each tier."""
    from earlog.space.tiers import country_classes

    now = read(space, path)
    if path == "quantity":
        q = int(now or 0)
        return [value_of(path, k) for k in range(1, 2 * q + 1)]
    if path == "date":
        dates = {int(str(now).replace("-", ""))}
        for s in policy.data.get("param_default", ()):
            v = s.arguments[1]
            if s.arguments[0].name.endswith("_date") and v.type.name == "Number" and v.number > 19000101:
                dates.add(v.number)
                dates.add(_day_before(v.number))
        return [value_of(path, f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}") for d in sorted(dates)]
    if path in COUNTRY_DIMS:
        out = [value_of(path, None)] if path in ("consignee.parent", "ultimate_destination") else []
        classes = country_classes(policy)
        out += [value_of(path, reps[0][0], n, f"Tier {n} ({reps[0][0]})") for n, reps in sorted(classes.items())]
        if now is not None and now not in [v.raw for v in out]:
            out.append(value_of(path, now))
        return out
    if path == "ownership_depth":
        return [value_of(path, k) for k in (1, 2, 3)]
    if path.startswith(USED_PREFIX):
        return [value_of(path, space.used.get(path[len(USED_PREFIX):], 0))]
    node = DimValueNode("all", Span(1, 1, 1, 1))
    return _values(space, path, node, policy, "<defaults>", "")


def _day_before(d: int) -> int:
    import datetime

    day = datetime.date(d // 10000, d // 100 % 100, d % 100) - datetime.timedelta(days=1)
    return day.year * 10000 + day.month * 100 + day.day


def ensure_current(space: Space, dims: list[Dimension]) -> list[Dimension]:
    """Each dimension with the centre deal's own value among its values."""
    out = []
    for d in dims:
        now = read(space, d.path)
        if d.path.startswith(USED_PREFIX):
            now = space.used.get(d.path[len(USED_PREFIX):], 0)
        if not any(v.raw == now for v in d.values):
            d = Dimension(d.path, [*d.values, value_of(d.path, now)])
        out.append(d)
    return out


__all__ = ["DIMENSIONS", "DimNode", "Search", "SpaceDecl", "resolve_space"]


# --- the canonical layout (earlog fmt) ----------------------------------------------------

def format_space(decl: SpaceDecl) -> str:
    from earlog.dsl.formatter import name

    head = f"space {name(decl.name)} " + (f"around {name(decl.around)}" if decl.around is not None
                                           else f"extends {name(decl.extends)}")
    if decl.vary:
        head += " vary " + ", ".join(_format_dim(d) for d in decl.dims[:decl.vary])
    dims = [_format_dim(d) for d in decl.dims[decl.vary:]]
    one = f"{head} {{ {', '.join(dims)} }}" if dims else head
    if len(one) <= 100:
        return one
    return "\n".join([f"{head} {{", *(f"  {d}," for d in dims), "}"])


def _format_dim(d: DimNode) -> str:
    path = ".".join(n.text for n in d.path)
    if d.values is None:
        return path
    vals = [_format_value(v) for v in d.values]
    if len(vals) == 1 and d.values[0].kind in ("all", "range"):
        return f"{path}: {vals[0]}"
    return f"{path}: [{', '.join(vals)}]"


def _format_value(v: DimValueNode) -> str:
    from earlog.dsl.formatter import value

    if v.kind == "tier":
        return f"tier {v.tier}" + (f" {v.tier_set}" if v.tier_set else "")
    if v.kind == "range":
        return f"{v.lo}..{v.hi} step {v.step}"
    if v.kind == "all":
        return "all"
    return value(v.value)


_PREC = {"implies": 0, "or": 1, "and": 2, "not": 3}


def format_cond(node: CondNode, outer: int = 0) -> str:
    from earlog.dsl.formatter import name

    k = node.kind
    if k in ("exception", "veu"):
        return f"{k} {name(node.name)} available"
    if k == "field":
        return name(node.name) + (f" = {node.value}" if node.value is not None else "")
    if k == "not":
        text = f"not {format_cond(node.args[0], _PREC['not'])}"
    elif k == "implies":
        text = f"{format_cond(node.args[0], 1)} implies {format_cond(node.args[1], 1)}"
    else:
        text = f" {k} ".join(format_cond(x, _PREC[k] + 1) for x in node.args)
    return f"({text})" if _PREC[k] < outer else text


def format_question(q: Any) -> str:
    from earlog.dsl.formatter import change, conclusion, name

    s: Search = q.search
    if s.kind == "smallest":
        varying = (" varying " + ", ".join(".".join(n.text for n in d.path) for d in s.varying)) if s.varying else ""
        return f"{'why not' if q.kind == 'why_not' else 'why'} {conclusion(q.conclusion)} -- smallest change{varying}"
    if s.kind == "find":
        return f"find in {name(s.space)} where {format_cond(s.cond)}" + (f" limit {s.limit}" if s.limit else "")
    if s.kind == "check":
        return f"check in {name(s.space)}: {format_cond(s.cond)}"
    return f"diff in {name(s.space)} with " + ", ".join(change(c) for c in s.changes)
