"""One order-book record -> a validated transaction, or an error row.

The checks are the scenario's own (the JSON reader's `tx` and the validator's
transaction check), with their messages, so a row is refused exactly when the same
transaction in a scenario file would be.  Two checks are the screen's own: a
quantity of zero (an order of nothing is a data-entry error in a book) and an id
already used by an earlier row or by the base's ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from earlog.errors import InputError
from earlog.scenario.json_input import _Reader
from earlog.scenario.model import Scenario, Src, Transaction, Vocabulary
from earlog.scenario.validate import _check_tx, _hint


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that is not screened: where it is, which field, the value and why."""

    index: int  # 0-based position in the book
    id: str | None
    field: str
    value: Any
    message: str

    def line(self, book: str) -> str:
        ident = f" (id {self.id!r})" if self.id is not None else ""
        where = f", {self.field}" if self.field else ""
        return f"{book}: row {self.index + 1}{ident}{where}: {self.message}"


class RowChecker:
    """Validates rows against one base; one instance per pass over the book (it
    remembers the ids it has seen)."""

    def __init__(self, base: Scenario, vocab: Vocabulary, book: str) -> None:
        self.reader = _Reader(None)
        self.parties = {p.id: p for p in base.parties}
        self.items = {i.id: i for i in base.items}
        self.vocab = vocab
        self.book = book
        self.seen: dict[str, int] = {t.id: -1 for t in base.ledger}

    def _country(self, code: str | None, src: Src, field: str) -> None:
        if code is not None and code not in self.vocab.countries:
            raise InputError(str(src.at(field)), f"unknown country code {code!r}{_hint(code, self.vocab.countries)}; "
                                                 "expected an ISO 3166-1 alpha-2 code")

    def check(self, index: int, rec: dict[str, Any] | InputError) -> Transaction | RowError:
        if isinstance(rec, InputError):
            return RowError(index, None, "", None, f"{rec.where}: {rec.message}")
        try:
            t = self.reader.tx(rec, "$", ledger=False)
            _check_tx(t, self.parties, self.items, self.vocab, self._country)
            if t.quantity == 0:
                raise InputError("$.quantity", "expected a quantity greater than zero, got 0")
            first = self.seen.get(t.id)
            if first is not None:
                was = "the base's ledger" if first < 0 else f"row {first + 1}"
                raise InputError("$.id", f"transaction id {t.id!r} is used twice (first in {was})")
        except InputError as e:
            field = e.where[2:] if e.where.startswith("$.") else ""
            ident = rec.get("id")
            return RowError(index, ident if isinstance(ident, str) else None, field,
                            rec.get(field.split(".")[0]) if field else None, e.message)
        self.seen[t.id] = index
        t.src = Src(self.book, f"row {index + 1}")
        return t
