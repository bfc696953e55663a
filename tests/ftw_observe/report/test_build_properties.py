"""Every summary row's figures agree with each other, whatever the history behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftw_observe.budget import Status, counter_increase
from ftw_observe.model import Evaluation, InstanceKey, WindowBurn
from ftw_observe.report.build import build_report
from ftw_observe.report.model import SAMPLE_WITHIN, InstanceData, ReportWindow, SLOInfo
from tests.support import seed as build

BASE = datetime(2024, 6, 1, tzinfo=UTC)
KEY = InstanceKey("marketplace", "api-availability")
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class History:
    """Counters sampled every minute, and the engine snapshots taken from them."""

    info: SLOInfo
    window: ReportWindow
    snapshots: list[Evaluation]


def _counter(increments: list[int], resets: set[int]) -> list[float]:
    """Return a counter's value each minute; it restarts from zero at the `resets` minutes."""
    values: list[float] = []
    value = 0.0
    for minute, step in enumerate(increments):
        value = float(step) if minute in resets else value + step
        values.append(value)
    return values


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Draw minutes of traffic with counter resets, snapshots with gaps and glitches, a window."""
    minutes = draw(st.integers(min_value=90, max_value=20 * 60))
    events = draw(st.lists(st.integers(0, 40), min_size=minutes, max_size=minutes))
    errors = [draw(st.integers(0, count)) if count else 0 for count in events]
    resets = set(draw(st.lists(st.integers(1, minutes - 1), max_size=4)))
    events_counter, errors_counter = _counter(events, resets), _counter(errors, resets)
    step = draw(st.integers(1, 9))  # minutes between snapshots, some longer than SAMPLE_WITHIN
    offset = draw(st.integers(0, 59))  # seconds past the minute the engine's cycles run
    gaps = draw(st.lists(st.tuples(st.integers(0, minutes), st.integers(1, 180)), max_size=3))
    objective = draw(st.sampled_from([90.0, 99.0, 99.5, 99.9, 99.99]))
    period = draw(st.sampled_from([86_400, 7 * 86_400, 30 * 86_400]))
    info = SLOInfo(KEY.service, KEY.slo, "", objective, period)
    snapshots: list[Evaluation] = []
    for minute in range(60, minutes, step):
        if any(start <= minute < start + length for start, length in gaps):
            continue  # the engine was down
        hour_errors = counter_increase(errors_counter[minute - 60 : minute + 1])
        hour_events = counter_increase(events_counter[minute - 60 : minute + 1])
        # Prometheus extrapolates: now and then errors read a hair above events, or below zero.
        hour_errors += draw(st.sampled_from([0.0, 0.0, 0.0, 0.5, -0.5]))
        period_errors = counter_increase(errors_counter[: minute + 1])
        period_events = counter_increase(events_counter[: minute + 1])
        ratio = period_errors / period_events if period_events else None
        burn = None if ratio is None else ratio / (1 - objective / 100)
        snapshots.append(
            build.evaluation(
                KEY,
                BASE + minute * MINUTE + timedelta(seconds=offset),
                status=Status.OK,
                objective=objective,
                period_seconds=period,
                errors=period_errors,
                events=period_events,
                remaining=None if burn is None else 1 - burn,
                windows=(
                    WindowBurn("1h", hour_errors, hour_events, None, None),
                    WindowBurn("period", period_errors, period_events, ratio, burn),
                ),
            )
        )
    start = draw(st.integers(0, minutes - 60))
    length = draw(st.integers(60, minutes + 120 - start))
    window = ReportWindow(
        BASE + timedelta(minutes=start, seconds=draw(st.integers(0, 59))),
        BASE + timedelta(minutes=start + length),
    )
    return History(info, window, snapshots)


def _report_row(history: History) -> tuple[pd.Series, pd.DataFrame]:
    near = [
        item
        for item in history.snapshots
        if item.evaluated_at <= history.window.end + SAMPLE_WITHIN
    ]
    data = InstanceData.from_history(history.info, KEY, near, history.window)
    report = build_report(history.window, [history.info], [data])
    return report.summary.iloc[0], report.hourly


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_errors_events_sli_and_budget_are_over_the_same_hours(history: History) -> None:
    row, hourly = _report_row(history)
    measured = hourly[hourly["errors"].notna()]
    assert row["hours"] == len(hourly) == len(history.window.hours())
    assert row["hours_measured"] == len(measured)
    if measured.empty:
        for column in ("errors", "events", "window_sli", "budget_consumed"):
            assert pd.isna(row[column])
        return
    assert row["errors"] == pytest.approx(measured["errors"].sum())
    assert row["events"] == pytest.approx(measured["events"].sum())
    assert 0 <= row["errors"] <= row["events"]
    if row["events"] == 0:
        assert pd.isna(row["window_sli"])
        assert pd.isna(row["budget_consumed"])
        return
    ratio = row["errors"] / row["events"]
    share = row["hours_measured"] * 3600 / history.info.period_seconds
    assert row["window_sli"] == pytest.approx(1 - ratio)
    assert row["budget_consumed"] >= 0
    assert row["budget_consumed"] == pytest.approx(
        ratio / (1 - history.info.objective / 100) * share
    )
    assert row["budget_consumed_minutes"] == pytest.approx(ratio * row["hours_measured"] * 60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_every_measured_hour_is_read_from_a_snapshot_just_after_it_ends(
    history: History,
) -> None:
    _, hourly = _report_row(history)
    measured = hourly[hourly["errors"].notna()]
    after = measured["sampled_at"] - (measured["hour"] + pd.Timedelta(hours=1))
    assert (after >= pd.Timedelta(0)).all()
    assert (after < pd.Timedelta(SAMPLE_WITHIN)).all()
    assert (measured["errors"] <= measured["events"]).all()
    assert (measured["errors"] >= 0).all()
    hours = hourly["hour"]
    assert (hours >= pd.Timestamp(history.window.start)).all()
    assert (hours + pd.Timedelta(hours=1) <= pd.Timestamp(history.window.end)).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_young_period_never_reads_as_overspent_beyond_what_it_covers(
    history: History,
) -> None:
    row, _ = _report_row(history)
    if pd.isna(row["coverage"]):
        assert pd.isna(row["sli"])
        return
    assert 0 <= row["coverage"] <= 1
    # The history is at most 20 hours old: no period has been fully measured.
    assert row["coverage"] < 1
    if pd.isna(row["remaining_end"]):
        return  # no events in the period yet
    spent = 1 - row["remaining_end"]
    assert math.isfinite(spent)
    # At most the whole budget of the hours that had data, spread over the period.
    budget = 1 - history.info.objective / 100
    assert spent <= row["coverage"] / budget + 1e-9
