"""`earlog test`: run the `expect`s of .earlog suites as a regression test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format


@app.command("test")
def test_cmd(
    paths: Annotated[list[Path], typer.Argument(help=".earlog files or folders (searched recursively).")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="Also list every annotated rule no case fired (evaluates with every rule traced).")] = False,
    exceptions: Annotated[list[Path] | None, typer.Option(
        "--exceptions", help="Coverage allowlist: `rule.id reason` per line (default: coverage_exceptions.txt "
        "in each folder named).")] = None,
) -> None:
    """Run every `expect` in the .earlog files under PATH; one line per failure, then `N passed, M failed`.

    Example: earlog test queries/        earlog test --coverage queries/

    Expectations in a `todo case` are known gaps: reported as skipped, never run.
    With --coverage, every annotated rule of the policy that no evaluated scenario
    fired is listed with its id, file:line and citation (or with its reason, when
    the allowlist gives one), then `coverage: N of M rules fired (P%)`.

    Exit code 0 when all pass, 1 when any fails (a file with no `expect` fails), 2 for bad input.
    """
    from rich.console import Console

    from earlog.dsl.suite import expectations, find_files, no_expectations, run_step

    check_format(format, FORMATS_TEXT_JSON)
    files = find_files(paths)
    planned = [(f, expectations(f)) for f in files]  # every file checked before any is run
    cov = None
    if coverage:
        from earlog.dsl.coverage import Coverage, default_exception_files, fired_rules, read_exceptions
        from earlog.engine import load_policy

        policy = load_policy()
        reasons = read_exceptions(exceptions if exceptions is not None else default_exception_files(paths), policy)
        # evaluated first, with every rule traced; the steps below reuse these evaluations
        fired, scenarios = fired_rules([s for _f, steps in planned for s in steps])
        cov = Coverage(policy, fired, scenarios, reasons)
    results = []
    for f, steps in planned:
        if all(s.todo for s in steps):
            results.append(no_expectations(f, len(steps)))
        results.extend(run_step(s) for s in steps)
    passed = sum(r.passed for r in results)
    skipped = sum(r.skipped for r in results)
    failed = len(results) - passed - skipped
    if format == "json":
        out = {"passed": passed, "failed": failed, "skipped": skipped, "results": [r.__dict__ for r in results]}
        if cov is not None:
            out["coverage"] = cov.to_json()
            out["dead_rules"] = _dead_rules().to_json()
        typer.echo(json.dumps(out, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        for r in results:
            if r.skipped:
                console.print(r.skipped_line(), style="yellow", markup=False)
            elif not r.passed:
                console.print(r.failure_line(), style="red", markup=False)
        tail = f", {skipped} skipped (todo)" if skipped else ""
        console.print(f"{passed} passed, {failed} failed{tail}", style="bold red" if failed else "bold green",
                      markup=False)
        if cov is not None:
            lines = cov.text_lines()
            for line in [*lines[:-1], *_dead_rules().text_lines(), *lines[-1:]]:  # the summary stays last
                console.print(line, markup=False)
    if failed or not results:
        raise typer.Exit(1)


def _dead_rules():
    """Rules that fire in no scenario of the full space (earlog.space.dead), found by the solver."""
    from earlog.engine import load_policy
    from earlog.space.dead import default_dead_rules

    return default_dead_rules(load_policy())
