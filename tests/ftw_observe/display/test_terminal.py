"""Tables for the command line: names whole at 80 columns, plain text when piped."""

from __future__ import annotations

import doctest

from rich.console import Console

from ftw_observe.display import terminal
from ftw_observe.display.terminal import Column, fit_widths, render_plain, render_terminal

COLUMNS = [Column("name", identity=True), Column("note"), Column("figure", justify="right")]
ROWS = [["marketplace/job-posting-availability", "a long note " * 8, "12.5 %"]]


def test_identity_columns_keep_their_width_and_the_rest_share_what_is_left() -> None:
    widths = fit_widths(COLUMNS, ROWS, 80)
    assert widths[0] == len("marketplace/job-posting-availability")
    assert widths[2] == len("figure")
    assert sum(widths) + 2 * (len(widths) - 1) <= 80


def test_without_a_width_every_column_keeps_its_natural_width() -> None:
    assert fit_widths(COLUMNS, ROWS, None)[1] == len(ROWS[0][1])


def test_a_terminal_table_fits_80_columns_with_the_name_whole() -> None:
    console = Console(width=80, record=True, force_terminal=True)
    console.print(render_terminal(COLUMNS, ROWS, 80))
    text = console.export_text()
    assert "marketplace/job-posting-availability" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_plain_text_is_one_aligned_line_per_row_with_every_cell_whole() -> None:
    text = render_plain(COLUMNS, [*ROWS, ["api", "short", "1 %"]])
    header, first, second = text.splitlines()
    assert first.startswith("marketplace/job-posting-availability   a long note")
    assert first.endswith("12.5 %")
    assert len(header) == len(first) == len(second)


def test_plain_text_puts_a_multi_line_cell_on_one_line() -> None:
    text = render_plain([Column("matchers", identity=True)], [["a=1\nb=2"]])
    assert text.splitlines() == ["matchers", "a=1, b=2"]


def test_docstring_examples_run() -> None:
    result = doctest.testmod(terminal)
    assert (result.attempted, result.failed) == (1, 0)
