"""The RED metrics of HTTP requests, recorded with as little work per request as possible.

One process: plain counters behind one lock, exported by a collector at scrape time, because
prometheus-client's per-call locking and checks cost more than the request bookkeeping itself.
Several workers (PROMETHEUS_MULTIPROC_DIR set): prometheus-client's metrics, whose values live
in files every worker shares; collectors cannot do that.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections.abc import Iterator
from typing import Any, Protocol

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# Every SLO latency threshold is a bucket boundary, so latency SLIs need no interpolation.
HTTP_DURATION_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.15,
    0.25,
    0.5,
    0.8,
    1.0,
    1.5,
    2.0,
    5.0,
    10.0,
)
REQUESTS_HELP = "HTTP requests handled, by method, route template and exact status code."
DURATION_HELP = "Time from receiving an HTTP request to sending the last byte of its response."
IN_PROGRESS_HELP = "HTTP requests being handled right now."


class HttpMetrics(Protocol):
    """Records the start and the end of every HTTP request."""

    def started(self, method: str) -> None: ...

    def finished(self, method: str, route: str, status: int, seconds: float) -> None: ...

    def declare(self, method: str, route: str, status: int) -> None: ...


def _families() -> tuple[CounterMetricFamily, HistogramMetricFamily, GaugeMetricFamily]:
    return (
        CounterMetricFamily("http_requests", REQUESTS_HELP, labels=["method", "route", "status"]),
        HistogramMetricFamily(
            "http_request_duration_seconds", DURATION_HELP, labels=["method", "route"]
        ),
        GaugeMetricFamily("http_requests_in_progress", IN_PROGRESS_HELP, labels=["method"]),
    )


class CollectedHttpMetrics(Collector):
    """Single-process HTTP metrics: counts in dicts, families built at scrape time.

    Usage::

        metrics = CollectedHttpMetrics()
        REGISTRY.register(metrics)
        metrics.started("GET")
        metrics.finished("GET", "/api/jobs", 200, 0.012)
    """

    def __init__(self, buckets: tuple[float, ...] = HTTP_DURATION_BUCKETS) -> None:
        self._bounds = buckets
        self._labels = [floatToGoString(bound) for bound in buckets] + ["+Inf"]
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = {}
        # Per (method, route): one count per bucket (not cumulative), then the sum.
        self._durations: dict[tuple[str, str], list[float]] = {}
        self._in_progress: dict[str, int] = {}

    def started(self, method: str) -> None:
        """Count a request as in progress."""
        with self._lock:
            self._in_progress[method] = self._in_progress.get(method, 0) + 1

    def finished(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count a finished request and its duration."""
        bucket = bisect.bisect_left(self._bounds, seconds)
        key = (method, route, status)
        with self._lock:
            self._in_progress[method] -= 1
            self._requests[key] = self._requests.get(key, 0) + 1
            duration = self._durations.get((method, route))
            if duration is None:
                duration = self._durations[method, route] = [0.0] * (len(self._labels) + 1)
            duration[bucket] += 1
            duration[-1] += seconds

    def declare(self, method: str, route: str, status: int) -> None:
        """Export a zero count for a series before its first request.

        A counter born at its first error loses that scrape's errors to `increase()`; one that
        exists at zero from the start loses none.
        """
        with self._lock:
            self._requests.setdefault((method, route, status), 0)

    def describe(self) -> Iterator[Metric]:
        """Name the families, so the registry refuses a second owner of these names."""
        yield CounterMetricFamily(
            "http_requests", REQUESTS_HELP, labels=["method", "route", "status"]
        )
        yield HistogramMetricFamily(
            "http_request_duration_seconds", DURATION_HELP, labels=["method", "route"]
        )
        yield GaugeMetricFamily("http_requests_in_progress", IN_PROGRESS_HELP, labels=["method"])

    def collect(self) -> Iterator[Metric]:
        """Build the families from a consistent snapshot."""
        with self._lock:
            requests = dict(self._requests)
            durations = {key: list(values) for key, values in self._durations.items()}
            in_progress = dict(self._in_progress)
        counter, histogram, gauge = _families()
        for (method, route, status), count in sorted(requests.items()):
            counter.add_metric([method, route, str(status)], count)
        for (method, route), values in sorted(durations.items()):
            cumulative = 0.0
            buckets: list[tuple[str, float]] = []
            for label, observed in zip(self._labels, values[:-1], strict=True):
                cumulative += observed
                buckets.append((label, cumulative))
            histogram.add_metric([method, route], buckets, sum_value=values[-1])
        for method, count in sorted(in_progress.items()):
            gauge.add_metric([method], count)
        yield from (counter, histogram, gauge)


class SharedHttpMetrics:
    """Multiprocess HTTP metrics: prometheus-client metrics with their label children cached.

    Usage::

        metrics = SharedHttpMetrics()
        metrics.started("GET")
        metrics.finished("GET", "/api/jobs", 200, 0.012)
    """

    def __init__(
        self,
        buckets: tuple[float, ...] = HTTP_DURATION_BUCKETS,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        self._counter = Counter(
            "http_requests", REQUESTS_HELP, ["method", "route", "status"], registry=registry
        )
        self._histogram = Histogram(
            "http_request_duration_seconds",
            DURATION_HELP,
            ["method", "route"],
            buckets=buckets,
            registry=registry,
        )
        self._gauge = Gauge(
            "http_requests_in_progress",
            IN_PROGRESS_HELP,
            ["method"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        # labels() costs more than the increments; label sets are bounded by design.
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._durations: dict[tuple[str, str], Any] = {}
        self._in_progress: dict[str, Any] = {}

    def started(self, method: str) -> None:
        """Count a request as in progress."""
        child = self._in_progress.get(method)
        if child is None:
            child = self._in_progress[method] = self._gauge.labels(method)
        child.inc()

    def finished(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count a finished request and its duration."""
        self._in_progress[method].dec()
        key = (method, route, status)
        counter = self._requests.get(key)
        if counter is None:
            counter = self._requests[key] = self._counter.labels(method, route, str(status))
        counter.inc()
        duration = self._durations.get((method, route))
        if duration is None:
            duration = self._durations[method, route] = self._histogram.labels(method, route)
        duration.observe(seconds)

    def declare(self, method: str, route: str, status: int) -> None:
        """Export a zero count for a series before its first request."""
        key = (method, route, status)
        if key not in self._requests:
            self._requests[key] = self._counter.labels(method, route, str(status))


def create_http_metrics() -> HttpMetrics:
    """Return the recorder that fits this process: shared files or an in-process collector."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return SharedHttpMetrics()
    collected = CollectedHttpMetrics()
    REGISTRY.register(collected)
    return collected
