"""The parsed document: statements with the source span of every name and value.

Spans are kept on everything a later error may point at (a value the JSON reader
rejects, a name the validator does not know), so that error can be shown under
the text the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """1-based line and column of the first character; end is exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    @staticmethod
    def of(tok: Any) -> Span:
        return Span(tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column + 1)

    def to(self, other: Span) -> Span:
        return Span(self.line, self.col, other.end_line, other.end_col)


@dataclass
class Value:
    """A written value.  `kind`: string, word, number, date, eccn, group, bool, none, list, object."""

    kind: str
    raw: Any  # str / int / bool / None / list[Value] / list[Field]
    span: Span
    text: str = ""  # the source text of a scalar, for the formatter

    def to_json(self) -> Any:
        if self.kind == "list":
            return [v.to_json() for v in self.raw]
        if self.kind == "object":
            return {f.key: f.value.to_json() for f in self.raw}
        return self.raw


@dataclass
class Field:
    key: str
    key_span: Span
    value: Value


@dataclass
class Name:
    text: str
    span: Span
    quoted: bool = False


@dataclass
class TxHead:
    """`export 1,000 h100 from US to BR`."""

    kind: Name
    quantity: Value
    item: Name
    from_: Name
    to: Name


@dataclass
class Declaration:
    """party / item / transaction / ledger."""

    kind: str
    name: Name
    fields: list[Field]
    span: Span
    head: TxHead | None = None


@dataclass
class Setting:
    """policy / parameter / tier / country / assume, at top level or as a change."""

    kind: str
    target: Name  # the policy name, parameter, country code or question
    value: Value | None  # None for `country`, which has fields
    span: Span
    fields: list[Field] = field(default_factory=list)


@dataclass
class SetField:
    """`nuvem.hq = CN`: one field of a declared party, item or transaction."""

    entity: Name
    path: list[Name]
    value: Value
    span: Span


Change = Declaration | Setting | SetField


@dataclass
class Conclusion:
    """What `why` names: `exception LPP available`, `outcome = x`, `license_required`."""

    kind: str  # exception | veu | field
    name: Name  # the exception/VEU code or the predicate
    value: Name | None
    tx: Name | None
    span: Span


@dataclass
class Expectation:
    """`expect ...`.  kind: exception, veu (code + availability), available, field."""

    kind: str
    subject: list[Name]  # [code] for exception/veu; the path for field; [] for available
    values: list[Value]
    availability: str | None = None  # available | not_available | failed
    rules: list[Name] = field(default_factory=list)
    tx: Name | None = None


@dataclass
class Question:
    """ask / why / why_not / what_if / expect / find / check."""

    kind: str
    span: Span
    text: str  # the statement as written (one line), for reports
    names: list[Name] = field(default_factory=list)  # ask: fields or transactions
    txs: list[Name] = field(default_factory=list)  # ask ... for txs
    conclusion: Conclusion | None = None
    depth: int | str | None = None  # why: `depth N` -> N, `all` -> "all", None: the memo's default
    changes: list[Change] = field(default_factory=list)
    expectation: Expectation | None = None
    search: Any = None  # find / check / diff / smallest change: earlog.space.dsl.Search


@dataclass
class Case:
    title: str
    title_span: Span
    changes: list[Change]
    body: list[Declaration | Setting | Question]
    span: Span
    todo: bool = False  # `todo case ...`: a known gap, kept and reported as skipped


Statement = Declaration | Setting | Question | Case  # and earlog.space.dsl.SpaceDecl


@dataclass
class Document:
    file: str
    text: str
    statements: list[Statement]
    comments: list[tuple[int, int, str]]  # (line, column, text)
