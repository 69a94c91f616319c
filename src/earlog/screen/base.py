"""The base an order book is screened against, and the what-if overlay on it.

The base (JSON or .earlog) holds the parties, items, ledger and overlay; the order
book holds the transactions.  Both inputs go through the DSL's ScenarioBuilder (the
JSON-shaped dict the JSON reader takes), so a what-if written in the language's
change syntax (`tier SG = 1`, `acme.hq = CN`) is applied to a JSON base exactly as
it is to a .earlog one.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

from earlog.dsl.nodes import Span
from earlog.dsl.to_dict import COLLECTIONS, Entry, Origin, ScenarioBuilder
from earlog.errors import InputError
from earlog.scenario.json_input import load_json_text
from earlog.scenario.model import Scenario


@dataclass
class Base:
    """The validated base scenario and the builder it came from (for what-ifs)."""

    scenario: Scenario
    builder: ScenarioBuilder
    file: str


def load_base(path: str | Path) -> Base:
    """Read BASE; it may not hold transactions (those are the order book's rows)."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "the base scenario file does not exist")
    if p.suffix == ".earlog":
        b = _builder_from_dsl(p)
        sc = b.scenario()
    elif p.suffix == ".json":
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(str(p), f"cannot read the file: {e}") from None
        sc = load_json_text(text, file=str(p))  # strict reading, errors name file and JSON path
        from earlog.engine import load_policy, vocabulary
        from earlog.scenario.validate import validate

        validate(sc, vocabulary(load_policy()))
        b = _builder_from_json(json.loads(text), str(p), text)
    else:
        raise InputError(str(p), f"unknown base scenario format {p.suffix or '(no extension)'!r}; "
                                 "expected .json or .earlog")
    if sc.transactions:
        raise InputError(str(p), f"the base holds {len(sc.transactions)} transaction(s) "
                                 f"(first {sc.transactions[0].id!r}); the transactions to screen are the "
                                 "order book's rows: move them there, or into the ledger if they went out")
    return Base(sc, b, str(p))


def _builder_from_dsl(p: Path) -> ScenarioBuilder:
    from earlog.dsl.to_dict import builder_from_file

    return builder_from_file(p, declarations_only=True)


def _builder_from_json(data: dict, file: str, text: str) -> ScenarioBuilder:
    b = ScenarioBuilder(copy.deepcopy(data))
    for coll in ("parties", "items", "transactions", "ledger"):
        b.data.setdefault(coll, [])
    kinds = {v: k for k, v in COLLECTIONS.items()}
    here = Origin(file, text, Span(1, 1, 1, 1))
    for coll, kind in kinds.items():
        for i, obj in enumerate(b.data.get(coll) or []):
            b.names[obj["id"]] = Entry(kind, i, here)
    return b


def what_if(base: Base, changes: list[str], assume: list[str]) -> tuple[Scenario, list[str]]:
    """The base with the changes applied, validated; and the changes as written, for the stamp.

    Each change is the language's change syntax (what follows `what if`), e.g.
    `tier SG = 1`, `parameter lpp_annual_cap_tpp = 0`, `acme.hq = CN`."""
    from earlog.dsl.parser import parse_text

    b = base.builder.copy()
    written: list[str] = []
    for i, text in enumerate(changes):
        where = f"--what-if[{i + 1}]"
        doc = parse_text(f"what if {text}", file=where)
        q = doc.statements[0] if len(doc.statements) == 1 else None
        if q is None or getattr(q, "kind", None) != "what_if":
            raise InputError(where, f"expected one change such as \"tier SG = 1\", got {text!r}")
        for c in q.changes:
            b.change(c, doc.file, doc.text)
        written.append(text)
    for a in assume:
        name, sep, value = a.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError("--assume", f"expected NAME=VALUE such as cyprus_in_d5=yes, got {a!r}")
        b.data.setdefault("assume", {})[name.strip()] = value.strip()
        written.append(f"assume {name.strip()} = {value.strip()}")
    return b.scenario(), written
