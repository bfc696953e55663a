"""Read each source on every scrape under a deadline, and say how each read went."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from exporters.source import Source

log = logging.getLogger(__name__)


class SourceHealth:
    """How reads of one source went: up, last success, duration, errors."""

    def __init__(self) -> None:
        self.up = False
        self.last_success: float | None = None
        self.duration = 0.0
        self.errors: dict[str, int] = {"error": 0, "timeout": 0}


class GuardedCollector(Collector):
    """Expose the families of several sources, each read with a deadline.

    A source that fails or misses its deadline reports `up 0` and its families are left out
    of that scrape, so nothing stale is served as if current; it recovers on the first read
    that succeeds. A read still running past its deadline is not started again until it ends.

    Usage::

        collector = GuardedCollector([PostgresSource(url), HostSource("/var/lib")], timeout=2.0)
        registry.register(collector)
    """

    def __init__(
        self,
        sources: Sequence[Source],
        timeout: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sources = list(sources)
        self._timeout = timeout
        self._clock = clock
        self._health = {source.name: SourceHealth() for source in self._sources}
        self._running: dict[str, concurrent.futures.Future[Sequence[Metric]]] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, len(self._sources)), thread_name_prefix="source"
        )
        # One scrape at a time: sources keep state and are never read concurrently.
        self._scrape_lock = threading.Lock()

    def describe(self) -> list[Metric]:
        """Describe nothing, so registering the collector reads no source."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Read every source in parallel and yield the families of those that answered."""
        with self._scrape_lock:
            started = time.perf_counter()
            futures = {source.name: self._start(source) for source in self._sources}
            deadline = started + self._timeout
            families: list[Metric] = []
            for name, future in futures.items():
                families.extend(self._finish(name, future, deadline))
            yield from families
            yield from self._health_families()

    def _start(self, source: Source) -> concurrent.futures.Future[Sequence[Metric]]:
        running = self._running.get(source.name)
        if running is not None and not running.done():
            return running
        future = self._pool.submit(self._timed_read, source)
        self._running[source.name] = future
        return future

    def _timed_read(self, source: Source) -> Sequence[Metric]:
        started = time.perf_counter()
        try:
            return source.read()
        finally:
            self._health[source.name].duration = time.perf_counter() - started

    def _finish(
        self, name: str, future: concurrent.futures.Future[Sequence[Metric]], deadline: float
    ) -> Sequence[Metric]:
        health = self._health[name]
        try:
            families = future.result(timeout=max(0.0, deadline - time.perf_counter()))
        except concurrent.futures.TimeoutError:
            health.up = False
            health.errors["timeout"] += 1
            log.warning("source %s did not answer within %.1f s", name, self._timeout)
            return []
        except Exception as exc:
            health.up = False
            health.errors["error"] += 1
            log.warning("source %s failed: %s", name, _describe(exc))
            return []
        health.up = True
        health.last_success = self._clock()
        return families

    def _health_families(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "ftw_exporter_source_up", "1 if the last read of a source succeeded.", labels=["source"]
        )
        last = GaugeMetricFamily(
            "ftw_exporter_source_last_success_timestamp_seconds",
            "Unix time of the last successful read of a source.",
            labels=["source"],
        )
        duration = GaugeMetricFamily(
            "ftw_exporter_source_read_duration_seconds",
            "How long the last finished read of a source took.",
            labels=["source"],
        )
        errors = CounterMetricFamily(
            "ftw_exporter_source_errors",
            "Failed reads of a source, by reason (error, timeout).",
            labels=["source", "reason"],
        )
        for name, health in self._health.items():
            up.add_metric([name], 1.0 if health.up else 0.0)
            if health.last_success is not None:
                last.add_metric([name], health.last_success)
            duration.add_metric([name], health.duration)
            for reason, count in sorted(health.errors.items()):
                errors.add_metric([name, reason], count)
        yield from (up, last, duration, errors)

    def close(self) -> None:
        """Stop the read threads without waiting for a hung read."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _describe(exc: Exception) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:300]
