"""The pure parts of a backfill: its time range and the promtool command that records it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# promtool evaluates the rules at this step: the step of the shortest recorded count.
EVAL_INTERVAL = "5m"
DEFAULT_MAX_HOURS = 720.0  # 30 days: a longer period costs hours of queries on Prometheus


@dataclass(frozen=True)
class TimeRange:
    """The Unix seconds a backfill records, from `start` to `end`.

    Usage::

        TimeRange.ending(1_700_000_000, hours=24).start  # 1_699_913_600
    """

    start: int
    end: int

    @classmethod
    def ending(cls, end: int, hours: float) -> TimeRange:
        """Return the range of `hours` that ends at `end`."""
        return cls(end - round(hours * 3600), end)

    @property
    def hours(self) -> float:
        """Return the range's length in hours."""
        return (self.end - self.start) / 3600

    def describe(self) -> str:
        """Return the range as two UTC times and its length, e.g. for a summary."""
        return f"{_utc(self.start)} to {_utc(self.end)} ({self.hours:.4g} h)"


def _utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> int:
    """Return the Unix seconds of an RFC 3339 time or a Unix timestamp; raise ValueError.

    A time without an offset is UTC, as promtool reads it.
    """
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"{text!r} is not a time")
        return int(number)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor a Unix timestamp"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def backfill_hours(
    hours: float | None, longest_period: int | None, max_hours: float = DEFAULT_MAX_HOURS
) -> float:
    """Return the hours to record: those asked for, else the longest period capped at `max_hours`.

    Raise ValueError when neither is known or the result is not a positive number.
    """
    if hours is None:
        if longest_period is None:
            raise ValueError("the rules name no SLO period: give --hours")
        hours = min(longest_period / 3600, max_hours)
    if not math.isfinite(hours) or hours <= 0:
        raise ValueError(f"{hours:g} is not a positive number of hours")
    return hours


def promtool_command(
    promtool: str, prometheus_url: str, span: TimeRange, output: Path, rules: Path
) -> list[str]:
    """Return the promtool command that records `rules` over `span` into blocks in `output`."""
    return [
        promtool,
        "tsdb",
        "create-blocks-from",
        "rules",
        f"--url={prometheus_url}",
        f"--start={span.start}",
        f"--end={span.end}",
        f"--eval-interval={EVAL_INTERVAL}",
        f"--output-dir={output}",
        str(rules),
    ]
