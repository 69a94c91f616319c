"""A variant's verdict built from its atoms (engine/keyed.py `_build`), made cheaper.

`_build` used to merge a batch's atoms about no key into the static ones once per variant, and
to walk every leaf of the verdict's JSON for the markers the fold fills.  The merge is now made
once per batch (`_with_no_key`, shared read-only by the batch's variants) and the walk keeps only
the strings starting with \\x01 (`_marked_leaves`).  These tests check both against the former
code, and that no variant's own atoms reach the shared lists.
"""

from __future__ import annotations

from typing import Any

from clingo import Function, Number, String

from earlog.engine import keyed
from earlog.engine.keyed import _extended, _marked_leaves, _with_no_key


def _leaves(value: Any, path: tuple[Any, ...]):
    """The former walk: every leaf of a JSON value with its path."""
    if isinstance(value, dict):
        for k, x in value.items():
            yield from _leaves(x, (*path, k))
    elif isinstance(value, list):
        for i, x in enumerate(value):
            yield from _leaves(x, (*path, i))
    else:
        yield path, value


def test_marked_leaves_are_the_former_walks_strings_starting_with_x01_in_its_order() -> None:
    value = {"a": ["\x01e0", "plain", {"b": "\x01before:lpp", "c": [1, None, "\x01after:alloc", True]}],
             "d": {"e": {"f": "\x01scaled:3", "g": "x\x01"}, "h": []}, "i": "\x01t", "j": 2.5,
             "k": [["\x01e1"], ["\x01e2", {"l": "\x01headroom:alloc"}]]}
    want = [(p, v) for p, v in _leaves(value, ("top",)) if isinstance(v, str) and v.startswith("\x01")]
    assert _marked_leaves(value, ("top",)) == want
    assert len(want) == 8
    assert _marked_leaves("\x01e3", ("name",)) == [(("name",), "\x01e3")]
    assert _marked_leaves("plain", ("name",)) == []


def _former_merge(by_name: dict[str, list[Any]], no_key: tuple[Any, ...], own: tuple[Any, ...]) -> dict[str, list[Any]]:
    atoms = dict(by_name)
    fresh: set[str] = set()
    for sym in (*no_key, *own):
        name = sym.name
        if name in fresh:
            atoms[name].append(sym)
        else:
            atoms[name] = [*atoms.get(name, ()), sym]
            fresh.add(name)
    return atoms


def test_a_batchs_atoms_about_no_key_are_merged_once_and_never_appended_to() -> None:
    by_name = {"p": [Function("p", [Number(1)])], "q": [Function("q", [String("a")])]}
    no_key = (Function("p", [Number(2)]), Function("r", []), Function("p", [Number(3)]))
    merged = _with_no_key(by_name, no_key)
    assert _with_no_key(by_name, no_key) is merged  # once per batch
    assert merged == _former_merge(by_name, no_key, ())
    snapshot = {k: list(v) for k, v in merged.items()}
    # two variants of the batch, each with its own atoms added as _build adds them
    for own in ((Function("p", [Number(9)]), Function("s", [])), (Function("q", [String("b")]),)):
        assert _extended(merged, own) == _former_merge(by_name, no_key, own)
    assert {k: list(v) for k, v in merged.items()} == snapshot  # the shared lists are untouched
    assert by_name == {"p": [Function("p", [Number(1)])], "q": [Function("q", [String("a")])]}
    # another batch (another tuple, even an equal one) gets its own merge
    other = tuple(no_key)[:2]
    assert _with_no_key(by_name, other) == _former_merge(by_name, other, ())
    assert keyed._NO_KEY  # the memo holds what it names (identities are never reused while held)
