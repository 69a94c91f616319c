"""Shared fixtures: a baseline scenario each provision test changes one fact of."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import earlog

BASE: dict[str, Any] = {
    "parties": [
        {"id": "buyer", "hq": "BR", "located": "BR"},
    ],
    "items": [
        {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"},
    ],
    "transactions": [
        {"id": "t1", "kind": "export", "item": "h100", "quantity": 10, "from": "US", "to": "BR",
         "consignee": "buyer", "end_user": "buyer", "end_use": "inference", "date": "2025-06-01"},
    ],
}


def scenario(**changes: Any) -> dict[str, Any]:
    """The baseline with top-level fields replaced, and `tx`/`party`/`item` merged into the first entry."""
    s = copy.deepcopy(BASE)
    for key in ("tx", "party", "item"):
        if key in changes:
            target = {"tx": "transactions", "party": "parties", "item": "items"}[key]
            s[target][0].update(changes.pop(key))
    s.update(changes)
    return s


def verdict(s: dict[str, Any], tx: str = "t1") -> dict[str, Any]:
    for v in earlog.evaluate(s):
        if v.transaction == tx:
            return v.to_json()
    raise KeyError(tx)


@pytest.fixture
def base() -> dict[str, Any]:
    return scenario()
