"""`earlog screen`, as a function: book + base -> report + summary.

Data flows one way: the book is read in chunks, each record is checked against the
base (a bad one becomes an error row and is never given to the screener, so it moves
no running total), the valid rows stream into the screener, and its verdicts come
back in input order and are written at once, merged with the error rows by index.
Nothing holds all rows as dicts; the only per-row state kept here is the queue of
rows read but not yet written (index, id, country or error), which a screener that
sorts by date lets grow to the book's length.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import hashlib
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earlog import __version__
from earlog.errors import EarlogError, EngineBug, InputError
from earlog.scenario.model import Scenario
from earlog.screen.base import Base, load_base, what_if
from earlog.screen.book import Book, open_book
from earlog.screen.report import COL, ERROR_COLUMNS, ReportWriter, VerdictRow, error_cells, report_format
from earlog.screen.rows import RowChecker, RowError
from earlog.screen.summary import Summary

ENGINES = ("auto", "fast", "reference")
ERROR_CELLS = tuple(n for n, _ in ERROR_COLUMNS)  # the last columns of every report


@dataclass
class Options:
    mapping: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    what_if: list[str] = field(default_factory=list)
    assume: list[str] = field(default_factory=list)
    strict: bool = False
    jobs: int = 1
    dask: str | None = None
    engine: str = "auto"
    policy_dir: str | None = None
    progress: bool = False


def choose_engine(name: str) -> tuple[type, type, str]:
    """(Screener class, ScreenRow class, name): the fast engine when it is built in, else the reference."""
    if name not in ENGINES:
        raise EarlogError(f"--engine: expected {', '.join(ENGINES)}, got {name!r}")
    if name != "reference":
        try:
            from earlog.engine.screening import Screener, ScreenRow
        except ModuleNotFoundError as e:
            if e.name != "earlog.engine.screening":
                raise
            if name == "fast":
                raise EarlogError("--engine fast: this earlog has no fast screener "
                                  "(earlog.engine.screening); use --engine reference") from None
        else:
            return Screener, ScreenRow, "fast"
    from earlog.screen.reference import ReferenceScreener, ScreenRow

    return ReferenceScreener, ScreenRow, "reference"


WORKER_BATCHES = 128  # batches (screening.POOL_BATCH keys each) a worker solves before a fresh one replaces it


class PoolMisses:
    """Misses solved in a local process pool, handed over as they are found.

    `submit` takes one batch at once, so the workers solve while this process is still reading
    the book (before, the book was read first and the workers waited: on 2 cores the wall time
    was this process's time plus the workers'); `result` gives a batch's answers back.  Calling
    the object maps a function over batches, in order, through the same pool.

    Workers are forked (they start with this process's loaded policy and caches: spawned ones
    cost ~16% more CPU), always from this thread, in `submit` or `result` (never while another of
    our threads could hold a lock the child needs: engine/astlock.py).  Each pool takes at most
    `jobs * WORKER_BATCHES` batches, and the next pool starts only once they are answered: clingo
    keeps every symbol a grounding makes until its process ends (~9 KB a solved key), so a worker
    that lived through a whole large book would grow with it (bench/README.md "Misses solved in
    worker processes").  A new pool, not max_tasks_per_child: with it, Python 3.11's pool can hang
    when a worker retires (CPython gh-115634).  Batches found while a pool is full wait here.
    """

    def __init__(self, jobs: int) -> None:
        import multiprocessing

        self.jobs = jobs
        self._fork = multiprocessing.get_context("fork")
        self._pool: Any = None
        self._taken = 0  # batches the current pool has taken
        self._futures: dict[int, Any] = {}  # ticket -> future, until its result is asked for
        self._waiting: collections.deque[tuple[int, Callable[[Any], Any], Any]] = collections.deque()
        self._next = 0

    def submit(self, fn: Callable[[Any], Any], batch: Any) -> int:
        ticket = self._next
        self._next += 1
        self._waiting.append((ticket, fn, batch))
        self._pump()
        return ticket

    def result(self, ticket: int) -> Any:
        from concurrent.futures import FIRST_COMPLETED, wait

        while ticket not in self._futures:  # it waits for the next pool: for this one's batches
            if not any(t == ticket for t, _, _ in self._waiting):
                raise KeyError(ticket)
            wait([f for f in self._futures.values() if not f.done()], return_when=FIRST_COMPLETED)
            self._pump()
        return self._futures.pop(ticket).result()

    def __call__(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        tickets = [self.submit(fn, b) for b in batches]
        for t in tickets:
            yield self.result(t)

    def _pump(self) -> None:
        """Hand waiting batches to the pool; retire a pool that has taken its share and is answered."""
        group = self.jobs * WORKER_BATCHES
        if self._pool is not None and self._taken >= group and self._waiting:
            if any(not f.done() for f in self._futures.values()):
                return
            self._pool.shutdown(wait=True)
            self._pool = None
        while self._waiting and (self._pool is None or self._taken < group):
            if self._pool is None:
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=self._fork)
                self._taken = 0
            ticket, fn, batch = self._waiting.popleft()
            self._futures[ticket] = self._pool.submit(fn, batch)
            self._taken += 1

    def close(self, failed: bool) -> None:
        self._waiting.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=failed)
            self._pool = None


class DaskMisses:
    """Misses solved on a Dask cluster, handed over as they are found (as PoolMisses)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._futures: dict[int, Any] = {}
        self._next = 0

    def submit(self, fn: Callable[[Any], Any], batch: Any) -> int:
        ticket = self._next
        self._next += 1
        self._futures[ticket] = self.client.submit(fn, batch, pure=False)
        return ticket

    def result(self, ticket: int) -> Any:
        return self._futures.pop(ticket).result()

    def __call__(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterable[Any]:
        return self.client.gather(self.client.map(fn, list(batches), pure=False))


@contextlib.contextmanager
def mapper(jobs: int, dask: str | None) -> Iterator[tuple[Callable[..., Iterable[Any]] | None, str]]:
    """map_misses for the screener: None (in process), a local process pool, or a Dask cluster."""
    if jobs < 1:
        raise EarlogError(f"--jobs: expected 1 or more, got {jobs}")
    if dask is not None and jobs != 1:
        raise EarlogError("--jobs and --dask cannot be combined: the cluster's workers are the jobs")
    if dask is not None:
        try:
            from distributed import Client
        except ImportError:
            raise EarlogError("--dask needs the distributed package: pip install 'earlog[dask]'") from None
        try:
            client = Client(dask, timeout="10s")
        except (OSError, TimeoutError, ValueError) as e:
            raise EarlogError(f"--dask {dask}: cannot connect to the scheduler: {e}") from None
        with client:
            yield DaskMisses(client), f"dask {dask}"
    elif jobs > 1:
        pool = PoolMisses(jobs)
        ok = False
        try:
            yield pool, f"{jobs} processes"
            ok = True
        finally:
            pool.close(failed=not ok)
    else:
        yield None, "in process"


@contextlib.contextmanager
def young_collections_only() -> Iterator[None]:
    """Python's cyclic garbage collector without its full collections while a book is screened.

    A full collection visits every object alive.  The keyed screener keeps its solved answers
    alive for the whole run (hundreds of MB at 100,000 rows), so each full collection costs
    seconds: ~8% of a 100,000-row run's CPU, and 1.7-2.0 s of a 10 s pass whose keys are all
    cached (bench/README.md, "The keyed screener's rows made cheaper").  Garbage cycles are
    still found while young (the first two generations run as usual; a 100,000-row run peaked
    at the same memory either way); the thresholds are restored at the end, so a cycle that
    lived long is collected after the run."""
    global _SCREENING, _SAVED
    with _GC_LOCK:  # screens may overlap (the web workbench's jobs): the first saves, the last restores
        if _SCREENING == 0:
            _SAVED = gc.get_threshold()
            gc.set_threshold(_SAVED[0], _SAVED[1], 2 ** 30)  # the oldest generation: not before the end
        _SCREENING += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _SCREENING -= 1
            if _SCREENING == 0:
                gc.set_threshold(*_SAVED)


_GC_LOCK = threading.Lock()
_SCREENING = 0  # screens running now
_SAVED: tuple[int, ...] = gc.get_threshold()  # the thresholds before the first of them


def policy_fingerprint(policy_dir: str | None) -> dict[str, Any]:
    """The policy folder's name and a SHA-256 over its .lp files, for the stamp."""
    from earlog.engine import load_policy

    policy = load_policy(policy_dir)
    h = hashlib.sha256()
    for rel in policy.files:
        h.update(rel.encode())
        h.update((Path(policy.root) / rel).read_bytes())
    defaults = {s.arguments[0].name: s.arguments[1].name for s in policy.data.get("interpretation_default", ())}
    return {"policy_folder": policy.name, "policy_sha256": h.hexdigest(), "defaults": defaults}


def settings(sc: Scenario, defaults: dict[str, str]) -> dict[str, Any]:
    """The interpretation settings and overlay a scenario is evaluated under."""
    return {
        "policy": sc.policy,
        "interpretations": {**defaults, **sc.assume},
        "parameters": dict(sc.parameters),
        "countries": {c: {k: v for k, v in (("tier", o.tier), ("groups", o.groups), ("supp5_b", o.supp5_b))
                          if v is not None} for c, o in sc.countries.items()},
    }


def screen(book_path: str | Path, base_path: str | Path, report_path: str | Path, opts: Options,
           echo: Callable[[str], None] | None = None) -> Summary:
    """Screen the book; returns the summary.  Raises EarlogError (exit 2) for bad input
    before anything is written, and for the first bad row under `strict`."""
    from earlog.engine import load_policy, vocabulary

    report_format(report_path)
    book = open_book(book_path, opts.mapping, opts.ignore)
    base = load_base(base_path)
    whatif_sc, written = (what_if(base, opts.what_if, opts.assume) if (opts.what_if or opts.assume)
                          else (None, []))
    screener_cls, row_cls, engine = choose_engine(opts.engine)
    policy = load_policy(opts.policy_dir)
    if engine == "fast" and opts.engine == "auto":
        screener_cls, row_cls, engine = _exact_or_reference(policy, screener_cls, row_cls, echo)
    vocab = vocabulary(policy)
    cites = {rid: r.cite for rid, r in policy.rules.items()}
    fp = policy_fingerprint(opts.policy_dir)
    stamp: dict[str, Any] = {
        "earlog_version": __version__, "command": "screen", "engine": engine,
        "book": str(book.path), "base": base.file,
        "policy_folder": fp["policy_folder"], "policy_sha256": fp["policy_sha256"],
        **settings(base.scenario, fp["defaults"]),
    }
    if whatif_sc is not None:
        stamp["what_if"] = {"changes": written, **settings(whatif_sc, fp["defaults"])}
    summary = Summary(what_if=whatif_sc is not None)
    writer = ReportWriter(report_path, whatif_sc is not None, stamp)
    ok = False
    try:
        with mapper(opts.jobs, opts.dask) as (map_misses, where), _Progress(opts.progress, book.total) as bar, \
                young_collections_only():
            stats = _run(book, base, whatif_sc, vocab, cites, screener_cls, row_cls, map_misses, opts, writer,
                         summary, bar)
            summary.stats = {"engine": engine, "misses_solved": where, **_jsonable(stats)}
        ok = True
    finally:
        writer.close(ok)
    return summary


def _exact_or_reference(policy: Any, screener_cls: type, row_cls: type,
                        echo: Callable[[str], None] | None) -> tuple[type, type, str]:
    """Under --engine auto, the fast engine only for a policy it can answer exactly: for one
    it refuses (engine/contract.py names the rule), the whole-scenario reference screener."""
    from earlog.engine.contract import FastPathRefused, contract

    try:
        contract(policy)
    except FastPathRefused as e:
        if echo is not None:
            echo(f"note: screening with the whole-scenario engine: {e}")
        from earlog.screen.reference import ReferenceScreener, ScreenRow

        return ReferenceScreener, ScreenRow, "reference"
    return screener_cls, row_cls, "fast"


def _run(book: Book, base: Base, whatif_sc: Scenario | None, vocab: Any, cites: dict[str, str],
         screener_cls: type, row_cls: type, map_misses: Any, opts: Options, writer: ReportWriter,
         summary: Summary, bar: _Progress) -> dict[str, Any]:
    pending = _Pending()

    def rows(record: bool) -> Iterator[Any]:
        """One pass over the book: valid rows out, every row (valid or not) queued in order."""
        checker = RowChecker(base.scenario, vocab, str(book.path))
        check, check_cells = checker.check, checker.check_cells
        cells_of = book.format == "csv"  # cell by cell: no record dict for a row the memo answers
        append_error = pending.error if record else None
        append = pending.row if record else None
        read = bar.read if record and bar.enabled else None
        for index, c in enumerate(book.csv_cells() if cells_of else book.records()):
            t = check_cells(index, book.csv_fields, c) if cells_of and c.__class__ is list else check(index, c)
            if t.__class__ is RowError:
                if opts.strict:
                    raise InputError("", t.line(str(book.path)))  # type: ignore[union-attr]
                if append_error is not None:
                    append_error(t)
            else:
                if append is not None:
                    append(index, t.id, t.to)  # type: ignore[union-attr]
                yield row_cls(index, t)
            if read is not None:
                read()

    blank = [None] * (len(writer.names) - 2 - len(ERROR_CELLS))

    def flush_errors(upto: int | None) -> None:
        while pending and isinstance(pending.head(), RowError) and (upto is None or pending.head().index < upto):
            e = pending.popleft()
            assert isinstance(e, RowError)
            cells = error_cells(e)
            writer.write_row([e.index + 1, e.id, *blank, *(cells[n] for n in ERROR_CELLS)])
            summary.add_error(e)
            bar.wrote()

    main = screener_cls(base.scenario, policy_dir=opts.policy_dir, map_misses=map_misses)
    verdicts = main.screen(rows(True))
    other = None
    if whatif_sc is not None:
        other = screener_cls(whatif_sc, policy_dir=opts.policy_dir, map_misses=map_misses).screen(rows(False))
    values = VerdictRow(cites)
    no_error = (None,) * len(ERROR_CELLS)
    # the columns a what-if compares: outcome, authorization, review policy, license required
    compared = [COL[n] - 2 for n in ("outcome", "authorization", "review_policy", "license_required")]
    write_row, add, popleft = writer.write_row, summary.add, pending.popleft
    wrote = bar.wrote if bar.enabled else None
    for index, v in verdicts:
        head = pending.head() if pending else None
        if head.__class__ is RowError:
            flush_errors(index)
            head = pending.head() if pending else None
        if head.__class__ is not tuple or head[0] != index:  # type: ignore[index]
            raise EngineBug(f"the screener answered row {index + 1} out of input order")
        popleft()
        _, ident, country = head  # type: ignore[misc]
        if other is None:
            row = [index + 1, ident, *values(v), *no_error]
            write_row(row)
            add(country, row)
        else:
            wi, w = next(other, (None, None))
            if wi != index or w is None:
                raise EngineBug(f"the what-if screener answered row {wi} where row {index + 1} was due")
            mine, theirs = values(v), values(w)
            changed = any(mine[j] != theirs[j] for j in compared)
            row = [index + 1, ident, *mine, *theirs, changed, *no_error]
            write_row(row)
            add(country, row, v, w)
        if wrote is not None:
            wrote()
    flush_errors(None)
    if pending:
        raise EngineBug(f"the screener left {len(pending)} row(s) unanswered (first: row {_first(pending)})")
    return dict(getattr(main, "stats", {}) or {})


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if isinstance(v, (str, int, float, bool, type(None)))}


class _Pending:
    """The rows read but not yet written, in input order: (index, id, country) of a valid row, or its
    RowError.  A screener that folds in date order answers only once the whole book is read, so this
    holds every row at once: kept as an array of indices and two lists of references (the ids are the
    screener's own strings, the countries one string each), not a tuple per row (~120 bytes a row less;
    bench/README.md "Misses solved in worker processes")."""

    def __init__(self) -> None:
        self.index: array[int] = array("q")
        self.ident: list[Any] = []  # the row's id, or its RowError
        self.country: list[str | None] = []
        self.pos = 0  # the first not yet popped
        self._countries: dict[str, str] = {}

    def row(self, index: int, ident: str | None, country: str | None) -> None:
        self.index.append(index)
        self.ident.append(ident)
        self.country.append(country if country is None else self._countries.setdefault(country, country))

    def error(self, e: RowError) -> None:
        self.index.append(e.index)
        self.ident.append(e)
        self.country.append(None)

    def __len__(self) -> int:
        return len(self.index) - self.pos

    def head(self) -> Any:
        """The first row not popped: its RowError, or (index, id, country)."""
        p = self.pos
        ident = self.ident[p]
        return ident if ident.__class__ is RowError else (self.index[p], ident, self.country[p])

    def popleft(self) -> Any:
        head = self.head()
        p = self.pos
        self.ident[p] = self.country[p] = None  # written: let go of them
        self.pos = p + 1
        return head


def _first(pending: _Pending) -> int:
    head = pending.head()
    return (head.index if isinstance(head, RowError) else head[0]) + 1


class _Progress:
    """A rich progress bar (rows read, rows written, rows/s) on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total
        self._n_read = self._n_wrote = 0

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn(),
                              console=Console(stderr=True), transient=True)
            self.p.__enter__()
            self.t_read = self.p.add_task("read", total=self.total, rate="-")
            self.t_wrote = self.p.add_task("screened", total=self.total, rate="-")
        return self

    def read(self) -> None:
        self._n_read += 1
        if self.enabled and self._n_read % 1000 == 0:
            self._update(self.t_read, self._n_read)

    def wrote(self) -> None:
        self._n_wrote += 1
        if self.enabled and self._n_wrote % 1000 == 0:
            self._update(self.t_wrote, self._n_wrote)

    def _update(self, task: Any, n: int) -> None:
        elapsed = self.p.tasks[task].elapsed or 0.0
        self.p.update(task, completed=n, rate=f"{n / elapsed:,.0f}" if elapsed else "-")

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._update(self.t_read, self._n_read)
            self._update(self.t_wrote, self._n_wrote)
            self.p.__exit__(*exc)
