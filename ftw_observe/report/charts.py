"""Inline SVG charts of the HTML report: remaining budget against the ideal line, hourly errors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import escape

from ftw_observe.display import format as fmt
from ftw_observe.display.charts import Frame, Point, burn_down_svg

MAX_LINE_POINTS = 600  # enough for a smooth line at the chart's width


def thin(points: Sequence[Point], limit: int = MAX_LINE_POINTS) -> list[Point]:
    """Return at most `limit` of `points`, evenly spread, the first and the last included."""
    if len(points) <= limit:
        return list(points)
    span = limit - 1
    return [points[index * (len(points) - 1) // span] for index in range(limit)]


def budget_svg(points: Sequence[Point], *, start: datetime, end: datetime, title: str) -> str:
    """Return the remaining budget from `start` to `end` against the ideal constant burn."""
    return burn_down_svg(thin(points), period_start=start, period_end=end, title=title)


TICK_STEPS = tuple(timedelta(hours=h) for h in (1, 2, 3, 6, 12, 24, 48, 72, 168, 336))


def hour_ticks(start: datetime, end: datetime, most: int = 8) -> list[datetime]:
    """Return round UTC times between start and end: the first step giving at most `most`."""
    span = end - start
    step = next((s for s in TICK_STEPS if span / s <= most), TICK_STEPS[-1])
    seconds = int(step.total_seconds())
    first = -(-int(start.timestamp()) // seconds) * seconds
    ticks = []
    at = datetime.fromtimestamp(first, UTC)
    while at <= end:
        ticks.append(at)
        at += step
    return ticks


def _num(value: float) -> str:
    return f"{value:.1f}"


def hourly_bars_svg(
    hours: Sequence[Point],
    *,
    start: datetime,
    end: datetime,
    title: str,
    frame: Frame | None = None,
) -> str:
    """Return bars of errors per hour; hours that were not measured are shaded grey."""
    frame = frame or Frame(height=200)
    seconds = max((end - start).total_seconds(), 3600.0)
    known = [p.value for p in hours if p.value is not None and math.isfinite(p.value)]
    top = max([*known, 1.0])
    bottom = frame.top + frame.plot_height

    def x(at: datetime) -> float:
        share = min(max((at - start).total_seconds() / seconds, 0.0), 1.0)
        return frame.left + share * frame.plot_width

    def y(value: float) -> float:
        return bottom - value / top * frame.plot_height

    width = max(frame.plot_width * 3600 / seconds - 0.4, 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="{frame.width}" height="{frame.height}" role="img" class="chart" '
        f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>'
    ]
    for value in (0.0, top / 2, top):
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{_num(y(value))}" '
            f'y2="{_num(y(value))}" stroke="#d0d7de" stroke-width="0.6"/>'
            f'<text x="{frame.left - 6}" y="{_num(y(value))}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11" fill="#57606a">'
            f"{escape(fmt.count(value))}</text>"
        )
    for point in hours:
        if point.value is None or not math.isfinite(point.value):
            parts.append(
                f'<rect x="{_num(x(point.at))}" y="{frame.top}" width="{_num(width)}" '
                f'height="{frame.plot_height}" fill="#eaeef2" data-series="unmeasured"/>'
            )
        elif point.value > 0:
            parts.append(
                f'<rect x="{_num(x(point.at))}" y="{_num(y(point.value))}" width="{_num(width)}" '
                f'height="{_num(bottom - y(point.value))}" fill="#cf222e" data-series="errors">'
                f"<title>{escape(fmt.timestamp(point.at))}: {escape(fmt.count(point.value))} "
                "errors</title></rect>"
            )
    daily = end - start > timedelta(days=2)
    for tick in hour_ticks(start, end):
        label = tick.strftime("%b %d" if daily else "%b %d %H:%M")
        parts.append(
            f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{bottom}" y2="{bottom + 4}" '
            f'stroke="#8c959f"/><text x="{_num(x(tick))}" y="{bottom + 16}" '
            f'text-anchor="middle" font-size="11" fill="#57606a">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{frame.left + frame.plot_width / 2:.1f}" y="{frame.height - 4}" '
        'font-size="11" fill="#57606a" text-anchor="middle">errors per hour (UTC)</text></svg>'
    )
    return "".join(parts)
