"""Order books: one transaction per row, read in chunks from CSV, JSON Lines,
Parquet or Excel, as raw records keyed by the scenario JSON's transaction fields.

Nothing here judges a value: a record carries what the file holds (strings from
CSV, typed values from the others), lightly normalised (an empty cell is a missing
field, `true`/`yes` in a text column of a yes/no field is a boolean, a whole number
written as text in a numeric field is a number, a date cell is "YYYY-MM-DD"), and
the scenario's JSON reader decides whether it is valid.  A column that names no
transaction field is refused before anything is read: silently dropping it could
drop a fact a verdict depends on.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from earlog.errors import InputError
from earlog.scenario.json_input import _TX as TX_FIELDS
from earlog.scenario.model import Transaction

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx"}
CHUNK = 8192
# Input-format typing only (CSV has no types): which fields are yes/no, which are whole
# numbers and which are dates.  Read from the model's annotations; the two date fields
# are the model's YYYYMMDD integers, written as "YYYY-MM-DD" in every input.
_DATE_FIELDS = {"date", "en_route_on"}
_ANNOTATIONS = {("from" if f.name == "from_" else f.name): str(f.type) for f in fields(Transaction)}
BOOL_FIELDS = frozenset(k for k, a in _ANNOTATIONS.items() if a == "bool" and k in TX_FIELDS)
INT_FIELDS = frozenset(k for k, a in _ANNOTATIONS.items()
                       if a.startswith("int") and k in TX_FIELDS and k not in _DATE_FIELDS)
_WHOLE = re.compile(r"^[+-]?\d+$")
_TRUE, _FALSE = {"true", "yes"}, {"false", "no"}


@dataclass
class Book:
    """An opened order book: its format and how its columns map to transaction fields."""

    path: Path
    format: str
    mapping: dict[str, str] = field(default_factory=dict)  # column -> field, for --map
    ignore: frozenset[str] = frozenset()
    total: int | None = None  # rows, when the format says so without reading them
    csv_fields: list[str | None] = field(default_factory=list)  # a CSV book's field per column

    def records(self) -> Iterator[dict[str, Any] | InputError]:
        """Each data row as {field: value}, in file order; a row the format itself cannot
        read (a CSV line with the wrong number of cells) is an InputError in its place."""
        return {"csv": self._csv, "jsonl": self._jsonl, "parquet": self._parquet, "xlsx": self._xlsx}[self.format]()

    # --- columns -------------------------------------------------------------------

    def _fields_of(self, columns: list[Any]) -> list[str | None]:
        """The field each column feeds (None: ignored); refuses unknown and repeated ones."""
        out: list[str | None] = []
        seen: dict[str, str] = {}
        for c in columns:
            col = "" if c is None else str(c).strip()
            if col in self.ignore:
                out.append(None)
                continue
            f = self.mapping.get(col, col)
            if f not in TX_FIELDS:
                raise InputError(f"{self.path}: column {col!r}",
                                 f"is not a transaction field; expected one of {', '.join(sorted(TX_FIELDS))} "
                                 "(rename it with --map COLUMN=FIELD, or leave it out with --ignore COLUMN)")
            if f in seen:
                raise InputError(f"{self.path}: column {col!r}", f"feeds the field {f!r}, as column {seen[f]!r} does")
            seen[f] = col
            out.append(f)
        for col in self.mapping:
            if col not in {("" if c is None else str(c).strip()) for c in columns}:
                raise InputError(f"--map {col}={self.mapping[col]}", f"the book has no column {col!r}; "
                                 f"its columns: {', '.join(str(c) for c in columns)}")
        return out

    # --- formats -------------------------------------------------------------------

    def _csv(self) -> Iterator[dict[str, Any] | InputError]:
        conv = None
        for cells in self.csv_cells():
            if isinstance(cells, InputError):
                yield cells
                continue
            if conv is None:  # the header is read with the first row
                conv = [(f, converter(f)) for f in self.csv_fields]
            yield record_of(conv, cells)

    def csv_cells(self) -> Iterator[list[str] | InputError]:
        """A CSV book's rows as lists of cells (columns as `csv_fields` says), for the
        checker's per-cell memo; a line with the wrong number of cells is an InputError."""
        # Python's csv module rather than pyarrow's: a malformed line must become an error
        # row in its place (exactly one output row per input row), and pyarrow's reader can
        # only skip such lines.  It streams line by line, so memory stays flat.
        # a byte that is not UTF-8 is kept (surrogateescape) and refused in its row
        with self.path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return
            self.csv_fields = self._fields_of(header)
            n = len(self.csv_fields)
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:  # e.g. a cell over the csv module's size limit; the reader goes on
                    yield InputError(f"line {reader.line_num}", f"unreadable CSV: {e}")
                    continue
                if len(cells) != n:
                    if not cells or (len(cells) == 1 and not cells[0].strip()):
                        continue  # a blank line is not a row
                    yield InputError(f"line {reader.line_num}",
                                     f"expected {n} cells as in the header, got {len(cells)}")
                    continue
                yield cells

    def _jsonl(self) -> Iterator[dict[str, Any] | InputError]:
        with self.path.open(encoding="utf-8-sig", errors="surrogateescape") as fh:
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    yield InputError(f"line {line_no}", f"malformed JSON: {e.msg} at column {e.colno}")
                    continue
                if not isinstance(obj, dict):
                    yield InputError(f"line {line_no}", "expected a JSON object (one transaction per line)")
                    continue
                rec: dict[str, Any] = {}
                for k, v in obj.items():
                    if k in self.ignore:
                        continue
                    f = self.mapping.get(k, k)
                    if v is not None:
                        rec[f] = _text(f, v) if isinstance(v, str) else v
                # a key that is no transaction field is left in: the JSON reader names it
                yield {k: v for k, v in rec.items() if v is not None}

    def _parquet(self) -> Iterator[dict[str, Any] | InputError]:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(self.path)
        cols = self._fields_of(pf.schema_arrow.names)
        keep = [(name, f) for name, f in zip(pf.schema_arrow.names, cols, strict=True) if f is not None]
        for batch in pf.iter_batches(batch_size=CHUNK, columns=[name for name, _ in keep]):
            columns = [(f, batch.column(i).to_pylist()) for i, (_, f) in enumerate(keep)]
            for r in range(batch.num_rows):
                yield {f: v for f, values in columns if (v := _typed(f, values[r], False)) is not None}

    def _xlsx(self) -> Iterator[dict[str, Any] | InputError]:
        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a file that is no workbook
            raise InputError(str(self.path), f"cannot read the workbook: {e}") from None
        try:
            ws = wb.worksheets[0]
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                return
            while header and header[-1] is None:
                header = header[:-1]
            cols = self._fields_of(list(header))
            n = len(cols)
            for row_no, cells in enumerate(rows, 2):
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue  # an empty row is not a row
                extra = [c for c in cells[n:] if c is not None and not (isinstance(c, str) and not c.strip())]
                if extra:
                    yield InputError(f"sheet row {row_no}", f"a value right of the last named column: {extra[0]!r}")
                    continue
                yield {f: v for f, c in zip(cols, cells, strict=False)
                       if f is not None and (v := _typed(f, c, True)) is not None}
        finally:
            wb.close()


def open_book(path: str | Path, mapping: list[str] | None = None, ignore: list[str] | None = None) -> Book:
    """Check the file, its format and the --map/--ignore options; read no row yet."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(str(p), f"unknown order book format {p.suffix or '(no extension)'!r}; "
                                 f"expected one of {', '.join(FORMATS)}")
    if not p.is_file():
        raise InputError(str(p), "the order book file does not exist")
    m: dict[str, str] = {}
    for spec in mapping or []:
        col, sep, f = spec.partition("=")
        if not sep or not col.strip() or not f.strip():
            raise InputError(f"--map {spec}", "expected COLUMN=FIELD, e.g. --map Qty=quantity")
        if f.strip() not in TX_FIELDS:
            raise InputError(f"--map {spec}", f"{f.strip()!r} is not a transaction field; expected one of "
                                              f"{', '.join(sorted(TX_FIELDS))}")
        m[col.strip()] = f.strip()
    book = Book(p, fmt, m, frozenset(c.strip() for c in ignore or []))
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(p)
        except Exception as e:  # pyarrow raises ArrowInvalid / OSError for a file that is no Parquet
            raise InputError(str(p), f"cannot read the Parquet file: {e}") from None
        book.total = pf.metadata.num_rows
        book._fields_of(pf.schema_arrow.names)
    elif fmt == "csv":
        with p.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
            header = next(csv.reader(fh), None)
        book._fields_of(header or [])
    return book


def record_of(conv: list[tuple[str | None, Any]], cells: list[str]) -> dict[str, Any]:
    """A CSV row's cells as a record (each column's field and conversion in `conv`)."""
    return {f: v for (f, to), c in zip(conv, cells, strict=True) if f is not None and (v := to(c)) is not None}


def _plain(s: str) -> str | None:
    return s.strip() or None


def converter(f: str | None) -> Any:
    """The text conversion of a column: plain text unless its field takes yes/no or a number."""
    if f in BOOL_FIELDS or f in INT_FIELDS:
        return lambda s: _text(f, s)
    return _plain


def _text(f: str, s: str) -> Any:
    """A text cell: empty is missing; yes/no and whole numbers are typed for the fields that take them."""
    s = s.strip()
    if not s:
        return None
    if f in BOOL_FIELDS:
        low = s.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    elif f in INT_FIELDS and _WHOLE.match(s):
        return int(s)
    return s


def _typed(f: str, v: Any, spreadsheet: bool) -> Any:
    """A typed cell (Parquet, Excel): dates as "YYYY-MM-DD"; in a spreadsheet, a whole
    float in a numeric field is the number it shows (Excel stores every number as a float)."""
    if v is None:
        return None
    if isinstance(v, str):
        return _text(f, v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) and f in _DATE_FIELDS else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if spreadsheet and isinstance(v, float) and f in INT_FIELDS and v.is_integer():
        return int(v)
    return v
