"""Latencies and outcomes of a run, and the summary built from them."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PERCENTILES = (50.0, 95.0, 99.0)
SHED_STATUS = "503"


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Return the nearest-rank `q`-th percentile of ascending `sorted_values`."""
    if not sorted_values:
        raise ValueError("no values to take a percentile of")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(latencies: Iterable[float]) -> dict[str, float | None]:
    """Return p50, p95, p99 and max of `latencies` in milliseconds (None when empty)."""
    ordered = sorted(latencies)
    keys = [f"p{q:g}_ms" for q in PERCENTILES] + ["max_ms"]
    if not ordered:
        return dict.fromkeys(keys, None)
    values = [percentile(ordered, q) for q in PERCENTILES] + [ordered[-1]]
    return {key: round(value * 1000, 3) for key, value in zip(keys, values, strict=True)}


@dataclass
class RouteStats:
    """Latencies and outcome labels of one route.

    Usage::

        route = StatsRecorder().routes.setdefault("GET /api/jobs", RouteStats())
    """

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0


class StatsRecorder:
    """Records every answered request by route; pure bookkeeping, no clock.

    Usage::

        stats = StatsRecorder()
        stats.record("GET /api/jobs", "200", 0.012, is_error=False)
        stats.total, stats.errors  # (1, 0)
    """

    def __init__(self) -> None:
        self.routes: dict[str, RouteStats] = {}
        self.total = 0
        self.errors = 0
        # Answers the server gave in full, and its 503s (shed under overload, or a dependency
        # down), apart: fast 503s would otherwise hide how long the served requests took.
        self.served: list[float] = []
        self.shed: list[float] = []

    def record(self, route_key: str, label: str, latency_seconds: float, is_error: bool) -> None:
        """Count one request to `route_key` that ended as `label` after `latency_seconds`."""
        stats = self.routes.setdefault(route_key, RouteStats())
        stats.latencies.append(latency_seconds)
        stats.outcomes[label] += 1
        self.total += 1
        if label == SHED_STATUS:
            self.shed.append(latency_seconds)
        elif not is_error:
            self.served.append(latency_seconds)
        if is_error:
            stats.errors += 1
            self.errors += 1

    def outcomes(self) -> Counter[str]:
        """Return how many requests ended with each status code or transport error."""
        merged: Counter[str] = Counter()
        for stats in self.routes.values():
            merged.update(stats.outcomes)
        return merged

    def errors_by_status(self) -> dict[str, int]:
        """Return error counts by status code or transport error, largest first."""
        failed = {
            label: count
            for label, count in self.outcomes().items()
            if not (label.isdigit() and int(label) < 400)
        }
        return dict(sorted(failed.items(), key=lambda item: (-item[1], item[0])))

    def all_latencies(self) -> list[float]:
        """Return every recorded latency."""
        return [value for stats in self.routes.values() for value in stats.latencies]


def build_summary(
    stats: StatsRecorder,
    elapsed_seconds: float,
    target_rate: float,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the run's summary as JSON-ready data."""
    elapsed = max(elapsed_seconds, 1e-9)
    routes = {
        key: {
            "requests": len(route.latencies),
            "errors": route.errors,
            "error_ratio": _ratio(route.errors, len(route.latencies)),
            "rate": round(len(route.latencies) / elapsed, 3),
            **latency_summary(route.latencies),
        }
        for key, route in sorted(stats.routes.items(), key=lambda item: -len(item[1].latencies))
    }
    summary: dict[str, Any] = {
        "target_rate": target_rate,
        "elapsed_seconds": round(elapsed_seconds, 3),
        "requests": stats.total,
        "achieved_rate": round(stats.total / elapsed, 3),
        "errors": stats.errors,
        "error_ratio": _ratio(stats.errors, stats.total),
        "errors_by_status": stats.errors_by_status(),
        "status_counts": dict(sorted(stats.outcomes().items())),
        "latency": latency_summary(stats.all_latencies()),
        "served_latency": latency_summary(stats.served),
        "shed": {"requests": len(stats.shed), **latency_summary(stats.shed)},
        "routes": routes,
    }
    if extra:
        summary.update(extra)
    return summary


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0
