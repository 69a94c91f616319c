"""`earlog screen`: order books in every format against a base, one report row per
input row, error rows that move no total, what-if diffs, and the verdicts equal to
`earlog eval` on the same whole scenario."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import earlog
from earlog.engine import load_policy
from earlog.errors import InputError
from earlog.scenario.json_input import load_json_file, scenario_from_dict
from earlog.screen import Options, screen
from earlog.screen.report import VerdictRow, columns, read_report, read_stamp, verdict_cells

ROOT = Path(__file__).resolve().parent.parent
ORDERS = ROOT / "queries" / "orders" / "sample_orders.csv"
BASE = ROOT / "queries" / "orders" / "base.json"
FIELDS = ["id", "kind", "item", "quantity", "from", "to", "consignee", "end_user", "end_use", "date",
          "prior_notification", "prior_certification"]


def book_rows() -> list[dict[str, str]]:
    with ORDERS.open(newline="") as fh:
        return list(csv.DictReader(fh))


def good_rows() -> list[dict[str, str]]:
    """The sample book's valid rows (the bad ones are known by their id)."""
    bad = {"SO-1010", "SO-1013", "SO-1015", "SO-1019", "SO-1022", "SO-1032"}
    seen: set[str] = set()
    out = []
    for r in book_rows():
        if r["id"] in bad or r["id"] in seen:
            continue
        seen.add(r["id"])
        out.append(r)
    return out


def as_json_tx(r: dict[str, str]) -> dict[str, Any]:
    flags = {k: r[k] == "yes" for k in ("prior_notification", "prior_certification") if k in r}
    return {**r, "quantity": int(r["quantity"]), **flags}


def whole_eval(rows: list[dict[str, str]], changes: dict[str, Any] | None = None) -> list[earlog.Verdict]:
    """`earlog eval` of base + rows as one scenario: the reference every screen answer must equal."""
    data = json.loads(BASE.read_text())
    data.update(changes or {})
    data["transactions"] = [as_json_tx(r) for r in rows]
    return earlog.evaluate(scenario_from_dict(data))


def cites() -> dict[str, str]:
    return {rid: r.cite for rid, r in load_policy().rules.items()}


def run(book: Path, out: Path, base: Path = BASE, **kw: Any) -> Any:
    return screen(book, base, out, Options(**kw))


def earlog_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "earlog.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=os.environ.copy())


# --- one row per input row, bad rows, and the verdicts of the whole scenario ----------------


def test_every_input_row_has_one_report_row_in_order_and_bad_rows_move_no_total(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    summary = run(ORDERS, out)
    rows = list(read_report(out))
    book = book_rows()
    assert len(rows) == len(book) == 32
    assert [r["row"] for r in rows] == list(range(1, 33))
    assert [r["id"] for r in rows] == [b["id"] for b in book]
    errors = {r["id"] if r["row"] != 31 else "dup": (r["error_field"], r["error"]) for r in rows if r["error"]}
    assert errors == {
        "SO-1010": ("quantity", "expected a quantity of zero or more, got -50"),
        "SO-1013": ("item", "item 'h200' is not a declared item (did you mean 'h100'?)"),
        "SO-1015": ("to", "unknown country code 'XX'; expected an ISO 3166-1 alpha-2 code"),
        "SO-1019": ("date", "expected a date as \"YYYY-MM-DD\", got '2025-13-01'"),
        "SO-1022": ("quantity", "a transaction needs the field 'quantity'"),
        "dup": ("id", "transaction id 'SO-1004' is used twice (first in row 4)"),
        "SO-1032": ("end_use", "expected an end use, one of development, production, storage, training, "
                               "inference, research, other; got 'mining' (did you mean 'training'?)"),
    }
    assert all(r["outcome"] is None for r in rows if r["error"])
    # the good rows' verdicts are exactly those of base + good rows as one scenario: the bad
    # rows (a 2,000-unit duplicate, a negative quantity) were never counted
    expected = whole_eval(good_rows())
    c = cites()
    got = [r for r in rows if not r["error"]]
    assert len(got) == len(expected) == 25
    names = [n for n, _ in columns(False) if n not in ("row", "id", "error_field", "error_value", "error")]
    for r, v in zip(got, expected, strict=True):
        assert r["id"] == v.transaction
        want = verdict_cells(v, c)
        assert {n: r[n] for n in names} == {n: want[n] for n in names}, r["id"]
    assert summary.rows == 32 and summary.errors == 7


def test_the_lpp_cap_is_crossed_in_the_sample_book(tmp_path: Path) -> None:
    """15 CFR 740.29: LPP is capped per ultimate consignee per year; ganga-dc's ledger
    entry (1,200 H100s) and its 300 in June leave no room for 250 more."""
    out = tmp_path / "r.csv"
    run(ORDERS, out)
    by_id = {r["id"]: r for r in read_report(out)}
    assert by_id["SO-1002"]["authorization"] == "LPP"
    assert by_id["SO-1003"]["authorization"] == "license"
    assert by_id["SO-1003"]["outcome_rule"] == "outcome.license_within_cap"
    assert "LPP=lpp.within_cap" in by_id["SO-1003"]["first_failed"]


def test_strict_stops_at_the_first_bad_row_with_exit_2_and_leaves_no_report(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    r = earlog_cli("screen", str(ORDERS), "--scenario", str(BASE), "-o", str(out), "--strict")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"earlog: error: {ORDERS}: row 10 (id 'SO-1010'), quantity: expected a quantity of zero or more, got -50"]
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, message", [
    (["missing.csv"], "missing.csv: the order book file does not exist"),
    (["orders.txt"], "orders.txt: unknown order book format '.txt'"),
    (["good.csv", "-o", "r.xml"], "r.xml: unknown report format '.xml'"),
    (["extra.csv"], "extra.csv: column 'Price': is not a transaction field"),
    (["good.csv", "--scenario", "nobase.json"], "nobase.json: the base scenario file does not exist"),
])
def test_cli_errors_are_one_line_with_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "orders.txt").write_text("id\n")
    (tmp_path / "good.csv").write_text(ORDERS.read_text())
    (tmp_path / "extra.csv").write_text("id,Price\nx,3\n")
    argv = ["screen", *(str(tmp_path / a) if a.endswith((".csv", ".txt", ".xml", ".json")) else a for a in args)]
    if "--scenario" not in args:
        argv += ["--scenario", str(BASE)]
    if "-o" not in args:
        argv += ["-o", str(tmp_path / "r.csv")]
    r = earlog_cli(*argv)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_malformed_lines_become_error_rows(tmp_path: Path) -> None:
    book = tmp_path / "b.csv"
    rows = good_rows()[:3]
    text = ",".join(FIELDS) + "\n" + "\n".join(",".join(r[f] for f in FIELDS) for r in rows) + "\n"
    lines = text.splitlines()
    lines.insert(2, "broken,line")
    book.write_text("\n".join(lines) + "\n")
    jl = tmp_path / "b.jsonl"
    jl.write_text("\n".join([json.dumps(as_json_tx(rows[0])), "{not json", "[1, 2]",
                             json.dumps({**as_json_tx(rows[1]), "price": 3}), json.dumps(as_json_tx(rows[2]))]) + "\n")
    r1 = list(read_report(_screened(book, tmp_path / "r1.jsonl")))
    short = f"line 3: expected {len(FIELDS)} cells as in the header, got 2"
    assert [(r["row"], r["error"]) for r in r1] == [(1, None), (2, short), (3, None), (4, None)]
    r2 = list(read_report(_screened(jl, tmp_path / "r2.jsonl")))
    assert [r["row"] for r in r2] == [1, 2, 3, 4, 5]
    assert r2[1]["error"].startswith("line 2: malformed JSON")
    assert r2[2]["error"] == "line 3: expected a JSON object (one transaction per line)"
    assert r2[3]["error_field"] == "price" and r2[3]["error"].startswith("unknown field 'price' in a transaction")
    assert r2[4]["outcome"] is not None


def _screened(book: Path, out: Path, **kw: Any) -> Path:
    run(book, out, **kw)
    return out


# --- formats and --map --------------------------------------------------------------------


def write_books(rows: list[dict[str, str]], d: Path) -> dict[str, Path]:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = {fmt: d / f"book.{fmt}" for fmt in ("csv", "jsonl", "parquet", "xlsx")}
    with paths["csv"].open("w", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        w.writerows(rows)
    paths["jsonl"].write_text("".join(json.dumps(as_json_tx(r)) + "\n" for r in rows))
    cols: dict[str, Any] = {f: [r[f] for r in rows] for f in FIELDS}
    cols["quantity"] = pa.array([int(r["quantity"]) for r in rows], pa.int64())
    cols["date"] = pa.array([dt.date.fromisoformat(r["date"]) for r in rows], pa.date32())
    pq.write_table(pa.table(cols), paths["parquet"], row_group_size=7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(FIELDS)
    for r in rows:
        ws.append([int(r[f]) if f == "quantity" else dt.datetime.fromisoformat(r[f]) if f == "date" else r[f]
                   for f in FIELDS])
    wb.save(paths["xlsx"])
    return paths


def test_every_book_format_gives_the_same_report(tmp_path: Path) -> None:
    rows = good_rows()[:12]
    reports = {}
    for fmt, path in write_books(rows, tmp_path).items():
        reports[fmt] = list(read_report(_screened(path, tmp_path / f"{fmt}.jsonl")))
    assert len(reports["csv"]) == 12 and not any(r["error"] for r in reports["csv"])
    assert reports["jsonl"] == reports["csv"] and reports["parquet"] == reports["csv"]
    assert reports["xlsx"] == reports["csv"]
    from earlog.screen.book import open_book

    paths = {f: tmp_path / f"book.{f}" for f in reports}
    records = {f: list(open_book(p).records()) for f, p in paths.items()}
    assert records["csv"] == records["jsonl"] == records["parquet"] == records["xlsx"]
    assert records["csv"][0]["quantity"] == int(rows[0]["quantity"]) and records["csv"][0]["date"] == rows[0]["date"]


def test_every_report_format_holds_the_same_rows(tmp_path: Path) -> None:
    out = {fmt: _screened(ORDERS, tmp_path / f"r.{fmt}") for fmt in ("csv", "jsonl", "parquet")}
    pq_rows = list(read_report(out["parquet"]))
    jl_rows = list(read_report(out["jsonl"]))
    assert pq_rows == jl_rows
    csv_rows = list(read_report(out["csv"]))
    assert [r["outcome"] for r in csv_rows] == [r["outcome"] for r in jl_rows]
    assert list(csv_rows[0]) == [n for n, _ in columns(False)]


def test_map_renames_columns_and_ignore_leaves_one_out(tmp_path: Path) -> None:
    rows = good_rows()[:4]
    book = tmp_path / "b.csv"
    header = ["Order No", "kind", "item", "Qty", "from", "to", "consignee", "end_user", "end_use", "date",
              "prior_notification", "prior_certification", "Note"]
    with book.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([r["id"], *(r[f] for f in FIELDS[1:3]), r["quantity"], *(r[f] for f in FIELDS[4:]), "n"])
    with pytest.raises(InputError, match="column 'Order No': is not a transaction field"):
        run(book, tmp_path / "r.csv")
    with pytest.raises(InputError, match="--map Qty=qty.*'qty' is not a transaction field"):
        run(book, tmp_path / "r.csv", mapping=["Qty=qty"])
    out = _screened(book, tmp_path / "r.jsonl", mapping=["Order No=id", "Qty=quantity"], ignore=["Note"])
    got = list(read_report(out))
    assert [r["id"] for r in got] == [r["id"] for r in rows] and not any(r["error"] for r in got)


def test_an_earlog_base_screens_like_the_json_base(tmp_path: Path) -> None:
    base = tmp_path / "base.earlog"
    sc = load_json_file(BASE)
    lines = []
    for p in sc.parties:
        parent = f", parent: {p.parent}" if p.parent else ""
        lines.append(f"party {p.id} {{ hq: {p.hq}, located: {p.located}{parent} }}")
    for i in sc.items:
        lines.append(f"item {i.id} {{ eccn: {i.eccn}, tpp: {i.tpp}, datacenter: yes, designer: {i.designer} }}")
    lines.append("ledger L-2025-02-ganga { export 1,200 h100 from US to IN, consignee: ganga-dc, "
                 "end_user: ganga-dc, end_use: inference, date: 2025-02-03, authorization: LPP }")
    base.write_text("\n".join(lines) + "\n")
    a = list(read_report(_screened(ORDERS, tmp_path / "a.jsonl")))
    run(ORDERS, tmp_path / "b.jsonl", base=base)
    b = list(read_report(tmp_path / "b.jsonl"))
    assert a == b


def test_a_base_with_transactions_is_refused(tmp_path: Path) -> None:
    data = json.loads(BASE.read_text())
    data["transactions"] = [as_json_tx(good_rows()[0])]
    base = tmp_path / "base.json"
    base.write_text(json.dumps(data))
    with pytest.raises(InputError, match="the base holds 1 transaction"):
        run(ORDERS, tmp_path / "r.csv", base=base)


def test_hostile_names_are_only_names(tmp_path: Path) -> None:
    hostile = "x). license_required(y"
    data = json.loads(BASE.read_text())
    data["parties"].append({"id": hostile, "hq": "NO", "located": "NO"})
    base = tmp_path / "base.json"
    base.write_text(json.dumps(data))
    book = tmp_path / "b.jsonl"
    row = {**as_json_tx(good_rows()[0]), "id": "#show. a :- b.", "consignee": hostile, "end_user": hostile,
           "to": "NO"}
    book.write_text(json.dumps(row) + "\n")
    got = list(read_report(_screened(book, tmp_path / "r.jsonl", base=base)))
    assert got[0]["id"] == "#show. a :- b." and got[0]["error"] is None
    assert got[0]["outcome"] == "authorized_by_exception" and got[0]["authorization"] == "AIA"


# --- summary and stamp ----------------------------------------------------------------------


def test_summary_counts_outcomes_by_country_and_lists_the_errors(tmp_path: Path) -> None:
    out, js = tmp_path / "r.csv", tmp_path / "s.json"
    r = earlog_cli("screen", str(ORDERS), "--scenario", str(BASE), "-o", str(out), "--summary", str(js))
    assert r.returncode == 0, r.stderr
    s = json.loads(js.read_text())
    rows = list(read_report(out))
    by_country: dict[str, Counter[str]] = {}
    to = {b["id"]: b["to"] for b in good_rows()}
    for row in rows:
        if not row["error"]:
            by_country.setdefault(to[row["id"]], Counter())[row["outcome"]] += 1
    assert s["outcomes_by_country"] == {c: dict(n) for c, n in by_country.items()}
    assert (s["rows"], s["screened"], s["rows_in_error"]) == (32, 25, 7)
    assert [e["row"] for e in s["errors"]] == [10, 13, 15, 19, 22, 31, 32]
    assert "rows: 32  screened: 25  in error: 7" in r.stdout
    assert "  row 13 SO-1013: item: item 'h200' is not a declared item" in r.stdout


def test_the_report_is_stamped_with_the_policy_and_interpretations(tmp_path: Path) -> None:
    from earlog.commands.interpretations import interpretation_catalogue

    defaults = {q["question"]: q["default"] for q in interpretation_catalogue()}
    for fmt in ("csv", "jsonl", "parquet"):
        out = _screened(ORDERS, tmp_path / f"r.{fmt}", assume=["cyprus_in_d5=yes"])
        st = read_stamp(out)
        assert st["policy"] == "ai-diffusion-2025" and len(st["policy_sha256"]) == 64
        assert st["interpretations"] == defaults
        assert st["what_if"]["interpretations"] == {**defaults, "cyprus_in_d5": "yes"}
        assert st["what_if"]["changes"] == ["assume cyprus_in_d5 = yes"]
    assert (tmp_path / "r.csv").read_text().startswith("# earlog {")
    assert (tmp_path / "r.jsonl.meta.json").exists()


# --- what-if ----------------------------------------------------------------------------------


def test_a_row_shipped_away_from_its_consignee_is_an_error_row_that_moves_no_total(tmp_path: Path) -> None:
    """15 CFR 772.1: the ultimate consignee receives the items.  A row exporting to India for a
    consignee located in Brazil contradicts itself (scenario/validate.py refuses it in a scenario);
    in a book it is an error row naming `to`, and the next row's LPP total is as if it never was."""
    header = ",".join(FIELDS)
    rows = ["A1,export,h100,1000,US,IN,nuvem,nuvem,inference,2025-06-01,yes,yes",
            "A2,export,h100,1000,US,BR,nuvem,nuvem,inference,2025-06-02,yes,yes"]
    book = tmp_path / "b.csv"
    book.write_text("\n".join([header, *rows]) + "\n")
    out = tmp_path / "r.jsonl"
    run(book, out)
    got = list(read_report(out))
    assert [r["id"] for r in got] == ["A1", "A2"]
    assert got[0]["error_field"] == "to" and got[0]["outcome"] is None
    assert got[0]["error"].startswith("the export goes to IN, but its consignee 'nuvem' is located in BR")
    alone = tmp_path / "alone.csv"
    alone.write_text("\n".join([header, rows[1]]) + "\n")
    run(alone, tmp_path / "alone.jsonl")
    assert {k: v for k, v in got[1].items() if k != "row"} == {
        k: v for k, v in next(iter(read_report(tmp_path / "alone.jsonl"))).items() if k != "row"}


def test_summary_totals_are_the_verdicts_last_totals_per_country_and_per_ultimate_consignee(tmp_path: Path) -> None:
    """Issue 9 point 1: the summary gives the allocation used per country and the LPP used per
    ultimate consignee (seed 004: "per year per ultimate consignee"), as the verdicts report them."""
    summary = run(ORDERS, tmp_path / "r.jsonl").to_json()
    alloc: dict[str, int] = {}
    lpp: dict[str, int] = {}
    for v in whole_eval(good_rows()):
        if v.allocation and v.allocation.get("used_after_tpp") is not None:
            c = v.allocation["country"]
            alloc[c] = max(alloc.get(c, 0), v.allocation["used_after_tpp"])
        if v.lpp and v.lpp.get("used_after_tpp") is not None:
            u = v.lpp["ultimate_consignee"]
            lpp[u] = max(lpp.get(u, 0), v.lpp["used_after_tpp"])
    assert summary["allocation_used_tpp_by_country"] == alloc and alloc
    assert summary["lpp_used_tpp_by_ultimate_consignee"] == lpp
    assert lpp["ganga-dc"] > 25_000_000  # the sample book crosses ganga-dc's cap


def test_what_if_writes_both_verdicts_and_counts_the_changes(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    summary = run(ORDERS, out, what_if=["tier SG = 1"])
    rows = [r for r in read_report(out) if not r["error"]]
    before = whole_eval(good_rows())
    after = whole_eval(good_rows(), {"countries": {"SG": {"tier": 1}}})
    c = cites()
    to = {b["id"]: b["to"] for b in good_rows()}
    transitions: Counter[str] = Counter()
    for r, v, w in zip(rows, before, after, strict=True):
        assert r["outcome"] == v.outcome and r["whatif_outcome"] == w.outcome
        assert r["whatif_outcome_rule"] == verdict_cells(w, c)["outcome_rule"]
        if v.outcome != w.outcome:
            transitions[f"{to[r['id']]}: {v.outcome} -> {w.outcome}"] += 1
    assert transitions  # moving Singapore to Tier 1 changes some outcomes
    j = summary.to_json()["what_if"]
    assert j["outcome_changed"] == sum(transitions.values())
    assert {f"{c}: {t}": n for c, ts in j["transitions_by_country"].items() for t, n in ts.items()} == transitions
    changed = sum(1 for v, w in zip(before, after, strict=True)
                  if {**v.to_json(), "transaction": None} != {**w.to_json(), "transaction": None})
    assert j["rows_changed"] == changed


def test_a_bad_what_if_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown country code 'XQ'"):
        run(ORDERS, tmp_path / "r.csv", what_if=["tier XQ = 1"])
    with pytest.raises(InputError, match="expected NAME=VALUE"):
        run(ORDERS, tmp_path / "r.csv", assume=["cyprus_in_d5"])
    with pytest.raises(InputError, match="cyprus_in_d5 has no alternative 'maybe'"):
        run(ORDERS, tmp_path / "r.csv", assume=["cyprus_in_d5=maybe"])


# --- more than one core, more than one machine ---------------------------------------------


def test_jobs_2_equals_jobs_1(tmp_path: Path) -> None:
    one = _screened(ORDERS, tmp_path / "one.csv", jobs=1)
    two = _screened(ORDERS, tmp_path / "two.csv", jobs=2)
    assert one.read_text() == two.read_text()


def test_jobs_replace_their_workers_as_a_book_goes_and_still_equal_jobs_1(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Worker processes are replaced by fresh ones every WORKER_BATCHES batches (clingo keeps every
    symbol a grounding makes until its process ends): here a pool per 2 batches of 2 keys.  The report
    is the in-process one, and every answer comes back with the scenario it was solved from (kept by
    the caller, not sent back)."""
    import concurrent.futures

    from earlog.engine import screening
    from earlog.screen import run as run_mod

    one = _screened(ORDERS, tmp_path / "one.csv", jobs=1)
    pools: list[int] = []

    class Counted(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *a: Any, **kw: Any) -> None:
            pools.append(kw.get("max_workers", 0))
            super().__init__(*a, **kw)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(run_mod, "WORKER_BATCHES", 1)
    monkeypatch.setattr(screening, "POOL_BATCH", 2)
    screening._CACHE.clear()
    two = _screened(ORDERS, tmp_path / "two.csv", jobs=2)
    assert two.read_text() == one.read_text()
    assert len(pools) >= 4 and set(pools) == {2}
    kept = screening._CACHE.values()
    assert kept and all(res.payload is not None and res.payload[1] is not None for res in kept)
    screening._CACHE.clear()


def test_dask_local_cluster_equals_in_process(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    one = _screened(ORDERS, tmp_path / "one.csv")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        out = _screened(ORDERS, tmp_path / "dask.csv", dask=cluster.scheduler_address)
    assert out.read_text() == one.read_text()


def test_reference_engine_is_forced_by_name(tmp_path: Path) -> None:
    out = _screened(ORDERS, tmp_path / "r.csv", engine="reference")
    assert read_stamp(out)["engine"] == "reference"
    with pytest.raises(earlog.errors.EarlogError, match="--engine: expected auto, fast, reference"):
        run(ORDERS, tmp_path / "r.csv", engine="quick")


def test_the_reference_screener_is_the_whole_scenario() -> None:
    from earlog.screen.reference import ReferenceScreener, ScreenRow

    sc = load_json_file(BASE)
    rows = good_rows()[:6]
    txs = scenario_from_dict({**json.loads(BASE.read_text()),
                              "transactions": [as_json_tx(r) for r in rows]}).transactions
    got = list(ReferenceScreener(sc).screen(ScreenRow(i * 2, t) for i, t in enumerate(txs)))
    want = whole_eval(rows)
    assert [i for i, _ in got] == [0, 2, 4, 6, 8, 10]
    assert [v.to_json() for _, v in got] == [v.to_json() for v in want]
    assert dataclasses.is_dataclass(got[0][1])


def test_the_row_memo_accepts_and_parses_exactly_what_the_full_check_does() -> None:
    """Each field's value is checked once and remembered; a row built from remembered
    values must be the transaction the scenario's own reader builds, and any value the
    reader refuses must send the row to the full check (which names the error)."""
    from earlog.engine import vocabulary
    from earlog.scenario.model import Transaction
    from earlog.screen.rows import RowChecker

    checker = RowChecker(load_json_file(BASE), vocabulary(load_policy()), "b")
    variants: list[Any] = ["", " ", "BR", "br", "XX", 1, 0, -1, True, False, 1.0, None, "1", "2025-06-01",
                           "2025-6-1", "nuvem", "h100", "export", "inference", [1], {"a": 1}]
    rows = [as_json_tx(r) for r in good_rows()]
    checked = 0
    for r in rows:
        for f in [*FIELDS, "exporter", "prior_certification", "ultimate_destination", "authorization", "price"]:
            for v in variants:
                rec = {**r, f: v} if v is not None else {k: x for k, x in r.items() if k != f}
                fast, full = checker._fast(rec), checker._full(rec)
                if fast is not None:
                    assert isinstance(full, Transaction), (f, v, full)
                    assert dataclasses.replace(fast, src=full.src) == full, (f, v)
                    checked += 1
                else:
                    assert not isinstance(full, Transaction), (f, v)
    assert checked > 200


def test_dask_without_distributed_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(earlog.errors.EarlogError, match=r"--dask needs the distributed package: pip install"):
        run(ORDERS, tmp_path / "r.csv", dask="tcp://127.0.0.1:8786")
    assert not (tmp_path / "r.csv").exists()


def test_jobs_and_dask_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(earlog.errors.EarlogError, match="--jobs: expected 1 or more, got 0"):
        run(ORDERS, tmp_path / "r.csv", jobs=0)
    with pytest.raises(earlog.errors.EarlogError, match="--jobs and --dask cannot be combined"):
        run(ORDERS, tmp_path / "r.csv", jobs=2, dask="tcp://127.0.0.1:8786")


def test_a_random_book_screens_exactly_like_earlog_eval(tmp_path: Path) -> None:
    """Differential: a random book over the sample base (dates on both sides of the
    compliance dates, repeated consignees so LPP caps and allocations are crossed, a few
    bad rows mixed in) screened by the engine `earlog screen` picks, against `earlog
    eval` of base + the valid rows as one scenario, every verdict field compared."""
    import random

    from earlog.screen.run import choose_engine

    rng = random.Random(9)
    data = json.loads(BASE.read_text())
    parties = [p["id"] for p in data["parties"]]
    located = {p["id"]: p["located"] for p in data["parties"]}
    rows: list[dict[str, Any]] = []
    for k in range(160):
        p = rng.choice(parties)
        r = {"id": f"r{k}", "kind": rng.choice(["export", "export", "reexport"]), "item": rng.choice(["h100", "l40"]),
             "quantity": rng.choice([10, 100, 400, 900, 2500]), "from": "US", "to": located[p], "consignee": p,
             "end_use": rng.choice(["inference", "training", "research"]),
             "date": f"{rng.choice([2025, 2026, 2027])}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
             "prior_notification": True, "prior_certification": True}
        if r["kind"] == "reexport":
            r["from"] = "SG"
        if k % 23 == 5:
            r["quantity"] = rng.choice([-3, 0, "many"])
        rows.append(r)
    book = tmp_path / "b.jsonl"
    book.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = _screened(book, tmp_path / "r.jsonl")
    got = list(read_report(out))
    assert len(got) == 160
    valid = [r for r, g in zip(rows, got, strict=True) if not g["error"]]
    assert 140 < len(valid) < 160
    expected = {v.transaction: v for v in earlog.evaluate(scenario_from_dict({**data, "transactions": valid}))}
    outcomes = Counter(g["outcome"] for g in got if not g["error"])
    assert outcomes["license_presumption_approval"] and outcomes["authorized_by_exception"], outcomes
    c = cites()
    for g in got:
        if g["error"]:
            continue
        want = verdict_cells(expected[g["id"]], c)
        assert {k: g[k] for k in want} == want, g["id"]
    # and the whole verdict, from the screener itself
    screener_cls, row_cls, _ = choose_engine("auto")
    txs = scenario_from_dict({**data, "transactions": valid}).transactions
    screened = dict(screener_cls(load_json_file(BASE)).screen(
        row_cls(i, t) for i, t in enumerate(txs)))
    for i, t in enumerate(txs):
        assert screened[i].to_json() == expected[t.id].to_json(), t.id


def test_the_csv_cell_memo_answers_exactly_as_the_record_check() -> None:
    from earlog.engine import vocabulary
    from earlog.screen.book import converter, record_of
    from earlog.screen.rows import RowChecker

    vocab = vocabulary(load_policy())
    by_cells = RowChecker(load_json_file(BASE), vocab, "b")
    by_record = RowChecker(load_json_file(BASE), vocab, "b")
    fields: list[str | None] = [*FIELDS, "prior_certification", None]
    conv = [(f, converter(f)) for f in fields]
    variants = ["", " ", "BR", "br", " BR ", "XX", "1", "0", "-1", "yes", "no", "true", "1.0", "2025-06-01",
                "2025-6-1", "nuvem", "h100", "export", "inference", " 12 "]
    n = 0
    for r in good_rows():
        base_cells = [r[f] for f in FIELDS] + ["", "x"]
        for j in range(len(fields)):
            for v in variants:
                cells = list(base_cells)
                cells[j] = v
                a = by_cells.check_cells(n, fields, cells)
                b = by_record.check(n, record_of(conv, cells))
                assert a == b, (fields[j], v)
                n += 1
    assert len(by_cells.seen) == len(by_record.seen) > 20


def test_bytes_that_are_not_utf8_and_oversized_cells_are_error_rows(tmp_path: Path) -> None:
    rows = good_rows()[:3]
    lines = [",".join(FIELDS).encode()] + [",".join(r[f] for f in FIELDS).encode() for r in rows]
    lines[2] = lines[2].replace(b"SO-1002", b"SO-1002\xe9")  # a Latin-1 e-acute in the id
    lines.insert(3, b'"' + b"x" * 200_000 + b'",' + b",".join(rows[0][f].encode() for f in FIELDS[1:]))
    book = tmp_path / "b.csv"
    book.write_bytes(b"\n".join(lines) + b"\n")
    for fmt in ("csv", "jsonl"):
        got = list(read_report(_screened(book, tmp_path / f"r.{fmt}")))
        assert [int(g["row"]) for g in got] == [1, 2, 3, 4]
        assert got[0]["error"] is None and got[3]["error"] is None
        assert got[1]["id"] == "SO-1002\ufffd" and got[1]["error_field"] == "id"
        assert got[1]["error"] == "expected a transaction id in UTF-8 text, got bytes that are not UTF-8"
        assert got[2]["error"].startswith("line 4: unreadable CSV: field larger than field limit")


def test_a_sheet_value_outside_the_named_columns_is_an_error_row(tmp_path: Path) -> None:
    import openpyxl

    rows = good_rows()[:2]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(FIELDS)
    ws.append([int(r[f]) if f == "quantity" else r[f] for f in FIELDS for r in [rows[0]]])
    ws.append([*(int(rows[1][f]) if f == "quantity" else rows[1][f] for f in FIELDS), "stray note"])
    ws.append([])
    book = tmp_path / "b.xlsx"
    wb.save(book)
    got = list(read_report(_screened(book, tmp_path / "r.jsonl")))
    assert [g["row"] for g in got] == [1, 2]
    assert got[0]["error"] is None
    assert got[1]["error"] == "sheet row 3: a value right of the last named column: 'stray note'"


def test_an_empty_book_and_a_book_of_bad_rows_give_their_rows_and_nothing_else(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text(",".join(FIELDS) + "\n")
    s = run(empty, tmp_path / "e.parquet")
    assert s.rows == 0 and list(read_report(tmp_path / "e.parquet")) == []
    bad = tmp_path / "b.csv"
    bad.write_text(",".join(FIELDS) + "\n" + "x,export,h100,-1,US,BR,nuvem,nuvem,inference,2025-06-01,yes,yes\n")
    s = run(bad, tmp_path / "b.csv.jsonl")
    got = list(read_report(tmp_path / "b.csv.jsonl"))
    assert s.errors == 1 and len(got) == 1 and got[0]["error_field"] == "quantity"


# --- the per-row fast paths: a row whose cells (but id and date) repeat an earlier valid row's
# reuses that row's check, and still gets its own id, date, duplicate-id check and error row;
# the report values of a verdict are those read field by field, whatever the memo holds.

def _checkers() -> tuple[Any, Any]:
    from earlog.engine import vocabulary
    from earlog.screen.rows import RowChecker

    vocab = vocabulary(load_policy())
    return RowChecker(load_json_file(BASE), vocab, "b"), RowChecker(load_json_file(BASE), vocab, "b")


def test_a_repeated_row_is_checked_as_the_record_check_does_with_its_own_id_date_and_errors() -> None:
    from earlog.screen.book import converter, record_of
    from earlog.screen.rows import RowError

    by_cells, by_record = _checkers()
    fields: list[str | None] = [*FIELDS, None]
    conv = [(f, converter(f)) for f in fields]
    r = good_rows()[0]
    cells = [r[f] for f in FIELDS] + ["ignored"]
    changes: list[dict[str, str]] = [
        {}, {"id": "A2"}, {"id": "A3", "date": "2026-03-04"}, {"id": "A4", "date": "2025-13-01"},
        {"id": "A5", "date": ""}, {"id": " "}, {"id": "A2"}, {"id": "A6", "quantity": "many"},
        {"id": "A7", "quantity": "0"}, {"id": "A8", "to": "XX"}, {"id": "A9", "date": " 2026-03-04 "},
        {"id": " A10 "}, {"id": "A11", "consignee": "nobody"}, {"id": "A12"}, {"id": "A3"},
    ]
    got = []
    for n, change in enumerate(changes):
        row = list(cells)
        for f, v in change.items():
            row[FIELDS.index(f)] = v
        a = by_cells.check_cells(n, fields, list(row))
        b = by_record.check(n, record_of(conv, row))
        assert a == b, change
        got.append(a)
    assert by_cells.row_hits >= 4  # the rows that differ only in id or a valid date
    errors = {e.index: e for e in got if isinstance(e, RowError)}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 12, 14}
    assert (errors[3].field, errors[3].value) == ("date", "2025-13-01")
    assert errors[6].message.startswith("transaction id 'A2' is used twice (first in row 2)")
    assert (errors[7].id, errors[7].field, errors[7].value) == ("A6", "quantity", "many")
    dated = got[2]
    assert not isinstance(dated, RowError) and dated.date == 20260304 and dated.id == "A3"
    assert not isinstance(got[13], RowError) and got[13].id == "A12" and str(got[13].src) == "b: row 14"
    assert not isinstance(got[0], RowError) and got[0].id == r["id"] and str(got[0].src) == "b: row 1"


def test_a_book_of_repeated_deals_screens_like_the_whole_scenario(tmp_path: Path) -> None:
    """Deals repeated under new ids and dates, one copy with a bad quantity and one with a
    bad date: one report row per input row, the bad copies error rows that name their
    field and value, the others the verdicts of `earlog eval` on the valid rows."""
    deals = good_rows()[:3]
    rows: list[dict[str, str]] = []
    for k in range(4):
        for j, d in enumerate(deals):
            rows.append({**d, "id": f"R{k}-{j}", "date": f"2026-0{k + 1}-1{j}"})
    rows[4]["quantity"] = "many"
    rows[7]["date"] = "2026-02-30"
    book = tmp_path / "b.csv"
    with book.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    got = list(read_report(run(book, tmp_path / "r.csv") and tmp_path / "r.csv"))
    assert [g["row"] for g in got] == [str(i + 1) for i in range(len(rows))]
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    assert [(g["error_field"], g["error_value"]) for g in got if g["error"]] == [("quantity", "many"),
                                                                                ("date", "2026-02-30")]
    valid = [r for r, g in zip(rows, got, strict=True) if not g["error"]]
    c = cites()
    want = {v.transaction: verdict_cells(v, c) for v in whole_eval(valid)}
    for g in got:
        if not g["error"]:
            text = {k: (None if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                    for k, v in want[g["id"]].items()}
            assert {k: g[k] for k in text} == text, g["id"]


def test_report_values_do_not_depend_on_what_the_memo_has_seen() -> None:
    verdicts = whole_eval(good_rows())
    c = cites()
    shared = VerdictRow(c)
    for v in verdicts + verdicts:
        assert shared(v) == VerdictRow(c)(v)
    # a verdict whose texts changed in a new list or dict gets the new texts
    v = verdicts[0]
    flags: list[Any] = [{"rule": "x.first"}, {"rule": "x.second"}]
    v2 = type(v)(**{**v.__dict__, "red_flags": flags})
    assert shared(v2)[-1] == "x.first; x.second"
    v3 = type(v)(**{**v.__dict__, "red_flags": flags[:1]})
    assert shared(v3)[-1] == "x.first"
    assert json.dumps(shared(v)) == json.dumps(VerdictRow(c)(v))


def test_the_row_memo_of_a_book_that_does_not_repeat_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its size is bounded: once full, a memo that answered fewer rows than it holds goes,
    and the rows after it are checked cell by cell, with the same answers."""
    import earlog.screen.rows as rows_mod
    from earlog.screen.book import converter, record_of

    monkeypatch.setattr(rows_mod, "ROW_MEMO_LIMIT", 3)
    by_cells, by_record = _checkers()
    fields: list[str | None] = list(FIELDS)
    conv = [(f, converter(f)) for f in fields]
    for n, r in enumerate(good_rows()):
        cells = [r[f] for f in FIELDS]
        assert by_cells.check_cells(n, fields, list(cells)) == by_record.check(n, record_of(conv, cells))
    assert by_cells.row_memo is None
