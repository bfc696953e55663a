"""promtool's small blocks, dumped, become OpenMetrics that promtool turns into a few blocks."""

from __future__ import annotations

import io

import pytest

from ftw_observe.backfill.merge import openmetrics_line, write_openmetrics

DUMPED = [
    '{__name__="ftw_slo:errors:increase5m", service="shop", slo="a", team="t"} 30 1700000000000\n',
    '{__name__="ftw_slo:errors:increase5m", service="shop", slo="a", team="t"} 0 1700000300500\n',
    '{__name__="ftw_slo:events:increase5m", route="/a\\"b, c", service="shop"} 3e+06 '
    "1700000000000\n",
]


def test_a_dumped_line_becomes_a_sample_in_seconds() -> None:
    assert openmetrics_line(DUMPED[1].rstrip()) == (
        "ftw_slo:errors:increase5m",
        'ftw_slo:errors:increase5m{service="shop",slo="a",team="t"} 0 1700000300.500\n',
    )


def test_quoted_label_values_are_kept_whole() -> None:
    name, sample = openmetrics_line(DUMPED[2].rstrip())
    assert name == "ftw_slo:events:increase5m"
    labels = 'route="/a\\"b, c",service="shop"'
    assert sample == f"ftw_slo:events:increase5m{{{labels}}} 3e+06 1700000000.000\n"


def test_each_name_opens_with_its_type_and_the_file_ends_with_eof() -> None:
    out = io.StringIO()
    assert write_openmetrics([*DUMPED, "\n"], out) == 3
    lines = out.getvalue().splitlines()
    assert lines[0] == "# TYPE ftw_slo:errors:increase5m unknown"
    assert lines[3] == "# TYPE ftw_slo:events:increase5m unknown"
    assert lines[-1] == "# EOF"
    assert len(lines) == 6


def test_a_series_without_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="without a name"):
        openmetrics_line('{service="shop"} 1 1700000000000')
