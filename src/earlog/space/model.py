"""A space of scenarios: one deal at its centre and dimensions that vary its facts.

A dimension names a field of the deal in the scenario vocabulary (`destination`,
`consignee.hq`, `item.tpp`, `assume.cyprus_in_d5`, ...) and lists its values.  A
value changes the JSON-shaped scenario dict exactly as a `what if` would; the
generator (space/program.py) turns the facts each value gives into choice rules.
Nothing here knows the law: a `tier N` value is resolved to representative
countries by asking the policy which countries it puts in tier N (tiers.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from earlog.errors import InputError

# dimension path -> what it varies, for error messages and docs
DIMENSIONS: dict[str, str] = {
    "destination": "the country the items go to (the consignee and end user are located there)",
    "origin": "the country the items leave from",
    "ultimate_destination": "where the items are ultimately destined (ACM), or none",
    "kind": "the kind of transaction (export, reexport, in_country_transfer, ...)",
    "end_use": "the end use",
    "date": "the date of the shipment",
    "quantity": "the number of items",
    "item": "the item's ECCN",
    "item.eccn": "the item's ECCN",
    "item.tpp": "the item's TPP",
    "item.datacenter": "whether the item is designed or marketed for use in a datacenter",
    "item.designer": "the item's IC designer status",
    "consignee.hq": "where the consignee is headquartered",
    "consignee.parent": "where the consignee's ultimate parent is headquartered (or none)",
    "ownership_depth": "how many owners stand between the consignee and its ultimate parent plus one",
    "consignee.government_controlled": "whether a government controls the consignee",
    "consignee.distributor": "whether the consignee is a distributor",
    "consignee.veu": "the consignee's VEU status (located at every destination of the space)",
    "end_user.hq": "where a separate end user is headquartered",
}
# dimensions whose values are numbers: the smallest change reports how far they moved
NUMERIC = {"quantity", "item.tpp", "date"}
USED_PREFIX = "used."  # used.<chain>: the amount already counted in a running total
ASSUME_PREFIX = "assume."


@dataclass(frozen=True)
class Value:
    """One value of a dimension: what is written, what it means, how it is shown."""

    raw: Any  # a country code, a number, a word, True/False, None
    label: str  # "BR", "Tier 2 (AD)", "none", "1,699"
    tier: int | None = None  # for a country chosen to stand for a tier
    number: int | None = None  # for a numeric dimension


@dataclass
class Dimension:
    path: str
    values: list[Value]

    @property
    def numeric(self) -> bool:
        return self.path in NUMERIC or self.path.startswith(USED_PREFIX)


@dataclass
class Space:
    """A centre deal (a scenario dict with its transaction `tx`) and dimensions."""

    name: str
    data: dict[str, Any]
    tx: str
    dims: list[Dimension] = field(default_factory=list)
    # chain -> the amount already counted before the deal (what the engine's running
    # totals give it in its own scenario); a `used.<chain>` dimension varies it
    used: dict[str, int] = field(default_factory=dict)

    def size(self) -> int:
        n = 1
        for d in self.dims:
            n *= len(d.values)
        return n

    def dim(self, path: str) -> Dimension | None:
        return next((d for d in self.dims if d.path == path), None)

    def transaction(self, data: dict[str, Any] | None = None) -> dict[str, Any]:
        data = self.data if data is None else data
        return next(t for t in data["transactions"] if t["id"] == self.tx)

    def current(self, d: Dimension) -> int | None:
        """The index of the centre deal's own value of a dimension (None if not listed)."""
        now = read(self, d.path)
        for i, v in enumerate(d.values):
            if v.raw == now:
                return i
        return None


def check_path(path: str, where: str = "space") -> None:
    if path in DIMENSIONS or path.startswith(USED_PREFIX) or path.startswith(ASSUME_PREFIX):
        return
    import difflib

    close = difflib.get_close_matches(path, list(DIMENSIONS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise InputError(where, f"no dimension named {path!r}{hint}; dimensions: {', '.join(DIMENSIONS)}, "
                            "used.<chain>, assume.<question>")


def _party(data: dict[str, Any], pid: str) -> dict[str, Any]:
    for p in data["parties"]:
        if p["id"] == pid:
            return p
    raise InputError("space", f"the deal names a party {pid!r} that is not declared")


def _item(data: dict[str, Any], iid: str) -> dict[str, Any]:
    for i in data["items"]:
        if i["id"] == iid:
            return i
    raise InputError("space", f"the deal names an item {iid!r} that is not declared")


def parent_id(consignee: str) -> str:
    return f"{consignee} ultimate parent"


def holding_id(consignee: str, k: int) -> str:
    return f"{consignee} holding {k}"


def read(space: Space, path: str) -> Any:
    """The centre deal's value of a dimension (for the smallest change: what it is now)."""
    data = space.data
    t = space.transaction()
    if path == "destination":
        return t["to"]
    if path == "origin":
        return t["from"]
    if path in ("kind", "end_use", "date", "quantity", "ultimate_destination"):
        return t.get(path)
    if path in ("item", "item.eccn"):
        return _item(data, t["item"]).get("eccn")
    if path.startswith("item."):
        return _item(data, t["item"]).get(path[5:], False if path == "item.datacenter" else None)
    if path.startswith("consignee."):
        p = _party(data, t["consignee"])
        key = path.split(".", 1)[1]
        if key == "parent":
            top = _ultimate(data, p)
            return None if top is p else top.get("hq")
        if key in ("distributor", "government_controlled"):
            return p.get(key, False)
        return p.get(key)
    if path == "end_user.hq":
        return _party(data, t.get("end_user") or t["consignee"]).get("hq")
    if path == "ownership_depth":
        p = _party(data, t["consignee"])
        depth = 0
        while p.get("parent"):
            p = _party(data, p["parent"])
            depth += 1
        return max(depth, 1)
    if path.startswith(ASSUME_PREFIX):
        return data.get("assume", {}).get(path[len(ASSUME_PREFIX):])
    return None


def _ultimate(data: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    seen = set()
    while p.get("parent") and p["id"] not in seen:
        seen.add(p["id"])
        p = _party(data, p["parent"])
    return p


def apply(space: Space, data: dict[str, Any], path: str, v: Value, others: dict[str, Value]) -> None:
    """Change the scenario dict as the value says (in place).  `others`: the values of
    the other dimensions in the same scenario (a VEU's locations follow the space's
    destinations; a parent chain's depth follows ownership_depth)."""
    t = space.transaction(data)
    raw = v.raw
    if path == "destination":
        t["to"] = raw
        for pid in {t["consignee"], t.get("end_user") or t["consignee"]}:
            _party(data, pid)["located"] = raw
    elif path == "origin":
        t["from"] = raw
    elif path in ("kind", "end_use", "date", "quantity"):
        t[path] = raw
    elif path == "ultimate_destination":
        if raw is None:
            t.pop(path, None)
        else:
            t[path] = raw
    elif path in ("item", "item.eccn"):
        _item(data, t["item"])["eccn"] = raw
    elif path.startswith("item."):
        _item(data, t["item"])[path[5:]] = raw
    elif path == "consignee.hq":
        _party(data, t["consignee"])["hq"] = raw
    elif path == "end_user.hq":
        _party(data, t.get("end_user") or t["consignee"])["hq"] = raw
    elif path in ("consignee.parent", "ownership_depth"):
        _set_parent_chain(space, data, path, v, others)
    elif path in ("consignee.government_controlled", "consignee.distributor"):
        _party(data, t["consignee"])[path.split(".", 1)[1]] = raw
    elif path == "consignee.veu":
        p = _party(data, t["consignee"])
        if raw is None:
            p["veu"] = None
        else:
            dest = space.dim("destination")
            locations = sorted({x.raw for x in dest.values}) if dest else [t["to"]]
            p["veu"] = {"type": raw, "locations": locations}
    elif path.startswith(ASSUME_PREFIX):
        data.setdefault("assume", {})[path[len(ASSUME_PREFIX):]] = raw
    # used.<chain> changes no scenario field: the generator enters the amount itself


def _set_parent_chain(space: Space, data: dict[str, Any], path: str, v: Value, others: dict[str, Value]) -> None:
    """consignee -> holding 1 -> ... -> ultimate parent, the top headquartered as chosen."""
    t = space.transaction(data)
    c = _party(data, t["consignee"])
    if path == "consignee.parent":
        hq, depth_v = v.raw, others.get("ownership_depth")
        depth = depth_v.raw if depth_v is not None else 1
    else:
        parent_v = others.get("consignee.parent")
        hq = parent_v.raw if parent_v is not None else read(space, "consignee.parent")
        depth = v.raw
    # the centre deal's own chain is replaced by the chosen one
    chain_ids = {parent_id(c["id"])} | {holding_id(c["id"], k) for k in range(1, 10)}
    data["parties"] = [p for p in data["parties"] if p["id"] not in chain_ids]
    if hq is None:
        c.pop("parent", None)
        return
    below = c
    for k in range(1, depth):
        mid = {"id": holding_id(c["id"], k), "hq": c["hq"], "located": c.get("located") or c["hq"]}
        data["parties"].append(mid)
        below["parent"] = mid["id"]
        below = mid
    data["parties"].append({"id": parent_id(c["id"]), "hq": hq, "located": hq})
    below["parent"] = parent_id(c["id"])


def scenario_dict(space: Space, picks: dict[str, Value]) -> dict[str, Any]:
    """The centre deal with each dimension set to the picked value."""
    data = copy.deepcopy(space.data)
    for d in space.dims:
        if d.path in picks:
            apply(space, data, d.path, picks[d.path], picks)
    return data
