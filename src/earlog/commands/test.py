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
    keyword: Annotated[str | None, typer.Option(
        "-k", help="Only expectations whose `file::case::expectation` contains this text (or matches this glob).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per expectation, passed ones too.")
                       ] = False,
    exitfirst: Annotated[bool, typer.Option("--exitfirst", "-x", help="Stop at the first failure or error.")
                         ] = False,
    junit_xml: Annotated[Path | None, typer.Option("--junit-xml", help="Also write a JUnit XML report here.")
                         ] = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="Also list every annotated rule no case fired (evaluates with every rule traced).")] = False,
    exceptions: Annotated[list[Path] | None, typer.Option(
        "--exceptions", help="Coverage allowlist: `rule.id reason` per line (default: coverage_exceptions.txt "
        "in each folder named).")] = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="clingo, pydatalog, or both (every scenario on both; each field they disagree on "
        "fails)")] = "clingo",
) -> None:
    """Run every `expect` in the .earlog files under PATH; one line per failure, then `N passed, M failed`.

    Example: earlog test queries/        earlog test -k lpp -v queries/        earlog test --coverage queries/

    A file that cannot be loaded (a syntax error, an unknown name, a misspelt rule
    id or outcome in an `expect`) is reported as an error and the other files
    still run.  Expectations in a `todo case` are known gaps: reported as skipped,
    never run.  With --coverage, every annotated rule of the policy that no
    evaluated scenario fired is listed with its id, file:line and citation (or with
    its reason, when the allowlist gives one), then `coverage: N of M rules fired (P%)`.

    Exit code 0 when all pass, 1 when any fails (a file with no `expect` fails), 2
    when a file could not be loaded (after the others have run) or for bad options.
    """
    from rich.console import Console

    from earlog.dsl.suite import Result, expectations, find_files, load_error, no_expectations, run_step, selected
    from earlog.errors import EarlogError

    check_format(format, FORMATS_TEXT_JSON)
    files = find_files(paths)
    console = Console(highlight=False, soft_wrap=True)
    results: list[Result] = []
    planned = []
    for f in files:  # every file loaded and checked before any is run
        try:
            planned.append((f, expectations(f)))
        except EarlogError as e:
            results.append(load_error(f, e))
    if keyword:
        planned = [(f, [s for s in steps if selected(f"{s.file}::{s.case or ''}::{s.question.text}", keyword)])
                   for f, steps in planned]
    from earlog.datalog.agree import engine_check

    results.extend(engine_check(planned, engine))  # --engine: which engine runs; `both` compares them
    cov = None
    if coverage:
        from earlog.dsl.coverage import Coverage, default_exception_files, fired_rules, read_exceptions
        from earlog.engine import load_policy

        policy = load_policy()
        reasons = read_exceptions(exceptions if exceptions is not None else default_exception_files(paths), policy)
        # evaluated first, with every rule traced; the steps below reuse these evaluations
        fired, scenarios = fired_rules([s for _f, steps in planned for s in steps])
        cov = Coverage(policy, fired, scenarios, reasons)

    def show(r: Result) -> None:
        if format == "json":
            return
        if r.skipped:
            console.print(r.skipped_line(), style="yellow", markup=False)
        elif r.error or not r.passed:
            console.print(r.failure_line(), style="red", markup=False)
        elif verbose:
            console.print(f"{r.passed_line()} PASSED", style="green", markup=False)

    for r in results:
        show(r)
    stop = exitfirst and bool(results)
    for f, steps in planned:
        if stop:
            break
        todo_only = all(s.todo for s in steps)
        if todo_only and not keyword:
            r = no_expectations(f, len(steps))
            results.append(r)
            show(r)
            stop = exitfirst
        for s in steps:
            if stop:
                break
            r = run_step(s)
            results.append(r)
            show(r)
            stop = exitfirst and not r.passed and not r.skipped
    errors = sum(r.error for r in results)
    passed = sum(r.passed for r in results)
    skipped = sum(r.skipped for r in results)
    failed = len(results) - passed - skipped - errors
    if junit_xml is not None:
        from earlog.dsl.junit import write_junit

        write_junit(junit_xml, results)
    if format == "json":
        out = {"passed": passed, "failed": failed, "errors": errors, "skipped": skipped,
               "results": [r.to_json() for r in results]}
        if cov is not None:
            out["coverage"] = cov.to_json()
            out["dead_rules"] = _dead_rules().to_json()
        typer.echo(json.dumps(out, indent=2))
    else:
        tail = f", {skipped} skipped (todo)" if skipped else ""
        tail += f", {errors} error{'s' if errors != 1 else ''}" if errors else ""
        console.print(f"{passed} passed, {failed} failed{tail}", style="bold red" if failed or errors else "bold green",
                      markup=False)
        if cov is not None:
            lines = cov.text_lines()
            for line in [*lines[:-1], *_dead_rules().text_lines(), *lines[-1:]]:  # the summary stays last
                console.print(line, markup=False)
    if errors:
        raise typer.Exit(2)
    if failed or not results:
        raise typer.Exit(1)


def _dead_rules():
    """Rules that fire in no scenario of the full space (earlog.space.dead), found by the solver."""
    from earlog.engine import load_policy
    from earlog.space.dead import default_dead_rules

    return default_dead_rules(load_policy())
