"""The screening report: one row per input row, in input order, written as results come.

Every value is read from the verdict (verdict JSON, docs/verdict.md); nothing is
computed here.  The running totals after a row (`allocation.used_after_tpp`,
`lpp.used_after_tpp`) are columns only when the verdict carries them, else empty.

Where the stamp (policy version, interpretation settings, what-if) goes:
- CSV: the first line, `# earlog {...JSON...}`, before the header;
- Parquet: the schema metadata key `earlog` (JSON);
- JSON Lines: a side file REPORT.meta.json (a first line would not be a row).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from earlog.errors import InputError
from earlog.screen.rows import RowError
from earlog.verdict import Verdict

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}

# (name, arrow type) of the verdict columns; a what-if repeats them prefixed `whatif_`
VERDICT_COLUMNS: list[tuple[str, str]] = [
    ("outcome", "string"), ("authorization", "string"), ("license_required", "bool"),
    ("review_policy", "string"), ("outcome_rule", "string"), ("outcome_cite", "string"),
    ("first_failed", "string"),
    ("allocation_country", "string"), ("allocation_counts", "bool"), ("allocation_used_before_tpp", "int64"),
    ("allocation_used_after_tpp", "int64"), ("allocation_cap_tpp", "int64"),
    ("lpp_consignee", "string"), ("lpp_used_after_tpp", "int64"), ("lpp_cap_tpp", "int64"),
    ("red_flags", "string"),
]
HEAD_COLUMNS = [("row", "int64"), ("id", "string")]
ERROR_COLUMNS = [("error_field", "string"), ("error_value", "string"), ("error", "string")]


def columns(what_if: bool) -> list[tuple[str, str]]:
    cols = HEAD_COLUMNS + VERDICT_COLUMNS
    if what_if:
        cols = cols + [(f"whatif_{n}", t) for n, t in VERDICT_COLUMNS] + [("whatif_changed", "bool")]
    return cols + ERROR_COLUMNS


def report_format(path: str | Path) -> str:
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(str(p), f"unknown report format {p.suffix or '(no extension)'!r}; "
                                 f"expected one of {', '.join(FORMATS)}")
    return fmt


VERDICT_NAMES = [n for n, _ in VERDICT_COLUMNS]
# Positions in a report row (the what-if columns follow the verdict ones, so these hold in both layouts).
COL = {n: i for i, (n, _) in enumerate(HEAD_COLUMNS + VERDICT_COLUMNS
                                       + [(f"whatif_{n}", t) for n, t in VERDICT_COLUMNS])}
_EMPTY: dict[str, Any] = {}


class VerdictRow:
    """A verdict's report values, in VERDICT_COLUMNS order (docs/verdict.md).

    Called once per row.  The two joined texts (first failed conditions, red flags) are
    remembered by the identity of the list or dict they are read from, which the memo
    holds, so an id is never reused while remembered: the fast engine's verdicts share
    these parts with their cached answer, so a repeated deal joins them once."""

    def __init__(self, cites: dict[str, str]) -> None:
        self.cites = cites
        self._texts: dict[int, tuple[Any, str | None]] = {}

    def __call__(self, v: Verdict) -> tuple[Any, ...]:
        alloc = v.allocation or _EMPTY
        lpp = v.lpp or _EMPTY
        rule = v.outcome_rule
        texts = self._texts
        exc, flags = v.exceptions, v.red_flags
        got = texts.get(id(exc))
        if got is None or got[0] is not exc:
            got = self._remember(exc, "; ".join(f"{code}={a.failed[0].split(':', 1)[0]}"
                                                for code, a in exc.items() if not a.available and a.failed) or None)
        flagged = texts.get(id(flags))
        if flagged is None or flagged[0] is not flags:
            flagged = self._remember(flags, "; ".join(f["rule"] for f in flags) or None)
        return (v.outcome, v.authorization, v.license_required, v.review_policy,
                rule, self.cites.get(rule) if rule else None, got[1],
                alloc.get("country"), alloc.get("counts"), alloc.get("used_tpp"), alloc.get("used_after_tpp"),
                alloc.get("cap_tpp"),
                lpp.get("ultimate_consignee", lpp.get("consignee")), lpp.get("used_after_tpp"), lpp.get("cap_tpp"),
                flagged[1])

    def _remember(self, obj: Any, text: str | None) -> tuple[Any, str | None]:
        if len(self._texts) >= 65536:  # verdicts built afresh per row: keep the memo small
            self._texts.clear()
        got = self._texts[id(obj)] = (obj, text)
        return got


def verdict_cells(v: Verdict, cites: dict[str, str], prefix: str = "") -> dict[str, Any]:
    """The verdict columns of one row by name (as VerdictRow reads them)."""
    return {prefix + n: val for n, val in zip(VERDICT_NAMES, VerdictRow(cites)(v), strict=True)}


def error_cells(e: RowError) -> dict[str, Any]:
    value = e.value if e.value is None or isinstance(e.value, str) else json.dumps(e.value, default=str)
    return {"error_field": e.field or None, "error_value": value, "error": e.message}


class ReportWriter:
    """Writes rows as they come to REPORT.partial and renames it when the run completes,
    so an interrupted or refused run never leaves a report that looks whole."""

    def __init__(self, path: str | Path, what_if: bool, stamp: dict[str, Any], batch: int = 8192) -> None:
        self.path = Path(path)
        self.format = report_format(self.path)
        self.cols = columns(what_if)
        self.names = [n for n, _ in self.cols]
        self._bools = [i for i, (_, t) in enumerate(self.cols) if t == "bool"]
        self.stamp = stamp
        self.tmp = self.path.with_name(self.path.name + ".partial")
        self.batch = batch
        self.rows = 0
        self._fh: IO[str] | None = None
        self._csv: Any = None
        self._pq: Any = None
        self._buf: list[list[Any]] = []
        try:
            self._open()
        except OSError as e:
            raise InputError(str(self.path), f"cannot write the report: {e.strerror}") from None

    def _open(self) -> None:
        if self.format == "csv":
            self._fh = self.tmp.open("w", newline="", encoding="utf-8")
            self._fh.write("# earlog " + json.dumps(self.stamp, sort_keys=True) + "\n")
            self._csv = csv.writer(self._fh)
            self._csv.writerow(self.names)
        elif self.format == "jsonl":
            self._fh = self.tmp.open("w", encoding="utf-8")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema([(n, getattr(pa, "bool_" if t == "bool" else t)()) for n, t in self.cols],
                               metadata={"earlog": json.dumps(self.stamp, sort_keys=True)})
            self._schema = schema
            self._pq = pq.ParquetWriter(str(self.tmp), schema)

    def write(self, cells: dict[str, Any]) -> None:
        """One row by column name (a missing name is an empty cell)."""
        self.write_row([cells.get(n) for n in self.names])

    def write_row(self, row: list[Any]) -> None:
        """One row as a list in column order (`names`); the list is the writer's from here on."""
        self.rows += 1
        if self.format == "csv":
            for i in self._bools:  # the csv module writes None as an empty cell
                b = row[i]
                if b is not None:
                    row[i] = "true" if b else "false"
            self._csv.writerow(row)
        elif self.format == "jsonl":
            assert self._fh is not None
            self._fh.write(json.dumps(dict(zip(self.names, row, strict=True))) + "\n")
        else:
            self._buf.append(row)
            if len(self._buf) >= self.batch:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._buf:
            columns = zip(*self._buf, strict=True)
            arrays = [pa.array(c, type=f.type) for c, f in zip(columns, self._schema, strict=True)]
            self._pq.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
            self._buf = []

    def close(self, ok: bool) -> None:
        if self.format == "parquet" and self._pq is not None:
            if ok:
                self._flush()
            self._pq.close()
        elif self._fh is not None:
            self._fh.close()
        if not ok:
            self.tmp.unlink(missing_ok=True)
            return
        os.replace(self.tmp, self.path)
        if self.format == "jsonl":
            side = self.path.with_name(self.path.name + ".meta.json")
            side.write_text(json.dumps({"earlog": self.stamp}, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_stamp(path: str | Path) -> dict[str, Any]:
    """The stamp of a report written by `earlog screen` (for tests and tools)."""
    p = Path(path)
    fmt = report_format(p)
    if fmt == "csv":
        with p.open(encoding="utf-8") as fh:
            first = fh.readline()
        return json.loads(first[len("# earlog "):])
    if fmt == "jsonl":
        return json.loads(p.with_name(p.name + ".meta.json").read_text(encoding="utf-8"))["earlog"]
    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(p).metadata[b"earlog"])


def read_report(path: str | Path) -> Iterator[dict[str, Any]]:
    """The rows of a report as dicts (CSV cells are text; empty is None)."""
    p = Path(path)
    fmt = report_format(p)
    if fmt == "csv":
        with p.open(newline="", encoding="utf-8") as fh:
            fh.readline()
            for r in csv.DictReader(fh):
                yield {k: (v if v != "" else None) for k, v in r.items()}
    elif fmt == "jsonl":
        with p.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)
    else:
        import pyarrow.parquet as pq

        yield from pq.read_table(p).to_pylist()
