"""One order-book record -> a validated transaction, or an error row.

The checks are the scenario's own (the JSON reader's `tx` and the validator's
transaction check), with their messages, so a row is refused exactly when the same
transaction in a scenario file would be.  Two checks are the screen's own: a
quantity of zero (an order of nothing is a data-entry error in a book) and an id
already used by an earlier row or by the base's ledger.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from earlog.errors import InputError
from earlog.scenario.json_input import _TX, _Reader
from earlog.scenario.model import TRANSACTION_KINDS, Scenario, Src, Transaction, Vocabulary
from earlog.scenario.validate import _check_locations, _check_tx, _hint
from earlog.screen.book import converter, record_of

# the fields the JSON reader requires of a transaction (its `need(...)` calls)
REQUIRED = ("id", "kind", "item", "quantity", "from", "to", "consignee", "date")
_ATTR = {"from": "from_"}
_ERROR = object()
_ABSENT = ("", None, 0)  # an empty cell: the field is not given
MEMO_LIMIT = 200_000
# Whole rows remembered by their cells other than id and date (a book repeats its deals on
# new dates): at most this many; past it, a memo that has answered fewer rows than it holds
# is dropped (a book whose rows do not repeat pays for nothing more).
ROW_MEMO_LIMIT = 20_000
_new = object.__new__


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
        # per field: value -> (attribute, parsed value, 1 if required) or _ERROR
        self.memos: dict[str, dict[Any, Any]] = {f: {} for f in _TX if f != "id"}
        self.memo_size = 0
        self.colmemos: list[dict[str, Any] | None] = []  # CSV: per column, raw cell -> as in memos
        self.id_col: int | None = None
        self.convs: list[tuple[str | None, Any]] = []
        self.template = self._template(base)
        # CSV: checked rows by their cells but id and date -> the transaction's fields
        self.row_memo: dict[Any, dict[str, Any]] | None = {}
        self.row_hits = 0
        self._row_key: Any = None
        self.date_col: int | None = None

    def _template(self, base: Scenario) -> dict[str, Any] | None:
        """A transaction record the full check accepts, into which one field at a time is put."""
        if not base.items or not base.parties or not self.vocab.countries:
            return None
        country = sorted(self.vocab.countries)[0]
        t = {"id": "template", "kind": TRANSACTION_KINDS[0], "item": base.items[0].id, "quantity": 1,
             "from": country, "to": country, "consignee": base.parties[0].id, "date": "2025-01-01"}
        return t if isinstance(self._full(t), Transaction) else None

    def _full(self, rec: dict[str, Any]) -> Transaction | InputError:
        """The scenario's own checks of one transaction: the JSON reader's, then the validator's."""
        try:
            t = self.reader.tx(rec, "$", ledger=False)
            _check_tx(t, self.parties, self.items, self.vocab, self._country)
            if t.quantity == 0:
                raise InputError("$.quantity", "expected a quantity greater than zero, got 0")
        except InputError as e:
            return e
        return t

    def _fast(self, rec: dict[str, Any]) -> Transaction | None:
        """The same checks, answered per field from a memo: each field of a transaction is
        checked on its own (no check reads two fields), so a value the full check accepted
        once in a field is accepted there again, and parsed the same way.  A value not yet
        seen is checked by the full check on the template with only that field changed.
        None: the row needs the full check (a bad value, a missing field, a new kind of value)."""
        if self.template is None:
            return None
        ident = rec.get("id")
        if not isinstance(ident, str) or not ident.strip():
            return None
        kw: dict[str, Any] = {}
        memos = self.memos
        required = 0
        try:
            for f, v in rec.items():
                m = memos.get(f)
                if m is None:
                    if f == "id":
                        continue
                    return None  # not a transaction field: the full check names it
                # a value is remembered with its type (1 is not yes, though 1 == True)
                key = v if v.__class__ is str else (v.__class__, v)
                got = m.get(key)
                if got is None:
                    got = self._learn(f, key, v)
                if got is _ERROR:
                    return None
                kw[got[0]] = got[1]
                required += got[2]
        except TypeError:  # an unhashable value (a list): not a scalar field's value
            return None
        if required != len(REQUIRED) - 1:
            return None
        return Transaction(id=ident, **kw)

    def _country(self, code: str | None, src: Src, field: str) -> None:
        if code is not None and code not in self.vocab.countries:
            raise InputError(str(src.at(field)), f"unknown country code {code!r}{_hint(code, self.vocab.countries)}; "
                                                 "expected an ISO 3166-1 alpha-2 code")

    def _learn(self, f: str, key: Any, v: Any) -> Any:
        """Check one field's value on the template and remember (attribute, parsed value, required?)."""
        if self.memo_size >= MEMO_LIMIT or self.template is None:
            return _ERROR
        t = self._full({**self.template, f: v})
        attr = _ATTR.get(f, f)
        got = (attr, getattr(t, attr), int(f in REQUIRED)) if isinstance(t, Transaction) else _ERROR
        self.memos[f][key] = got
        self.memo_size += 1
        return got

    def check(self, index: int, rec: dict[str, Any] | InputError) -> Transaction | RowError:
        if isinstance(rec, InputError):
            return RowError(index, None, "", None, f"{rec.where}: {rec.message}")
        return self._finish(index, self._fast(rec) or self._full(rec), rec)

    def check_cells(self, index: int, fields: list[str | None], cells: list[str]) -> Transaction | RowError:
        """A CSV row, checked cell by cell from a memo keyed by the raw cell text (an
        order book repeats its consignees, items, countries and dates); any cell not
        answered there sends the row through `check` as a record."""
        if len(self.colmemos) != len(fields):
            # id and ignored columns have no memo; the id is read from its own column
            self.colmemos = [None if f in (None, "id") else {} for f in fields]
            self.convs = [(f, converter(f)) for f in fields]
            self.id_col = fields.index("id") if "id" in fields else None
            self.date_col = fields.index("date") if "date" in fields else None
            rest = [j for j, f in enumerate(fields) if f not in (None, "id", "date")]
            self._row_key = operator.itemgetter(*rest, *rest[:1]) if rest else None  # always a tuple
        memo = self.row_memo
        key = None
        if memo is not None and self._row_key is not None and self.id_col is not None and self.date_col is not None:
            # a row whose cells but id and date are an earlier valid row's: the same fields,
            # and the date is answered by its column's memo (no check reads two fields)
            key = self._row_key(cells)
            proto = memo.get(key)
            if proto is not None:
                got = self.colmemos[self.date_col].get(cells[self.date_col])  # type: ignore[union-attr]
                ident = cells[self.id_col].strip()
                if got.__class__ is tuple and got is not _ABSENT and ident:
                    t = _new(Transaction)
                    d = t.__dict__
                    d.update(proto)
                    d["id"] = ident
                    d["date"] = got[1]
                    self.row_hits += 1
                    return self._finish(index, t, None)
                key = None  # the row is checked below and its error (if any) named there
        for _attempt in (1, 2):
            kw: dict[str, Any] = {}
            required = 0
            for m, cell in zip(self.colmemos, cells, strict=True):
                if m is None:
                    continue
                got = m.get(cell)
                if got is None:
                    break  # a cell not seen in this column yet
                if got is _ERROR:
                    break
                if got is not _ABSENT:
                    kw[got[0]] = got[1]
                    required += got[2]
            else:
                ident = cells[self.id_col].strip() if self.id_col is not None else ""
                if ident and required == len(REQUIRED) - 1 and self.template is not None:
                    t = Transaction(id=ident, **kw)
                    if key is not None:
                        self._remember(key, t)
                    return self._finish(index, t, None)
                break
            if got is _ERROR or not self._learn_cells(fields, cells):
                break
        rec = record_of(self.convs, cells)
        return self._finish(index, self._fast(rec) or self._full(rec), rec)

    def _remember(self, key: Any, t: Transaction) -> None:
        memo = self.row_memo
        assert memo is not None
        if len(memo) < ROW_MEMO_LIMIT:
            # a copy, so that nothing done to this row's transaction later reaches the next rows;
            # its id, date and src are each row's own, set on every copy
            memo[key] = dict(t.__dict__)
        elif self.row_hits < len(memo):
            self.row_memo = None

    def _learn_cells(self, fields: list[str | None], cells: list[str]) -> bool:
        """Remember each new cell of a row (False: the memo is full, check the row as a record)."""
        for j, cell in enumerate(cells):
            m = self.colmemos[j]
            if m is None or cell in m:
                continue
            if self.memo_size >= MEMO_LIMIT:
                return False
            f = fields[j]
            v = self.convs[j][1](cell)
            if v is None:
                got = _ABSENT
            elif f not in self.memos:
                got = _ERROR
            else:
                key = v if v.__class__ is str else (v.__class__, v)
                got = self.memos[f].get(key) or self._learn(f, key, v)
            m[cell] = got
            self.memo_size += 1
        return True

    def _finish(self, index: int, t: Transaction | InputError, rec: dict[str, Any] | None) -> Transaction | RowError:
        """The duplicate-id check, then the row's transaction or its error row."""
        if t.__class__ is Transaction:  # the common case first: a new id in UTF-8
            ident = t.id  # type: ignore[union-attr]
            seen = self.seen
            consignee = self.parties.get(t.consignee)  # type: ignore[union-attr]
            if (ident not in seen and (ident.isascii() or _utf8(ident))
                    and (consignee is None or consignee.located in (None, t.to)  # type: ignore[union-attr]
                         or t.kind not in self.vocab.shipped_kinds)):  # type: ignore[union-attr]
                seen[ident] = index
                src = _new(Src)  # Src is frozen: its fields are set as its __init__ would
                src.__dict__.update(file=self.book, path=f"row {index + 1}")
                t.src = src  # type: ignore[union-attr]
                return t  # type: ignore[return-value]
        if isinstance(t, Transaction) and not t.id.isascii() and not _utf8(t.id):
            shown = _printable(t.id)
            return RowError(index, shown, "id", shown, "expected a transaction id in UTF-8 text, "
                                                       "got bytes that are not UTF-8")
        if isinstance(t, Transaction):
            first = self.seen.get(t.id)
            if first is not None:
                was = "the base's ledger" if first < 0 else f"row {first + 1}"
                return RowError(index, t.id, "id", t.id, f"transaction id {t.id!r} is used twice (first in {was})")
            t.src = Src(self.book, f"row {index + 1}")
            try:
                _check_locations(t, self.parties, self.vocab)  # crosses two cells, so no cell memo answers it
            except InputError as e:
                return RowError(index, t.id, "to", t.to, _printable(e.message))
            self.seen[t.id] = index
            return t
        field = t.where[2:] if t.where.startswith("$.") else ""
        ident = (rec or {}).get("id")
        value = (rec or {}).get(field.split(".")[0]) if field else None
        return RowError(index, _printable(ident) if isinstance(ident, str) else None, field,
                        _printable(value) if isinstance(value, str) else value, _printable(t.message))


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(s: str) -> str:
    """Text read with surrogateescape, with each byte that was not UTF-8 shown as U+FFFD."""
    return s if s.isascii() or _utf8(s) else s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
