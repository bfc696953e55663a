"""Run the engine on a schedule (APScheduler): hold the lease, evaluate, prune.

After each cycle the leader notes what the alerting chain owes (the outbox backlog, the
watchdog's last arrival) for `/metrics`, and pings the heartbeat URL if the cycle read
Prometheus and the watchdog still arrives.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from ftw_observe.engine import watchdog
from ftw_observe.engine.cycle import CycleResult, Engine
from ftw_observe.engine.heartbeat import Heartbeat
from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.engine.runtime_status import Role, RuntimeStatus
from ftw_observe.engine.settings import EngineSettings
from ftw_observe.model import OutboxBacklog

log = logging.getLogger("ftw_observe.engine")


class LeaseLike(Protocol):
    """What the runtime needs of a lease (see ftw_observe.store.lease.Lease)."""

    def try_acquire(self, now: datetime) -> bool:
        """Take or renew the lease; tell whether this replica holds it."""
        ...

    def release(self) -> None:
        """Give the lease up if held."""
        ...


class EngineRuntime:
    """Evaluate every interval while holding the lease; stand by otherwise.

    >>> # runtime = EngineRuntime(settings, engine, lease, EngineMetrics.create(), prune)
    >>> # runtime.start(); ...; runtime.stop()
    """

    def __init__(
        self,
        settings: EngineSettings,
        engine: Engine,
        lease: LeaseLike,
        metrics: EngineMetrics,
        prune: Callable[[datetime], object] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        dispatch: Callable[[], object] | None = None,
        backlog: Callable[[], OutboxBacklog] | None = None,
        heartbeat_ping: Heartbeat | None = None,
        review: Callable[[datetime], object] | None = None,
        review_trigger: BaseTrigger | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.lease = lease
        self.metrics = metrics
        self.prune = prune
        self.clock = clock
        self.dispatch = dispatch
        self.backlog = backlog
        self.heartbeat_ping = heartbeat_ping
        self.review = review
        self.review_trigger = review_trigger
        self._dispatch_lock = threading.Lock()
        self.leader = False
        self.leader_since: datetime | None = None  # when this replica last took the lease
        self.last_result: CycleResult | None = None
        self.last_cycle_seconds: float | None = None
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def heartbeat(self) -> bool:
        """Take or renew the lease; return whether this replica leads."""
        try:
            leader = self.lease.try_acquire(self.clock())
        except Exception:
            log.exception("lease check failed; standing by")
            leader = False
        if leader != self.leader:
            log.info(
                "replica %s is now %s", self.settings.replica, "leader" if leader else "standby"
            )
            self.leader_since = self.clock() if leader else None
        if not leader:
            self.metrics.chain.clear_backlog()
        self.leader = leader
        self.metrics.leader.set(1 if leader else 0)
        return leader

    def tick(self) -> CycleResult | None:
        """Run one cycle if this replica leads; never raise into the scheduler."""
        with self._lock:
            if not self.heartbeat():
                return None
            started = time.perf_counter()
            try:
                result = self.engine.run_cycle(leader_since=self.leader_since)
            except Exception:
                log.exception("evaluation cycle failed")
                self.metrics.cycles.labels("error").inc()
                return None
            finally:
                self.metrics.last_cycle.set_to_current_time()
                self._note_backlog()
            elapsed = time.perf_counter() - started
            self.last_result, self.last_cycle_seconds = result, elapsed
            self.metrics.cycle_duration.observe(elapsed)
            for transition in result.transitions:
                self.metrics.transitions.labels(transition.kind.value).inc()
            if result.error:
                log.warning("cycle could not read Prometheus: %s", result.error)
                self.metrics.cycles.labels("prometheus_error").inc()
            else:
                self.metrics.cycles.labels("success").inc()
                self.metrics.last_success.set(result.at.timestamp())
            self.metrics.chain.note_watchdog(result.watchdog_at)
            self._ping(result)
            return result

    def _note_backlog(self) -> None:
        """Note the outbox backlog for `/metrics`; keep the last one if the store fails."""
        if self.backlog is None:
            return
        try:
            self.metrics.chain.note_backlog(self.backlog())
        except Exception:
            log.warning("cannot read the outbox backlog; /metrics keeps the last one")

    def _ping(self, result: CycleResult) -> None:
        """Ping the heartbeat after a cycle that read Prometheus while the watchdog arrives."""
        if self.heartbeat_ping is None or result.error:
            return
        timeout = self.engine.watchdog_timeout
        if not watchdog.fresh(result.watchdog_at, now=result.at, timeout=timeout):
            return  # the chain is broken: silence lets the heartbeat's service page
        sent = self.heartbeat_ping.ping()
        self.metrics.heartbeats.labels("sent" if sent else "failed").inc()

    def status(self) -> RuntimeStatus:
        """Return this replica's role and the last cycle's outcome, for the API."""
        result = self.last_result
        role: Role = "leader" if self.leader else "standby"
        if self._scheduler is None:
            role = "stopped"
        health = self.engine.store.health() if result and result.error else None
        return RuntimeStatus(
            role=role,
            replica_id=self.settings.replica,
            last_cycle_at=result.at if result else None,
            last_cycle_seconds=self.last_cycle_seconds,
            prometheus_error=result.error if result else None,
            prometheus_unreachable_since=health.prometheus_unreachable_since if health else None,
        )

    def dispatch_now(self) -> None:
        """Route and deliver due notifications, on the leader only; never raise."""
        if self.dispatch is None or not self.leader:
            return
        with self._dispatch_lock:
            try:
                self.dispatch()
            except Exception:
                log.exception("notification dispatch failed; the outbox keeps every notification")

    def prune_now(self) -> None:
        """Apply snapshot retention and downsampling, on the leader only."""
        if self.prune is not None and self.leader:
            try:
                self.prune(self.clock())
            except Exception:
                log.exception("pruning snapshots failed")

    def review_now(self) -> None:
        """Queue the scheduled budget review if one is due, on the leader only; never raise."""
        if self.review is not None and self.leader:
            try:
                self.review(self.clock())
            except Exception:
                log.exception("the budget review failed; the next run tries again")

    def start(self) -> None:
        """Start the schedule: a cycle now and every interval, heartbeats, hourly pruning."""
        scheduler = BackgroundScheduler(timezone=UTC)
        now = datetime.now(UTC)
        interval = self.settings.interval.total_seconds()
        self.metrics.cycle_interval.set(interval)
        heartbeat = max(self.settings.lease_ttl.total_seconds() / 3, 1.0)
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        scheduler.add_job(self.tick, "interval", seconds=interval, next_run_time=now, **common)
        scheduler.add_job(self.heartbeat, "interval", seconds=heartbeat, **common)
        scheduler.add_job(self.prune_now, "interval", hours=1, next_run_time=now, **common)
        if self.dispatch is not None:
            seconds = self.settings.dispatch_interval.total_seconds()
            scheduler.add_job(self.dispatch_now, "interval", seconds=seconds, **common)
        if self.review is not None and self.review_trigger is not None:
            scheduler.add_job(self.review_now, self.review_trigger, **common)
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        """Stop the schedule and hand the lease over at once."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self.leader:
            try:
                self.lease.release()
            except Exception:
                log.exception("could not release the lease")
            self.leader = False
            self.metrics.leader.set(0)
        if self.heartbeat_ping is not None:
            self.heartbeat_ping.close()
