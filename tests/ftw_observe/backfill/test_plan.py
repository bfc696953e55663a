"""A backfill's time range, hours and promtool command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftw_observe.backfill.plan import (
    DEFAULT_MAX_HOURS,
    TimeRange,
    backfill_hours,
    parse_time,
    promtool_command,
)


def test_a_range_ends_at_its_end_and_lasts_its_hours() -> None:
    span = TimeRange.ending(1_700_000_000, hours=1.5)
    assert (span.start, span.end, span.hours) == (1_699_994_600, 1_700_000_000, 1.5)
    assert span.describe() == "2023-11-14T20:43:20Z to 2023-11-14T22:13:20Z (1.5 h)"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1700000000", 1_700_000_000),
        ("1700000000.9", 1_700_000_000),
        ("2023-11-14T22:13:20Z", 1_700_000_000),
        ("2023-11-15T00:13:20+02:00", 1_700_000_000),
        ("2023-11-14T22:13:20", 1_700_000_000),  # no offset: UTC, as promtool reads it
    ],
)
def test_times_are_rfc3339_or_unix(text: str, seconds: int) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["yesterday", "-5", "nan", ""])
def test_other_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(text)


def test_hours_default_to_the_longest_period_capped() -> None:
    assert backfill_hours(None, 7 * 86400) == 168
    assert backfill_hours(None, 90 * 86400) == DEFAULT_MAX_HOURS
    assert backfill_hours(None, 90 * 86400, max_hours=48) == 48
    assert backfill_hours(6, 90 * 86400, max_hours=48) == 6  # asked for: not capped


def test_hours_must_be_known_and_positive() -> None:
    with pytest.raises(ValueError, match="--hours"):
        backfill_hours(None, None)
    with pytest.raises(ValueError, match="positive"):
        backfill_hours(0, 86400)
    with pytest.raises(ValueError, match="positive"):
        backfill_hours(None, 86400, max_hours=-1)


def test_the_promtool_command_records_the_range_every_5_minutes() -> None:
    span = TimeRange(1_699_990_000, 1_700_000_000)
    command = promtool_command(
        "/usr/bin/promtool", "http://p:9090", span, Path("/tmp/out"), Path("/tmp/r.yml")
    )
    assert command == [
        "/usr/bin/promtool",
        "tsdb",
        "create-blocks-from",
        "rules",
        "--url=http://p:9090",
        "--start=1699990000",
        "--end=1700000000",
        "--eval-interval=5m",
        "--output-dir=/tmp/out",
        "/tmp/r.yml",
    ]
