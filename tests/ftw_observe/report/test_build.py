"""The report's numbers against a hand-computed history in a real store."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd
import pytest
from rich.console import Console

from ftw_observe.report.build import (
    Report,
    build_report,
    compliance,
    full_period_remaining,
    hourly_counts,
    window_budget,
)
from ftw_observe.report.load import load_instances
from ftw_observe.report.model import (
    SAMPLE_WITHIN,
    HourSample,
    InstanceData,
    ReportWindow,
    chart_start,
    parse_period,
)
from ftw_observe.store import Store
from tests.ftw_observe.report.data import (
    AVAIL,
    END,
    JOBS,
    MONTH,
    SLOS,
    START,
    WINDOW,
    at,
    seed,
)


def row(report: Report, slo: str) -> pd.Series:
    table = report.summary
    found = table[table["slo"] == slo]
    assert len(found) == 1
    return found.iloc[0]


def test_budget_consumed_is_over_the_same_hours_as_errors_and_events(report: Report) -> None:
    avail = row(report, "api-availability")
    # Hours 0, 1, 2, 4 and 5: 63 errors in 5000 events, 5 of the period's 720 hours.
    assert (avail["errors"], avail["events"], avail["hours_measured"]) == (63, 5000, 5)
    assert avail["window_sli"] == pytest.approx(1 - 63 / 5000)
    assert avail["budget_consumed"] == pytest.approx(63 / 5000 / 0.001 * 5 / 720)
    assert avail["budget_consumed_minutes"] == pytest.approx(63 / 5000 * 5 * 60)  # 3.78 min
    jobs = row(report, "job-posting-availability")
    # Hours 1 and 4: 50 errors in 900 events.
    assert (jobs["errors"], jobs["events"], jobs["hours_measured"]) == (50, 900, 2)
    assert jobs["budget_consumed"] == pytest.approx(50 / 900 / 0.001 * 2 / 720)


def test_the_remaining_budget_of_a_young_period_is_spread_over_the_whole_period(
    report: Report,
) -> None:
    avail = row(report, "api-availability")
    # First seen at 00:00:20, measured at 05:30:20: 5.5 hours of the 30-day period had data,
    # and the 35 % spent so far is 35 % of those hours' budget, not of the period's.
    assert avail["coverage"] == pytest.approx(5.5 / 720)
    assert avail["remaining_end"] == pytest.approx(1 - 0.35 * 5.5 / 720)
    jobs = row(report, "job-posting-availability")
    assert jobs["coverage"] == pytest.approx(3 / 720)
    assert jobs["remaining_end"] == pytest.approx(1 - 3 / 720)


def test_a_whole_period_of_data_keeps_the_engines_remaining_budget() -> None:
    assert full_period_remaining(-150.0, 1.0) == -150.0
    assert full_period_remaining(-150.0, 1 / 720) == pytest.approx(1 - 151 / 720)
    assert full_period_remaining(None, 0.5) is None


def test_window_budget_is_never_negative_and_needs_events() -> None:
    info = SLOS[0]
    assert window_budget(-5.0, 100.0, 3600, info) == (0.0, 0.0)
    assert window_budget(500.0, 100.0, 3600, info)[0] == pytest.approx(1000 / 720)
    assert window_budget(0.0, 0.0, 3600, info) == (None, None)
    assert window_budget(None, None, 0, info) == (None, None)


def test_compliance_comes_from_the_last_snapshot_in_the_window(report: Report) -> None:
    avail = row(report, "api-availability")
    assert avail["measured_at"] == at(5.5)
    assert (avail["period_errors"], avail["period_events"]) == (150, 100_000)
    assert avail["sli"] == pytest.approx(0.9985)
    assert not avail["compliant"]
    jobs = row(report, "job-posting-availability")
    # 100 errors in 100 000 events is exactly 99.9 %: met, although 0.999 < 99.9 / 100 in floats.
    assert jobs["sli"] == 0.999
    assert jobs["compliant"]
    assert jobs["status"] == "exhausted"


def test_an_slo_without_data_still_appears(report: Report) -> None:
    latency = row(report, "api-latency-p95")
    assert latency["status"] == "no_data"
    assert latency["instance"] == ""
    assert pd.isna(latency["compliant"])
    assert pd.isna(latency["sli"])
    assert pd.isna(latency["budget_consumed"])
    assert (latency["hours_measured"], latency["hours"], latency["firings"]) == (0, 6, 0)
    assert list(report.summary["slo"]) == [
        "api-availability",
        "job-posting-availability",
        "api-latency-p95",
    ]


def test_hourly_errors_come_from_1h_windows_sampled_at_hour_ends(report: Report) -> None:
    hourly = report.hourly[report.hourly["slo"] == "api-availability"]
    assert list(hourly["hour"]) == [START + timedelta(hours=h) for h in range(6)]
    # Hour 3's only snapshot came 6 minutes late: unmeasured, not guessed.
    assert hourly["errors"].tolist()[:3] == [2.0, 0.0, 30.0]
    assert pd.isna(hourly["errors"].iloc[3])
    assert hourly["errors"].tolist()[4:] == [30.0, 1.0]
    assert hourly["sampled_at"].iloc[5] == at(6)  # 20 s after the window's end
    avail = row(report, "api-availability")
    assert (avail["errors"], avail["events"]) == (63, 5000)
    assert (avail["hours_measured"], avail["hours"]) == (5, 6)


def test_worst_hours_are_most_errors_first_then_earliest(report: Report) -> None:
    worst = report.worst
    got = list(zip(worst["slo"], worst["hour"], worst["errors"], strict=True))
    hour = [START + timedelta(hours=h) for h in range(6)]
    assert got == [
        ("api-availability", hour[2], 30.0),
        ("api-availability", hour[4], 30.0),
        ("api-availability", hour[0], 2.0),
        ("api-availability", hour[5], 1.0),
        ("job-posting-availability", hour[4], 40.0),
        ("job-posting-availability", hour[1], 10.0),
    ]
    assert worst["error_ratio"].iloc[4] == 0.1


def test_alert_firings_per_tier_are_clipped_to_the_window(report: Report) -> None:
    alerts = report.alerts
    got = {
        tier: (firings, seconds, longest, still)
        for tier, firings, seconds, longest, still in zip(
            alerts["tier"],
            alerts["firings"],
            alerts["firing_seconds"],
            alerts["longest_seconds"],
            alerts["still_firing"],
            strict=True,
        )
    }
    assert got == {
        "page-1h": (2, 30 * 60 + 45 * 60, 45 * 60, False),
        "page-6h": (1, 30 * 60, 30 * 60, True),  # resolved after the end: firing at the end
        "ticket-1d": (2, 20 * 60 + 60 * 60, 60 * 60, True),  # began before; still firing
    }
    assert row(report, "api-availability")["firings"] == 5
    still = report.firings[report.firings["still_firing"]]
    assert still["resolved_at"].isna().all()


def test_compliance_is_exact_at_the_objective() -> None:
    assert compliance(1, 1000, 99.9) == (0.999, True)
    assert compliance(1.0000001, 1000, 99.9)[1] is False
    assert compliance(5, 0, 99.9) == (None, None)
    assert compliance(None, 10, 99.9) == (None, None)
    assert compliance(-3, 10, 90) == (1.0, True)  # clamped like the engine does


def test_hours_are_sampled_at_their_end_and_up_to_5_minutes_later() -> None:
    window = ReportWindow(END - timedelta(hours=3), END)
    samples = [
        HourSample(END - timedelta(hours=2), 4, 8),  # exactly at the first hour's end
        HourSample(END - timedelta(hours=2, seconds=-30), 99, 99),  # a later one: not used
        HourSample(END - timedelta(minutes=55, microseconds=1), 6, 6),  # 4:59.999999 late
        HourSample(END + timedelta(minutes=5), 7, 7),  # 5 minutes late: the next bucket
    ]
    hourly = hourly_counts(samples, window)
    assert hourly["errors"].tolist()[:2] == [4.0, 6.0]
    assert pd.isna(hourly["errors"].iloc[2])
    assert hourly["error_ratio"].tolist()[:2] == [0.5, 1.0]


def test_a_window_not_on_hour_boundaries_reports_only_whole_hours() -> None:
    window = ReportWindow(START + timedelta(minutes=30), END + timedelta(minutes=30))
    assert list(window.hours()) == [START + timedelta(hours=h) for h in range(1, 6)]


@pytest.mark.parametrize("text", ["", "30x", "5m", "0h", "1d1d"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_period(text)


def test_periods_parse() -> None:
    assert parse_period("7d") == timedelta(days=7)
    assert WINDOW.end - WINDOW.start == parse_period("6h")


def test_reading_only_the_needed_rows_equals_reading_the_whole_history(store: Store) -> None:
    seed(store)
    quiet = Console(file=io.StringIO())
    fast = build_report(WINDOW, SLOS, load_instances(store, SLOS, WINDOW, quiet))
    events = store.alert_events(limit=1000)
    reference = [
        InstanceData.from_history(
            info,
            key,
            store.history(key, since=chart_start(WINDOW, MONTH), until=END + SAMPLE_WITHIN),
            WINDOW,
            [item for item in events if item.state.key.instance == key],
        )
        for info, key in zip(SLOS[:2], (AVAIL, JOBS), strict=True)
    ]
    slow = build_report(WINDOW, SLOS, [*reference, InstanceData(SLOS[2], None)])
    for name in ("summary", "hourly", "worst", "firings", "alerts", "budget"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)


def test_the_budget_chart_is_hourly_and_ends_at_the_last_known_budget(report: Report) -> None:
    chart = report.budget[report.budget["slo"] == "api-availability"]
    # The snapshots that begin an hour (xx:00:20), then the window's last known budget.
    assert list(zip(chart["at"], chart["remaining"], strict=True)) == [
        (at(0), 0.80),
        (at(1), 0.78),
        (at(2), 0.75),
        (at(3), 0.72),
        (at(5), 0.66),
        (at(5.5), 0.65),
    ]
