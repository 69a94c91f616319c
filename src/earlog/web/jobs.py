"""Order-book screening jobs: each runs `earlog.screen.screen` in its own thread, so the
server keeps answering; the page polls the job's state.

Uploads are written to a private temporary folder under names earlog chooses (only
the suffix of the uploaded name is kept, and only from a fixed list), so no request
names a file on the server.  The report is CSV, downloaded by the job's random id.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earlog.errors import EarlogError, InputError

BOOK_SUFFIXES = (".csv", ".jsonl", ".parquet", ".xlsx")
BASE_SUFFIXES = (".json", ".earlog")
KEEP_JOBS = 20


@dataclass
class Job:
    id: str
    book_name: str
    folder: Path
    state: str = "queued"  # queued, running, done, failed
    error: str | None = None
    summary: dict[str, Any] | None = None
    summary_text: str = ""
    rows_total: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def report(self) -> Path:
        return self.folder / "report.csv"

    def progress(self) -> tuple[int, int | None]:
        """(rows written so far, rows in the book when known): the report's lines as the
        screener writes them (buffered, so at least this many), against the book's."""
        written = 0
        if self.report.is_file():
            with self.report.open("rb") as f:
                written = max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b"")) - 2)
        return written, self.rows_total

    def outcome_columns(self) -> list[str]:
        """Every outcome the summary counts in some country, sorted (the table's columns)."""
        by_country = (self.summary or {}).get("outcomes_by_country") or {}
        return sorted({o for counts in by_country.values() for o in counts})

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


def suffix_of(name: str, allowed: tuple[str, ...], what: str) -> str:
    s = Path(name or "").suffix.lower()
    if s not in allowed:
        raise InputError(what, f"expected a file ending in {', '.join(allowed)}, got {name!r}")
    return s


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.root = Path(tempfile.mkdtemp(prefix="earlog-serve-"))

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def prepare(self, book_name: str, book: bytes, base_name: str, base: bytes) -> Job:
        """A job with its uploads on disk; raises InputError for a file type earlog cannot read."""
        bs = suffix_of(book_name, BOOK_SUFFIXES, "orders file")
        cs = suffix_of(base_name, BASE_SUFFIXES, "base scenario")
        if not book:
            raise InputError("orders file", "the uploaded order book is empty")
        job_id = secrets.token_urlsafe(12)
        folder = self.root / job_id
        folder.mkdir()
        (folder / f"book{bs}").write_bytes(book)
        (folder / f"base{cs}").write_bytes(base)
        job = Job(job_id, book_name, folder)
        if bs in (".csv", ".jsonl"):  # one row a line (a CSV header, a JSON Lines book none)
            lines = [ln for ln in book.splitlines() if ln.strip()]
            job.rows_total = max(0, len(lines) - (1 if bs == ".csv" else 0))
        with self._lock:
            self._jobs[job_id] = job
            self._forget_old()
        return job

    def paths(self, job: Job) -> tuple[Path, Path]:
        book = next(p for p in job.folder.iterdir() if p.stem == "book")
        base = next(p for p in job.folder.iterdir() if p.stem == "base")
        return book, base

    def start(self, job: Job) -> None:
        threading.Thread(target=self.run, args=(job,), daemon=True, name=f"earlog-screen-{job.id}").start()

    def run(self, job: Job) -> None:
        from earlog.screen import Options, screen

        job.state = "running"
        book, base = self.paths(job)
        try:
            summary = screen(book, base, job.report, Options())
            self._own_names(job, book, base)
            job.summary = summary.to_json()
            job.summary_text = summary.render()
            job.state = "done"
        except EarlogError as e:
            # the user's own file names, not the server's temporary paths
            job.error = str(e).replace(str(book), job.book_name).replace(str(base), "the base scenario")
            job.state = "failed"
        except Exception as e:  # noqa: BLE001 - a bug: reported on the page in one line, never a traceback
            job.error = f"internal error ({type(e).__name__}); please report it"
            job.state = "failed"
        finally:
            job.finished = time.monotonic()

    def _own_names(self, job: Job, book: Path, base: Path) -> None:
        """The report's stamp names the uploaded file, not the server's temporary paths."""
        import json

        text = job.report.read_text(encoding="utf-8")
        first, sep, rest = text.partition("\n")
        if first.startswith("# earlog "):
            first = first.replace(json.dumps(str(book))[1:-1], json.dumps(job.book_name)[1:-1])
            first = first.replace(json.dumps(str(base))[1:-1], "uploaded base scenario")
            job.report.write_text(first + sep + rest, encoding="utf-8")

    def _forget_old(self) -> None:
        while len(self._jobs) > KEEP_JOBS:
            old_id = next(iter(self._jobs))
            old = self._jobs.pop(old_id)
            shutil.rmtree(old.folder, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
