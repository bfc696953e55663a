"""Prometheus-style durations."""

from __future__ import annotations

import pytest

from ftw_observe.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("30d", 2_592_000), ("1w", 604_800), ("0s", 0)],
)
def test_durations_parse_to_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "1.5h", "-5m", "5m1h", "1h1h", " 5m"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|largest"):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0, 1, 59, 300, 5400, 86_400, 2_419_200, 93_784])
def test_formatting_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
