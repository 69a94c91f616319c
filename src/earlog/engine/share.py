"""One copy of each verdict part that many solved keys hold alike.

The keyed engine keeps every solved key's verdicts for the whole screen (the fold may ask for
them at any row) and across calls (screening._CACHE).  Most of a verdict is the same for
thousands of keys: the reasons, citations and failed conditions of the exceptions, the
requirements, the red flags, the explanation's texts.  `Sharer.share` replaces each part of a
newly built verdict by an equal part already kept, so a key costs only what is its own
(bench/README.md "Peak memory at 1,000,000 rows").  Parts are looked up bottom-up: a container
is keyed by its type and the identities of its (already shared) members, so two parts are
shared only when they are equal member by member.  The keys hold identities only while the
table holds the parts they name (a part keeps its members alive), and the table is cleared as
a whole when full, so an identity in a key can never name a different, later object.

Shared parts are read-only, as verdict parts of the keyed engine already are (screening.py:
a row's verdict is a shallow copy; `_set_path` copies every container it changes).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

SHARE_MAX = 200_000  # parts kept (a few tens of MB at most); cleared when full


@functools.lru_cache(maxsize=64)
def _fields(t: type) -> tuple[str, ...] | None:
    """The fields of a (non-frozen, plain) dataclass, or None for a type shared as it is not."""
    if not dataclasses.is_dataclass(t) or t.__dataclass_params__.frozen or hasattr(t, "__slots__"):  # type: ignore[attr-defined]
        return None
    return tuple(f.name for f in dataclasses.fields(t))


class Sharer:
    """A table of verdict parts, each kept once (see the module doc)."""

    def __init__(self, limit: int = SHARE_MAX) -> None:
        self.limit = limit
        self.table: dict[Any, Any] = {}

    def share(self, x: Any) -> Any:
        """x, or an equal part already kept (x's own containers may be changed to hold shared members:
        call it on a part nobody else holds yet)."""
        t = type(x)
        if t is str:
            k: Any = x
        elif t is list:
            for i, y in enumerate(x):
                x[i] = self.share(y)
            k = (list, *map(id, x))
        elif t is tuple:
            x = tuple(self.share(y) for y in x)
            k = (tuple, *map(id, x))
        elif t is dict:
            for key, y in x.items():
                x[key] = self.share(y)
            k = (dict, *((key, id(y)) for key, y in x.items()))
        else:
            names = _fields(t)
            if names is None:
                return x  # numbers, booleans, None, anything else: as it is
            d = x.__dict__
            for name in names:
                d[name] = self.share(d[name])
            k = (t, *(id(d[name]) for name in names))
        found = self.table.get(k)
        if found is not None:
            return found
        if len(self.table) >= self.limit:
            self.table.clear()
        self.table[k] = x
        return x


_SHARER = Sharer()


def share_verdict_parts(verdict: Any) -> None:
    """Replace each field of a newly built verdict by an equal part already kept (the Verdict object
    itself stays the variant's own: rows copy it)."""
    d = verdict.__dict__
    share = _SHARER.share
    for name, value in d.items():
        d[name] = share(value)


def one_copy(value: Any) -> Any:
    """An equal value already kept, or this one kept (a variant's tuples of atoms, paths and rule ids:
    the same few for thousands of keys)."""
    return _SHARER.share(value)
