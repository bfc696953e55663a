"""Tables for the command line: fit the terminal without cutting names, plain text when piped.

In a terminal a table fits its width (80 columns unless `COLUMNS` or the terminal says more):
identity columns (SLO, instance, silence id, matchers) keep their full width and the other
columns fold. Piped, the same table is plain aligned text with no colour, no box characters and
nothing cut, for `grep`, `awk` and `column`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

DEFAULT_WIDTH = 80
# Spaces between columns: two in a terminal (padding), three in plain text so gaps stand out.
TERMINAL_GAP = 2
PLAIN_GAP = "   "
# The narrowest a folding column gets before the table widens past the terminal instead.
MIN_FOLD = 6


class Output(StrEnum):
    """How a command prints its data: `-o table|wide|json`."""

    TABLE = "table"
    WIDE = "wide"
    JSON = "json"


OutputOption = Annotated[
    Output,
    typer.Option(
        "--output",
        "-o",
        help="table: fits 80 columns, names in full; wide: every column; json: for scripts.",
        case_sensitive=False,
    ),
]
JsonAlias = Annotated[bool, typer.Option("--json", help="Same as -o json.")]

EXIT_CODES = (
    "Exit status: 0 ok, 1 a failed check or a failed request, 2 a usage error "
    "(bad option or argument)."
)


def chosen(output: Output, as_json: bool = False) -> Output:
    """Return the output format asked for, `--json` winning over `-o`."""
    return Output.JSON if as_json else output


def print_json(data: Any) -> None:
    """Print data as indented JSON with sorted keys."""
    typer.echo(json.dumps(data, indent=2, sort_keys=True))


@dataclass(frozen=True)
class Column:
    """A table column; identity columns are never shortened.

    >>> Column("SLO", identity=True)
    Column(header='SLO', identity=True, justify='left')
    """

    header: str
    identity: bool = False
    justify: Literal["left", "right"] = "left"


def _natural(column: Column, cells: Sequence[str]) -> int:
    lines = [column.header, *(line for cell in cells for line in cell.splitlines())]
    return max(len(line) for line in lines)


def fit_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int | None
) -> list[int]:
    """Return each column's width: identities whole, the others sharing what is left.

    Without a width every column keeps its natural width.
    """
    natural = [_natural(column, [row[i] for row in rows]) for i, column in enumerate(columns)]
    widths = list(natural)
    if width is None:
        return widths
    spare = width - TERMINAL_GAP * (len(columns) - 1)
    spare -= sum(n for n, c in zip(natural, columns, strict=True) if c.identity)
    others = sorted(
        (i for i, column in enumerate(columns) if not column.identity), key=lambda i: natural[i]
    )
    # Narrow columns keep their width; the wide ones share the rest equally.
    for left, index in enumerate(others):
        share = spare // (len(others) - left)
        widths[index] = max(min(natural[index], share), min(natural[index], MIN_FOLD))
        spare -= widths[index]
    return widths


def terminal_width() -> int:
    """Return the terminal's width: `COLUMNS`, else the terminal's own, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def render_terminal(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None,
    styles: Sequence[Sequence[str]] | None = None,
) -> Table:
    """Return a rich table whose columns fit `width` (wider only if the names alone are).

    Without a width (`-o wide`) no column is folded.
    """
    widths = fit_widths(columns, rows, width)
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold underline")
    for column, size in zip(columns, widths, strict=True):
        table.add_column(
            column.header,
            justify=column.justify,
            width=size,
            no_wrap=column.identity,
            overflow="ignore" if column.identity else "fold",
        )
    for index, row in enumerate(rows):
        cell_styles = styles[index] if styles else [""] * len(row)
        table.add_row(*(Text(cell, style) for cell, style in zip(row, cell_styles, strict=True)))
    return table


def render_plain(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> str:
    """Return the table as aligned plain text: one line per row, every cell whole."""
    flat = [[cell.replace("\n", ", ") for cell in row] for row in rows]
    headers = [column.header for column in columns]
    widths = [_natural(column, [row[i] for row in flat]) for i, column in enumerate(columns)]
    lines = []
    for row in [headers, *flat]:
        cells = [
            cell.rjust(size) if column.justify == "right" else cell.ljust(size)
            for cell, size, column in zip(row, widths, columns, strict=True)
        ]
        lines.append(PLAIN_GAP.join(cells).rstrip())
    return "\n".join(lines)


def is_terminal(stream: TextIO | None = None) -> bool:
    """Return whether output goes to a terminal (not a pipe or a file)."""
    target = stream or sys.stdout
    return bool(getattr(target, "isatty", lambda: False)())


def print_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    styles: Sequence[Sequence[str]] | None = None,
    fit: bool = True,
) -> None:
    """Print a table to stdout: fitted and styled in a terminal, plain text otherwise.

    `styles` gives each cell a rich style (such as `bold red`), used in a terminal only;
    `fit=False` (for `-o wide`) folds nothing and lets the lines be as long as they need.
    """
    if not is_terminal():
        typer.echo(render_plain(columns, rows))
        return
    width = terminal_width()
    table = render_terminal(columns, rows, width if fit else None, styles)
    needed = sum(column.width or 0 for column in table.columns)
    needed += TERMINAL_GAP * (len(columns) - 1)
    console = Console(width=max(width, needed))
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)
