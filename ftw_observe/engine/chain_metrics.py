"""Gauges of what the alerting chain owes: the outbox backlog and the watchdog's last arrival.

The leader reads both from the store once per cycle, and a replica that receives the
watchdog notes it at once; a scrape only reads what was noted and never touches the
database, so `/metrics` answers while the database is down. The age of the oldest pending
notification is worked out at scrape time from when it was created, so it keeps growing while
the dispatcher hangs, between cycles too. A standby reports no backlog: alert rules take the
maximum across replicas, which is the leader's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ftw_observe.model import OutboxBacklog

PENDING = "ftw_observe_outbox_pending"
OLDEST_AGE = "ftw_observe_outbox_oldest_pending_age_seconds"
WATCHDOG = "ftw_observe_watchdog_last_received_timestamp_seconds"


class ChainGauges(Collector):
    """The outbox backlog and the watchdog's last arrival, as last seen; the age as of now.

    >>> from prometheus_client import CollectorRegistry, generate_latest
    >>> gauges = ChainGauges(clock=lambda: 1_000.0)
    >>> registry = CollectorRegistry()
    >>> registry.register(gauges)
    >>> gauges.note_watchdog(datetime.fromtimestamp(940.0).astimezone())
    >>> b"ftw_observe_watchdog_last_received_timestamp_seconds 940.0" in generate_latest(registry)
    True
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._backlog = OutboxBacklog()
        self._watchdog = 0.0

    def note_backlog(self, backlog: OutboxBacklog) -> None:
        """Keep the backlog the leader just read."""
        with self._lock:
            self._backlog = backlog

    def clear_backlog(self) -> None:
        """Report no backlog: this replica stands by and delivers nothing."""
        self.note_backlog(OutboxBacklog())

    def note_watchdog(self, at: datetime | None) -> None:
        """Keep a watchdog arrival if it is the latest this replica knows of."""
        if at is None:
            return
        with self._lock:
            self._watchdog = max(self._watchdog, at.timestamp())

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                PENDING,
                "Notifications waiting to be routed or delivered, or being sent (0 on standby).",
            ),
            GaugeMetricFamily(
                OLDEST_AGE,
                "Age of the oldest notification not yet delivered, 0 when none (0 on standby).",
            ),
            GaugeMetricFamily(
                WATCHDOG,
                "Unix time Alertmanager's watchdog last reached any replica, 0 if never.",
            ),
        )

    def describe(self) -> Iterator[Metric]:
        """Name the gauges without reading anything."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges: the backlog as last read, its oldest's age as of now."""
        with self._lock:
            backlog, watchdog = self._backlog, self._watchdog
        oldest = backlog.oldest_created_at
        age = 0.0 if oldest is None else max(self.clock() - oldest.timestamp(), 0.0)
        pending, oldest_age, last_watchdog = self._families()
        pending.add_metric([], float(backlog.pending))
        oldest_age.add_metric([], age)
        last_watchdog.add_metric([], watchdog)
        yield from (pending, oldest_age, last_watchdog)
