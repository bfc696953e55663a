"""Number formats and the burn-down SVG: pure functions."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from ftw_observe.display import charts
from ftw_observe.display import format as fmt

START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(days=30)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [
        (fmt.sli, 0.999534, "99.953 %"),
        (fmt.sli, 1.0, "100.000 %"),
        (fmt.budget, 0.7243, "72.4 %"),
        (fmt.budget, -0.5, "-50.0 %"),
        (fmt.minutes, 31.28, "31.3 min"),
        (fmt.objective, 99.9, "99.9 %"),
        (fmt.objective, 95.0, "95 %"),
        (fmt.burn, 1.2, "1.20"),
        (fmt.count, 100_000.0, "100,000"),
        (fmt.count, 27.56, "27.6"),
        (fmt.duration, 3 * 3600 + 12 * 60 + 20, "3h 12m"),
        (fmt.duration, 2 * 86_400 + 4 * 3600, "2d 4h"),
        (fmt.duration, 2 * 86_400 + 300, "2d"),
        (fmt.duration, 45, "45s"),
        (fmt.duration, 90, "1m 30s"),
        (fmt.duration, 0, "0s"),
    ],
)
def test_formats(function, value, text):
    assert function(value) == text


@pytest.mark.parametrize(
    "function",
    [fmt.sli, fmt.budget, fmt.minutes, fmt.objective, fmt.burn, fmt.count, fmt.duration],
)
def test_unknown_is_a_dash(function):
    assert function(None) == "—"
    assert function(math.nan) == "—"
    assert function(math.inf) == "—"


def test_exhaustion_says_never_exhausted_or_unknown():
    assert fmt.exhaustion(0.5, 3600) == "1h"
    assert fmt.exhaustion(0.5, None) == "never"
    assert fmt.exhaustion(-0.1, 0.0) == "exhausted"
    assert fmt.exhaustion(None, None) == "—"


def test_times_and_ages():
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert fmt.timestamp(now) == "2026-11-22 03:00:00 UTC"
    assert fmt.age(now - timedelta(seconds=25), now) == "25s ago"
    assert fmt.age(None, now) == "never"


def test_budget_levels_and_bar_width():
    assert [fmt.budget_level(v) for v in (0.9, 0.4, 0.1, 0.0, None)] == [
        "ok",
        "warn",
        "low",
        "spent",
        "none",
    ]
    assert [fmt.bar_width(v) for v in (1.5, 0.724, -1.0, None)] == [100.0, 72.4, 0.0, 0.0]


def test_heat_compares_burn_with_the_alert_threshold():
    assert fmt.heat(15.0, 14.4) == "hot"
    assert fmt.heat(2.0, 14.4) == "warm"
    assert fmt.heat(0.5, None) == ""
    assert fmt.heat(None, 1.0) == ""


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_burn_down_draws_the_ideal_line_from_full_to_empty():
    points = [charts.Point(START + timedelta(days=d), 1 - d / 40) for d in range(0, 31, 5)]
    root = _parse(charts.burn_down_svg(points, period_start=START, period_end=END))

    ideal = root.find(f"{SVG}line[@data-series='ideal']")
    assert ideal is not None
    frame = charts.Frame()
    assert float(ideal.get("x1", "")) == frame.left
    assert float(ideal.get("y1", "")) == frame.top  # 100 % at the top
    assert float(ideal.get("x2", "")) == frame.width - frame.right
    assert float(ideal.get("y2", "")) == frame.top + frame.plot_height  # 0 % at the bottom
    path = root.find(f"{SVG}path[@data-series='remaining']")
    assert path is not None
    assert path.get("d", "").count(",") == len(points)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert {"0 %", "25 %", "50 %", "75 %", "100 %", "time (UTC)", "remaining budget"} <= set(labels)
    assert "Nov 01" in labels


def test_burn_down_breaks_at_gaps_and_widens_for_overspent_budgets():
    points = [
        charts.Point(START + timedelta(days=1), 0.5),
        charts.Point(START + timedelta(days=2), 0.2),
        charts.Point(START + timedelta(days=3), None),
        charts.Point(START + timedelta(days=4), -0.3),
        charts.Point(START + timedelta(days=5), -0.6),
    ]
    root = _parse(charts.burn_down_svg(points, period_start=START, period_end=END))

    assert len(root.findall(f"{SVG}path[@data-series='remaining']")) == 2
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert "-75 %" in labels


def test_burn_down_without_points_says_so_and_escapes_its_title():
    svg = charts.burn_down_svg([], period_start=START, period_end=END, title="<b>&")

    assert "no budget history in this period yet" in svg
    assert "<title>&lt;b&gt;&amp;</title>" in svg
    _parse(svg)


def test_a_single_point_is_a_dot():
    point = charts.Point(START + timedelta(days=1), 0.9)
    root = _parse(charts.burn_down_svg([point], period_start=START, period_end=END))

    assert root.find(f"{SVG}circle[@data-series='remaining']") is not None
