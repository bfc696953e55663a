"""`--version` for the marketplace's console scripts: `<name> <version>` of the package."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import typer

DISTRIBUTION = "ftw-observe"


def version_callback(program: str) -> Callable[[bool], None]:
    """Return an eager option callback that prints `<program> <version>` and exits."""

    def show(value: bool) -> None:
        if value:
            typer.echo(f"{program} {version(DISTRIBUTION)}")
            raise typer.Exit()

    return show


def version_option(program: str) -> Any:
    """Return the eager `--version` option of a console script called `program`."""
    return typer.Option(
        "--version",
        callback=version_callback(program),
        is_eager=True,
        help="Print the version and exit.",
    )
