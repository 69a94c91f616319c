"""`earlog export`: the scenario a .earlog (or JSON) file declares, as scenario JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import app, check_format


@app.command("export")
def export_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file: .earlog, .json, or - for stdin.")],
    format: Annotated[str, typer.Option("--format", "-f", help="json")] = "json",
) -> None:
    """Print the scenario a file declares as scenario JSON (checked first; `earlog eval` reads it back).

    Example: earlog export deal.earlog --format json > deal.json

    Only the top-level declarations and settings are exported; questions and
    cases are not part of a scenario.
    """
    from earlog.scenario.load import scenario_json

    check_format(format, ("json",))
    typer.echo(scenario_json(scenario))
