"""The explanation tree: what every renderer reads.

A node is a conclusion (derived, or not derived for why-not) or a leaf (a
scenario fact, a policy fact, an engine fact, a `not X` that held).  A
conclusion lists the rule applications that derived it (why) or could have
(why-not); each application lists its conditions in the order the rule writes
them, with the values they were tested on and, for sub-conclusions, child nodes.
A conclusion already shown appears again as a `ref` to its first node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "earlog.explanation/1"


@dataclass
class Binding:
    name: str
    value: str
    words: str  # the value with what it is, e.g. 'br (Brazil), from destination(T, C)'

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "words": self.words}


@dataclass
class Condition:
    literal: str  # as the rule writes it
    kind: str  # atom | not | comparison | other | head
    status: str  # ok | failed | not_evaluated
    detail: str  # the condition with its values
    first_failed: bool = False
    params: list[dict[str, str]] = field(default_factory=list)  # parameters a comparison used
    children: list[Node] = field(default_factory=list)
    plain: str = ""  # a comparison's values in plain words, with units (for a memo)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"literal": self.literal, "kind": self.kind, "status": self.status,
                             "detail": self.detail}
        if self.plain:
            d["plain"] = self.plain
        if self.first_failed:
            d["first_failed"] = True
        if self.params:
            d["params"] = self.params
        if self.children:
            d["children"] = [c.to_json() for c in self.children]
        return d


@dataclass
class Application:
    rule: str
    cite: str
    text: str
    file: str
    line: int
    status: str  # fired | failed
    bindings: list[Binding] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "cite": self.cite, "text": self.text, "source": f"{self.file}:{self.line}",
                "status": self.status, "bindings": [b.to_json() for b in self.bindings],
                "conditions": [c.to_json() for c in self.conditions]}

    def source_text(self) -> str:
        return f"{self.file}:{self.line}"

    def first_failed(self) -> Condition | None:
        return next((c for c in self.conditions if c.first_failed), None)


@dataclass
class Node:
    id: str
    kind: str  # derived | not_derived | scenario_fact | policy_fact | engine_fact | fact | absent | ref
    atom: str
    holds: bool
    text: str = ""  # one sentence: what this node says
    origin: dict[str, str] | None = None  # for leaves: where the fact was written
    rules: list[Application] = field(default_factory=list)
    ref: str | None = None  # for kind "ref": the id of the node shown earlier
    truncated: bool = False  # the depth limit cut this node's derivation
    expand: str | None = None  # for kind "absent": the why-not question that expands it

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "atom": self.atom, "holds": self.holds}
        if self.text:
            d["text"] = self.text
        if self.origin:
            d["origin"] = self.origin
        if self.rules:
            d["rules"] = [r.to_json() for r in self.rules]
        if self.ref:
            d["ref"] = self.ref
        if self.truncated:
            d["truncated"] = True
        if self.expand:
            d["expand"] = self.expand
        return d

    def walk(self):
        """Every node of the tree, depth first."""
        yield self
        for r in self.rules:
            for c in r.conditions:
                for ch in c.children:
                    yield from ch.walk()


@dataclass
class Explanation:
    question: str  # why | why_not
    atom: str
    holds: bool
    root: Node
    policy: str = ""
    scenario: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "question": self.question, "atom": self.atom, "holds": self.holds,
                "policy": self.policy, "scenario": self.scenario, "root": self.root.to_json()}

    def rule_ids(self) -> set[str]:
        """Every rule id that appears in the tree (fired or tried)."""
        return {r.rule for n in self.root.walk() for r in n.rules}

    def fired_rule_ids(self) -> set[str]:
        return {r.rule for n in self.root.walk() for r in n.rules if r.status == "fired"}
