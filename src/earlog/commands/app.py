"""The shared Typer application every command module registers on."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="earlog",
    help="An executable model of the US export controls on advanced AI chips and model weights.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        import earlog

        typer.echo(f"earlog {earlog.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """earlog answers export-control questions with the rules that decided them."""


FORMATS_TEXT_JSON = ("text", "json")


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    from earlog.errors import EarlogError

    if value not in allowed:
        raise EarlogError(f"--format: expected {' or '.join(allowed)}, got {value!r}")
    return value
