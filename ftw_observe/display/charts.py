"""Server-rendered SVG charts: pure functions from points to an SVG string, no JavaScript.

Every text in the SVG is escaped here, so the result can go into a page as markup as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape


@dataclass(frozen=True)
class Point:
    """One value at one time; `None` where nothing is known (the line breaks there)."""

    at: datetime
    value: float | None


@dataclass(frozen=True)
class Frame:
    """Where the plot area sits inside the SVG, in pixels."""

    width: int = 960
    height: int = 300
    left: int = 56
    right: int = 20
    top: int = 34
    bottom: int = 40

    @property
    def plot_width(self) -> int:
        """Return the width of the plot area."""
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        """Return the height of the plot area."""
        return self.height - self.top - self.bottom


def _num(value: float) -> str:
    return f"{value:.1f}"


def value_range(
    points: Sequence[Point], low: float = 0.0, high: float = 1.0
) -> tuple[float, float]:
    """Return the y range: at least `low..high`, widened to every known value, in quarters."""
    known = [p.value for p in points if p.value is not None and math.isfinite(p.value)]
    lowest = min([low, *known])
    highest = max([high, *known])
    return math.floor(lowest * 4) / 4, math.ceil(highest * 4) / 4


def segments(points: Sequence[Point]) -> list[list[Point]]:
    """Return the runs of consecutive known values: gaps split the line."""
    runs: list[list[Point]] = []
    current: list[Point] = []
    for point in points:
        if point.value is None or not math.isfinite(point.value):
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return runs


def time_ticks(start: datetime, end: datetime, count: int = 6) -> list[datetime]:
    """Return `count` evenly spaced times from start to end, both included."""
    if count < 2 or end <= start:
        return [start]
    step = (end - start) / (count - 1)
    return [start + step * index for index in range(count)]


def _tick_label(at: datetime, span: timedelta) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%b %d") if span >= timedelta(days=3) else at.strftime("%b %d %H:%M")


class _Scale:
    def __init__(
        self, frame: Frame, start: datetime, end: datetime, low: float, high: float
    ) -> None:
        self.frame, self.start, self.low, self.high = frame, start, low, high
        self.seconds = max((end - start).total_seconds(), 1.0)

    def x(self, at: datetime) -> float:
        share = (at - self.start).total_seconds() / self.seconds
        return self.frame.left + min(max(share, 0.0), 1.0) * self.frame.plot_width

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.frame.top + (1.0 - share) * self.frame.plot_height


def _axes(scale: _Scale, end: datetime, y_label: str) -> list[str]:
    frame = scale.frame
    parts: list[str] = []
    steps = round((scale.high - scale.low) / 0.25)
    for index in range(steps + 1):
        value = scale.low + index * 0.25
        y = _num(scale.y(value))
        width = "1.2" if value == 0 else "0.6"
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y}" y2="{y}" '
            f'stroke="#d0d7de" stroke-width="{width}"/>'
            f'<text x="{frame.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="11" fill="#57606a">{value * 100:.0f} %</text>'
        )
    span = end - scale.start
    bottom = frame.top + frame.plot_height
    for index, tick in enumerate(time_ticks(scale.start, end)):
        x = _num(scale.x(tick))
        anchor = "start" if index == 0 else "end" if tick == end else "middle"
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{bottom}" y2="{bottom + 4}" stroke="#8c959f"/>'
            f'<text x="{x}" y="{bottom + 16}" text-anchor="{anchor}" font-size="11" '
            f'fill="#57606a">{escape(_tick_label(tick, span))}</text>'
        )
    middle = _num(frame.top + frame.plot_height / 2)
    parts.append(
        f'<text x="12" y="{middle}" font-size="11" fill="#57606a" text-anchor="middle" '
        f'transform="rotate(-90 12 {middle})">{escape(y_label)}</text>'
        f'<text x="{frame.left + frame.plot_width / 2:.1f}" y="{frame.height - 4}" '
        f'font-size="11" fill="#57606a" text-anchor="middle">time (UTC)</text>'
    )
    return parts


def _path(scale: _Scale, run: Sequence[Point]) -> str:
    coords = " ".join(
        f"{_num(scale.x(p.at))},{_num(scale.y(p.value))}" for p in run if p.value is not None
    )
    return f"M{coords}" if len(run) > 1 else ""


def burn_down_svg(
    points: Sequence[Point],
    *,
    period_start: datetime,
    period_end: datetime,
    title: str = "Remaining error budget",
    frame: Frame | None = None,
) -> str:
    """Return an SVG of remaining budget (1 = 100 %) over a period, against the ideal line.

    The ideal line burns at a constant rate: 100 % at the period's start, 0 % at its end.
    """
    frame = frame or Frame()
    low, high = value_range(points)
    scale = _Scale(frame, period_start, period_end, low, high)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="{frame.width}" height="{frame.height}" role="img" class="chart" '
        f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>',
        *_axes(scale, period_end, "remaining budget"),
        f'<line x1="{_num(scale.x(period_start))}" y1="{_num(scale.y(1.0))}" '
        f'x2="{_num(scale.x(period_end))}" y2="{_num(scale.y(0.0))}" stroke="#8c959f" '
        'stroke-width="1.5" stroke-dasharray="6 4" data-series="ideal"/>',
    ]
    for run in segments(points):
        inside = [p for p in run if period_start <= p.at <= period_end]
        if len(inside) == 1 and inside[0].value is not None:
            only, value = inside[0], inside[0].value
            parts.append(
                f'<circle cx="{_num(scale.x(only.at))}" cy="{_num(scale.y(value))}" r="3" '
                'fill="#0969da" data-series="remaining"/>'
            )
        elif inside:
            parts.append(
                f'<path d="{_path(scale, inside)}" fill="none" stroke="#0969da" '
                'stroke-width="2" stroke-linejoin="round" data-series="remaining"/>'
            )
    parts.append(
        f'<g font-size="12" fill="#24292f" transform="translate({frame.left} 6)">'
        '<line x1="0" x2="20" y1="10" y2="10" stroke="#0969da" stroke-width="2"/>'
        '<text x="26" y="14">remaining budget</text>'
        '<line x1="150" x2="170" y1="10" y2="10" stroke="#8c959f" stroke-width="1.5" '
        'stroke-dasharray="6 4"/><text x="176" y="14">ideal: constant burn to 0 % at the '
        "period's end</text></g>"
    )
    if not any(p.value is not None for p in points):
        parts.append(
            f'<text x="{frame.left + frame.plot_width / 2:.1f}" '
            f'y="{_num(frame.top + frame.plot_height / 2)}" text-anchor="middle" font-size="13" '
            'fill="#57606a">no budget history in this period yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
