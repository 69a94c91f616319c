"""Declarations and changes -> the JSON-shaped scenario dict the JSON reader takes.

The DSL never builds the scenario model itself: it writes the same dict a JSON
file holds and hands it to `scenario_from_dict`, so both inputs can never
disagree and a field the model gains needs no change here.  Beside the dict it
keeps a map from each JSON path to where that value was written, so an error the
JSON reader or the validator raises about `$.transactions[0].to` is shown under
the text the user typed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from earlog.dsl.errors import DslError, did_you_mean
from earlog.dsl.nodes import Declaration, SetField, Setting, Span, Value
from earlog.errors import InputError
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.model import Scenario

COLLECTIONS = {"party": "parties", "item": "items", "transaction": "transactions", "ledger": "ledger"}
_ARTICLE = {"party": "a party", "item": "an item", "transaction": "a transaction", "ledger": "a ledger entry"}


@dataclass(frozen=True)
class Origin:
    """Where a JSON path's value was written."""

    file: str
    text: str
    span: Span
    key_span: Span | None = None


@dataclass
class Entry:
    kind: str  # party | item | transaction | ledger
    index: int
    origin: Origin


@dataclass
class ScenarioBuilder:
    """A scenario dict under construction, with the origin of every path in it."""

    data: dict[str, Any] = field(default_factory=lambda: {"parties": [], "items": [], "transactions": [],
                                                          "ledger": []})
    origins: dict[str, Origin] = field(default_factory=dict)
    names: dict[str, Entry] = field(default_factory=dict)
    # settings written in this builder's own text, to catch one set twice
    settings_seen: dict[str, Origin] = field(default_factory=dict)

    def copy(self) -> ScenarioBuilder:
        """A builder for an overlay (a case, a what-if): changes override, they do not clash."""
        return ScenarioBuilder(copy.deepcopy(self.data), dict(self.origins), dict(self.names), {})

    # --- declarations ---------------------------------------------------------

    def declare(self, d: Declaration, file: str, text: str) -> None:
        def err(span: Span, msg: str) -> DslError:
            return DslError(file, text, span, msg)

        if d.name.text in self.names:
            first = self.names[d.name.text]
            where = f"line {first.origin.span.line}" if first.origin.file == file else \
                f"{first.origin.file}:{first.origin.span.line}"
            raise err(d.name.span, f"{d.name.text!r} is already declared ({first.kind} at {where}); "
                      "each party, item, transaction and ledger entry needs its own name")
        coll = COLLECTIONS[d.kind]
        idx = len(self.data.setdefault(coll, []))
        base = f"$.{coll}[{idx}]"
        obj: dict[str, Any] = {"id": d.name.text}
        self.origins[base] = Origin(file, text, d.name.span)
        self.origins[f"{base}.id"] = Origin(file, text, d.name.span)
        if d.head is not None:
            h = d.head
            for key, n in (("kind", h.kind), ("item", h.item), ("from", h.from_), ("to", h.to)):
                obj[key] = n.text
                self.origins[f"{base}.{key}"] = Origin(file, text, n.span, n.span)
            obj["quantity"] = h.quantity.raw
            self.origins[f"{base}.quantity"] = Origin(file, text, h.quantity.span, h.quantity.span)
        for f in d.fields:
            if f.key == "id":
                raise err(f.key_span, f"the name of {_ARTICLE[d.kind]} is written after `{d.kind}`, "
                          "not as an `id` field")
            if f.key in obj:
                raise err(f.key_span, f"{f.key!r} is given twice in {d.kind} {d.name.text!r}")
            obj[f.key] = f.value.to_json()
            self.record(f"{base}.{f.key}", f.value, file, text, f.key_span)
        self.data[coll].append(obj)
        self.names[d.name.text] = Entry(d.kind, idx, Origin(file, text, d.name.span))

    def record(self, path: str, v: Value, file: str, text: str, key_span: Span | None) -> None:
        self.origins[path] = Origin(file, text, v.span, key_span)
        if v.kind == "list":
            for i, item in enumerate(v.raw):
                self.record(f"{path}[{i}]", item, file, text, item.span)
        elif v.kind == "object":
            for f in v.raw:
                self.record(f"{path}.{f.key}", f.value, file, text, f.key_span)

    # --- settings -------------------------------------------------------------

    def setting(self, s: Setting, file: str, text: str) -> None:
        key = {"policy": "policy", "parameter": f"parameters.{s.target.text}",
               "tier": f"countries.{s.target.text}.tier", "assume": f"assume.{s.target.text}",
               "country": f"countries.{s.target.text}"}[s.kind]
        here = Origin(file, text, s.target.span)
        if key in self.settings_seen and s.kind != "country":
            first = self.settings_seen[key]
            raise DslError(file, text, s.span, f"{_setting_words(s)} is already set at line {first.span.line}")
        self.settings_seen[key] = here
        if s.kind == "policy":
            self.data["policy"] = s.target.text
            self.origins["$.policy"] = Origin(file, text, s.target.span, s.target.span)
        elif s.kind == "parameter":
            self.data.setdefault("parameters", {})[s.target.text] = s.value.raw
            self.origins[f"$.parameters.{s.target.text}"] = Origin(file, text, s.value.span, s.target.span)
        elif s.kind == "assume":
            self.data.setdefault("assume", {})[s.target.text] = s.value.raw
            self.origins[f"$.assume.{s.target.text}"] = Origin(file, text, s.value.span, s.target.span)
        else:
            c = self.data.setdefault("countries", {}).setdefault(s.target.text, {})
            path = f"$.countries.{s.target.text}"
            self.origins[path] = Origin(file, text, s.target.span, s.target.span)
            if s.kind == "tier":
                c["tier"] = s.value.raw
                self.origins[f"{path}.tier"] = Origin(file, text, s.value.span, s.target.span)
            else:
                for f in s.fields:
                    c[f.key] = f.value.to_json()
                    self.record(f"{path}.{f.key}", f.value, file, text, f.key_span)

    # --- changes ----------------------------------------------------------------

    def change(self, c: Declaration | Setting | SetField, file: str, text: str) -> None:
        if isinstance(c, Declaration):
            self.declare(c, file, text)
        elif isinstance(c, Setting):
            self.setting(c, file, text)
        else:
            self.set_field(c, file, text)

    def set_field(self, c: SetField, file: str, text: str) -> None:
        entry = self.names.get(c.entity.text)
        if entry is None:
            raise DslError(file, text, c.entity.span,
                           f"nothing is named {c.entity.text!r}{did_you_mean(c.entity.text, self.names)}; "
                           f"a change names a declared party, item or transaction "
                           f"({', '.join(self.names) or 'none declared'})")
        if c.path[0].text == "id":
            raise DslError(file, text, c.path[0].span, "a name cannot be changed; declare another one instead")
        coll = COLLECTIONS[entry.kind]
        base = f"$.{coll}[{entry.index}]"
        target = self.data[coll][entry.index]
        path = base
        for n in c.path[:-1]:
            path += f".{n.text}"
            nxt = target.get(n.text)
            if not isinstance(nxt, dict):
                nxt = {}
                target[n.text] = nxt
            target = nxt
        last = c.path[-1]
        target[last.text] = c.value.to_json()
        self.record(f"{path}.{last.text}", c.value, file, text, last.span)

    # --- the model ---------------------------------------------------------------

    def scenario(self) -> Scenario:
        """The scenario model, validated against the policy; errors point at the source."""
        from earlog.engine import load_policy, vocabulary
        from earlog.scenario.validate import validate

        try:
            sc = scenario_from_dict(self.data)
            validate(sc, vocabulary(load_policy()))
        except DslError:
            raise
        except InputError as e:
            raise self.located(e) from None
        return sc

    def located(self, e: InputError) -> InputError:
        """The InputError at the place in the source its JSON path names."""
        path = e.where.strip()
        if not path.startswith("$"):
            return e
        probe = path
        while probe:
            origin = self.origins.get(probe)
            if origin is not None:
                span = origin.span
                if e.message.startswith("unknown field") and probe == path:
                    span = origin.key_span or span
                return DslError(origin.file, origin.text, span, _in_words(self._lines(e.message)))
            probe = _parent(probe)
        return e

    def _lines(self, message: str) -> str:
        """A JSON path the message names in passing, such as `($.parties[0])`, as the line it was written on."""
        def line(m: re.Match) -> str:
            origin = self.origins.get(m.group(1))
            return f"(line {origin.span.line})" if origin is not None else m.group(0)
        return re.sub(r"\((\$[^()\s]*)\)", line, message)


def _parent(path: str) -> str:
    if path == "$":
        return ""
    m = re.match(r"^(.*)(\.[^.\[\]]+|\[\d+\])$", path)
    return m.group(1) if m else ""


def _in_words(message: str) -> str:
    """The JSON reader's message, with its JSON-only words put in the DSL's terms."""
    return (message.replace(" (a JSON object)", "").replace("true or false", "yes or no")
            .replace("JSON path", "field"))


def _setting_words(s: Setting) -> str:
    return {"policy": "the policy", "parameter": f"parameter {s.target.text}",
            "tier": f"the tier of {s.target.text}", "assume": f"the interpretation {s.target.text}",
            "country": f"country {s.target.text}"}[s.kind]


def builder_of(doc: Any, *, declarations_only: bool = False) -> ScenarioBuilder:
    """The scenario a parsed document declares: its top-level declarations and settings
    (its questions and cases are `earlog run`'s to ask).  The one place every command that
    reads a scenario from a `.earlog` file builds it.  With `declarations_only`, a question
    or case is refused (a screening base is a scenario, not a suite)."""
    from earlog.dsl.session import _declare

    b = ScenarioBuilder()
    for st in doc.statements:
        if not _declare(b, st, doc) and declarations_only:
            span = getattr(st, "span", None) or getattr(st, "title_span", None)
            raise DslError(doc.file, doc.text, span,
                           "a base scenario holds declarations and settings only, not questions or cases")
    return b


def builder_from_file(path: Any, *, declarations_only: bool = False) -> ScenarioBuilder:
    """`builder_of` a `.earlog` file (`-`: stdin), read within the limits of scenario/limits.py."""
    from earlog.dsl.parser import parse_file

    return builder_of(parse_file(path), declarations_only=declarations_only)
