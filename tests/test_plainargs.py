"""Plain command lines are bound without Typer's conversion layer (commands/plainargs.py): what
is bound must be exactly what Typer binds, and anything else must be left to Typer."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from earlog.cli import app
from earlog.commands.plainargs import bind

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "queries" / "scenarios" / "brazil_cloud.json"


def typer_binding(callback: Any, args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments Typer calls the command with, or None when Typer refuses the line."""
    got: dict[str, Any] = {}

    @functools.wraps(callback)
    def record(**kwargs: Any) -> None:
        got.update(kwargs)

    one = typer.Typer(add_completion=False)
    one.callback()(lambda: None)
    one.command("cmd")(record)
    r = CliRunner().invoke(one, ["cmd", *args])
    return got if r.exit_code == 0 and not r.exception else None


def command(name: str) -> Any:
    (info,) = [c for c in app.registered_commands if c.name == name]
    return info.callback


# lines bound without Typer (and bound as Typer binds them)
BOUND = {
    "eval": [
        ["a.json"], ["a.json", "b.earlog", "-"], ["-"], ["a.json", "--format", "json"], ["--format", "json", "a.json"],
        ["a.json", "-f", "json"], ["a.json", "--format=json"], ["a.json", "--engine", "pydatalog", "-f", "text"],
        ["a.json", "--format="], ["a.json", "--format", "xml"], ["a.json", "-f", "-"], ["--engine=clingo", "a", "b"],
    ],
    "run": [["tour.earlog"], ["a.earlog", "b.earlog", "--format", "json"]],
}
# lines left to Typer: help, usage errors, less common forms
LEFT = {
    "eval": [
        [], ["--help"], ["a.json", "--help"], ["a.json", "-fjson"], ["a.json", "-f"],
        ["a.json", "--format", "--engine"],
        ["a.json", "--", "-b.json"], ["a.json", "-f", "json", "-f", "text"], ["a.json", "--formt", "json"],
        ["-x.json"], ["a.json", "--format", "json", "--format=text"], ["a.json", "-f=json"],
    ],
    "run": [["--format"], []],
    # `earlog test` has a list option (--exceptions): Typer's
    "test": [["queries/"], ["queries/", "-k", "lpp", "-v"], ["q", "--exceptions", "e.txt"], ["q", "-vx"]],
}


def _cases(lines: dict[str, list[list[str]]]) -> list[tuple[str, list[str]]]:
    return [(n, a) for n, ls in lines.items() for a in ls]


def _id(x: Any) -> str:
    return x if isinstance(x, str) else " ".join(x) or "(none)"


@pytest.mark.parametrize(("name", "args"), _cases(BOUND), ids=_id)
def test_plain_lines_are_bound_as_typer_binds_them(name: str, args: list[str]) -> None:
    plain = bind(command(name), args)
    assert plain is not None
    assert plain == typer_binding(command(name), args)


@pytest.mark.parametrize(("name", "args"), _cases(LEFT), ids=_id)
def test_other_lines_are_left_to_typer(name: str, args: list[str]) -> None:
    assert bind(command(name), args) is None


def test_every_command_binds_as_typer_does_for_its_simplest_line() -> None:
    """One path (or none) for every command: bound as Typer binds it, or left to Typer."""
    for info in app.registered_commands:
        for args in ([], ["x"], ["x", "y"]):
            plain = bind(info.callback, args)
            if plain is not None:
                assert plain == typer_binding(info.callback, args), (info.name, args)


def test_a_plain_cold_eval_imports_no_pydantic() -> None:
    code = ("import sys; sys.argv = ['earlog', 'eval', sys.argv[1]]\n"
            "from earlog.cli import main\n"
            "try:\n    main()\nfinally:\n    assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
            "    assert 'earlog.commands.serve' not in sys.modules, 'every command imported'\n")
    r = subprocess.run([sys.executable, "-c", code, str(SCENARIO)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "outcome" in r.stdout.lower() or "==" in r.stdout


def test_help_and_usage_errors_still_come_from_typer() -> None:
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "eval", str(SCENARIO), "--formt", "json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--formt" in r.stderr
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "eval", "--help"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "--format" in r.stdout
