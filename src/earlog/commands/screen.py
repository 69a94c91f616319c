"""`earlog screen`: an order book against a base scenario, one verdict row per input row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import app


@app.command("screen")
def screen_cmd(
    orders: Annotated[Path, typer.Argument(help="The order book: .csv, .jsonl, .parquet or .xlsx, one "
                                                "transaction per row, columns named as the scenario JSON's "
                                                "transaction fields.")],
    scenario: Annotated[Path, typer.Option("--scenario", help="The base: parties, items, ledger, assume and "
                                                              "overrides (.json or .earlog).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The report: .csv, .jsonl or .parquet.")],
    map_: Annotated[list[str] | None, typer.Option("--map", help="COLUMN=FIELD: read a column as a transaction "
                                                                 "field (repeatable).")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="A column that is no transaction field, "
                                                                      "left out (repeatable).")] = None,
    what_if: Annotated[list[str] | None, typer.Option("--what-if", help="A change in the language's syntax, e.g. "
                                                                        "\"tier SG = 1\" (repeatable): both "
                                                                        "verdicts per row and a diff summary.")] = None,
    assume: Annotated[list[str] | None, typer.Option("--assume", help="NAME=VALUE: an interpretation for the "
                                                                      "what-if (repeatable).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad row (exit 2).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Solve cache misses in N local processes.")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="Solve cache misses on the Dask cluster at "
                                                            "ADDRESS (needs earlog[dask]).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="auto (the fast screener when built in), fast, or "
                                                         "reference (the whole book as one scenario).")] = "auto",
    summary: Annotated[Path | None, typer.Option("--summary", help="Also write the summary as JSON here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Screen an order book: one report row per input row, in input order; bad rows become error rows.

    Example: earlog screen queries/orders/sample_orders.csv --scenario queries/orders/base.json -o report.csv
    """
    from earlog.screen import Options
    from earlog.screen import screen as run_screen

    opts = Options(mapping=map_ or [], ignore=ignore or [], what_if=what_if or [], assume=assume or [],
                   strict=strict, jobs=jobs, dask=dask, engine=engine, progress=True)
    result = run_screen(orders, scenario, output, opts)
    if summary is not None:
        summary.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
    if not quiet:
        typer.echo(result.render())
