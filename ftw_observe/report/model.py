"""What a report reads per SLO instance: a few snapshots, hour-end samples, a budget line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from ftw_observe.durations import parse_duration
from ftw_observe.model import Evaluation, InstanceKey, Transition

HOUR_WINDOW = "1h"
# Retention keeps the first snapshot of every 5-minute bucket (buckets align with hours), so a
# snapshot within 5 minutes after an hour's end exists before and after downsampling alike.
SAMPLE_WITHIN = timedelta(minutes=5)


def parse_period(text: str) -> timedelta:
    """Return a report period such as `30d` or `7d`; raise ValueError saying what is wrong."""
    seconds = parse_duration(text)
    if seconds < 3600:
        raise ValueError(f"{text!r} is shorter than an hour, the report's finest resolution")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class ReportWindow:
    """The span a report covers: from `start` to `end`, both aware UTC times."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, end: datetime, period: timedelta) -> ReportWindow:
        """Return the window of `period` ending at `end` (a naive `end` is taken as UTC)."""
        end = (end if end.tzinfo else end.replace(tzinfo=UTC)).astimezone(UTC)
        return cls(end - period, end)

    def hours(self) -> pd.DatetimeIndex:
        """Return the start of every whole UTC clock hour inside the window."""
        first = pd.Timestamp(self.start).ceil("h")
        last = pd.Timestamp(self.end).floor("h") - pd.Timedelta(hours=1)
        return pd.date_range(first, last, freq="h", unit="us")

    def contains(self, at: datetime) -> bool:
        """Tell whether `at` lies in the window, both ends included."""
        return self.start <= at <= self.end


def chart_start(window: ReportWindow, period_seconds: int) -> datetime:
    """Return where the budget chart starts: the SLO period ending with the window, or earlier."""
    return min(window.start, window.end - timedelta(seconds=period_seconds))


@dataclass(frozen=True)
class SLOInfo:
    """What the spec says about one SLO: its identity, description, objective and period."""

    service: str
    slo: str
    description: str
    objective: float  # percent
    period_seconds: int


@dataclass(frozen=True)
class HourSample:
    """The "1h" window counts of one snapshot: errors and events in the hour before `at`."""

    at: datetime
    errors: float
    events: float


@dataclass(frozen=True)
class BudgetPoint:
    """The remaining budget at one snapshot, as a share and in minutes of full outage."""

    at: datetime
    remaining: float
    remaining_minutes: float | None


def near_hour_start(at: datetime) -> bool:
    """Tell whether a snapshot lies less than SAMPLE_WITHIN after a UTC hour starts."""
    return int(at.timestamp()) % 3600 < SAMPLE_WITHIN.total_seconds()


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def hour_samples(history: Sequence[Evaluation]) -> list[HourSample]:
    """Return the known "1h" counts of every snapshot, oldest first."""
    return [
        HourSample(item.evaluated_at, burn.errors, burn.events)  # type: ignore[arg-type]
        for item in history
        for burn in item.windows
        if burn.window == HOUR_WINDOW and _finite(burn.errors) and _finite(burn.events)
    ]


def budget_point(item: Evaluation) -> BudgetPoint | None:
    """Return a snapshot's remaining budget, or None when it is unknown."""
    if item.remaining is None or not math.isfinite(item.remaining):
        return None
    return BudgetPoint(item.evaluated_at, item.remaining, item.remaining_minutes)


def chart_line(points: Sequence[BudgetPoint | None], end: BudgetPoint | None) -> list[BudgetPoint]:
    """Return the known points, oldest first, ending with `end` when it is later."""
    line = [point for point in points if point is not None]
    if end is not None and (not line or line[-1].at < end.at):
        line.append(end)
    return line


@dataclass(frozen=True)
class InstanceData:
    """What a report needs of one SLO instance; `key` None when the store has none of the SLO."""

    info: SLOInfo
    key: InstanceKey | None
    samples: Sequence[HourSample] = ()  # hour-end candidates, oldest first
    chart: Sequence[BudgetPoint] = ()  # hourly over the chart's span, then `budget_end`
    budget_start: BudgetPoint | None = None  # the first known remaining budget in the window
    budget_end: BudgetPoint | None = None  # the last known remaining budget in the window
    last: Evaluation | None = None  # the last snapshot in the window
    measured: Evaluation | None = None  # the last snapshot in the window with period counts
    transitions: Sequence[Transition] = ()
    first_seen: datetime | None = None  # the instance's first snapshot in the store

    @classmethod
    def from_history(
        cls,
        info: SLOInfo,
        key: InstanceKey,
        history: Sequence[Evaluation],
        window: ReportWindow,
        transitions: Sequence[Transition] = (),
        first_seen: datetime | None = None,
    ) -> InstanceData:
        """Return an instance's data from its whole history around the window, oldest first.

        `history` should run from the chart's start to SAMPLE_WITHIN past the window's end;
        `first_seen` is the instance's first snapshot ever (default: the first of `history`).
        The chart keeps the snapshots that begin each hour (as hour samples are chosen), which
        is plenty for a chart and cheap to read; it ends at the window's last known budget.
        """
        inside = [item for item in history if window.contains(item.evaluated_at)]
        budget = [p for p in map(budget_point, inside) if p is not None]
        counted = [item for item in inside if _finite(item.errors) and _finite(item.events)]
        hourly = [item for item in history if near_hour_start(item.evaluated_at)]
        end = budget[-1] if budget else None
        return cls(
            info=info,
            key=key,
            samples=hour_samples([i for i in hourly if i.evaluated_at >= window.start]),
            chart=chart_line(
                [budget_point(item) for item in hourly if item.evaluated_at <= window.end], end
            ),
            budget_start=budget[0] if budget else None,
            budget_end=end,
            last=inside[-1] if inside else None,
            measured=counted[-1] if counted else None,
            transitions=transitions,
            first_seen=first_seen or (history[0].evaluated_at if history else None),
        )
