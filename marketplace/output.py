"""`-o table|wide|json` for the marketplace's console scripts, as `ftw-observe` spells it."""

from __future__ import annotations

from enum import StrEnum
from typing import IO, Annotated

import typer
from rich import box
from rich.console import Console

# Piped, lines are as long as their content: nothing is cut to fit a terminal that is not there.
PLAIN_WIDTH = 1000
EXIT_CODES = "Exit status: 0 ok, 1 a failed request, 2 a usage error (bad option or argument)."


class Output(StrEnum):
    """How a command prints its data; its tables have no wider form, so wide is table."""

    TABLE = "table"
    WIDE = "wide"
    JSON = "json"


OutputOption = Annotated[
    Output,
    typer.Option(
        "--output", "-o", help="table or wide: for people; json: for scripts.", case_sensitive=False
    ),
]


def wants_json(output: Output, as_json: bool) -> bool:
    """Return whether to print JSON: `-o json`, or `--json` (its alias)."""
    return as_json or output is Output.JSON


def table_box(console: Console) -> box.Box | None:
    """Return the box of a table: lines in a terminal, none (plain text) when piped."""
    return box.HEAVY_HEAD if console.is_terminal else None


def output_console(file: IO[str] | None = None) -> Console:
    """Return a console for stdout (or `file`): the terminal's width, or unbounded when piped."""
    console = Console(file=file)
    return console if console.is_terminal else Console(file=file, width=PLAIN_WIDTH)
