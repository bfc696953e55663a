"""Run the engine on a schedule (APScheduler): hold the lease, evaluate, prune.

After each cycle the leader notes what the alerting chain owes (the outbox backlog, the
watchdog's last arrival) for `/metrics`, and pings the heartbeat URL if the cycle read
Prometheus and the watchdog still arrives.

The log gets a line for each change only (see ftw_observe.engine.activity): an alert that
turns pending, fires or resolves, a lease won or lost, a problem that starts, changes or
ends; and a summary every `log_summary_interval`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from ftw_observe.durations import format_duration
from ftw_observe.engine import watchdog
from ftw_observe.engine.activity import Activity
from ftw_observe.engine.cycle import CycleResult, Engine
from ftw_observe.engine.heartbeat import Heartbeat
from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.engine.runtime_status import Role, RuntimeStatus
from ftw_observe.engine.settings import EngineSettings
from ftw_observe.model import AlertState, OutboxBacklog, Transition

log = logging.getLogger("ftw_observe.engine")


class LeaseLike(Protocol):
    """What the runtime needs of a lease (see ftw_observe.store.lease.Lease)."""

    def try_acquire(self, now: datetime) -> bool:
        """Take or renew the lease; tell whether this replica holds it."""
        ...

    def release(self) -> None:
        """Give the lease up if held."""
        ...


@runtime_checkable
class DispatchCounts(Protocol):
    """What a dispatch pass reports (see ftw_observe.notify.dispatch.DispatchReport)."""

    delivered: int
    retried: int
    rejected: int


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
        self.activity = Activity(clock())

    def heartbeat(self) -> bool:
        """Take or renew the lease; return whether this replica leads."""
        try:
            leader = self.lease.try_acquire(self.clock())
        except Exception as error:
            self._failed("lease", "lease check failed; standing by", error)
            leader = False
        else:
            self._recovered("lease", "lease checks work again")
        if leader != self.leader:
            role = "leader" if leader else "standby"
            fields = {"event": "lease", "role": role, "replica": self.settings.replica}
            log.info("replica %s is now %s", self.settings.replica, role, extra=fields)
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
            except Exception as error:
                self._failed("cycle", "evaluation cycle failed", error)
                self.metrics.cycles.labels("error").inc()
                return None
            finally:
                self.metrics.last_cycle.set_to_current_time()
                self._note_backlog()
            elapsed = time.perf_counter() - started
            self.last_result, self.last_cycle_seconds = result, elapsed
            self.metrics.cycle_duration.observe(elapsed)
            self._recovered("cycle", "evaluation cycles run again")
            self.activity.cycle(result)
            for transition in result.transitions:
                self.metrics.transitions.labels(transition.kind.value).inc()
            if result.error:
                if self.activity.problems.begin("prometheus", result.error, result.at):
                    fields = {"event": "problem", "problem": "prometheus"}
                    log.warning("Prometheus unreadable: %s", result.error, extra=fields)
                self.metrics.cycles.labels("prometheus_error").inc()
            else:
                self._recovered("prometheus", "Prometheus readable again")
                self.metrics.cycles.labels("success").inc()
                self.metrics.last_success.set(result.at.timestamp())
            _log_changes(result)
            self.metrics.chain.note_watchdog(result.watchdog_at)
            self._ping(result)
            return result

    def _note_backlog(self) -> None:
        """Note the outbox backlog for `/metrics`; keep the last one if the store fails."""
        if self.backlog is None:
            return
        try:
            self.metrics.chain.note_backlog(self.backlog())
        except Exception as error:
            self._failed(
                "outbox", "cannot read the outbox backlog; /metrics keeps the last one", error
            )
        else:
            self._recovered("outbox", "the outbox backlog reads again")

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
        # A pass still running (a slow receiver) claims until nothing is due: nothing to add.
        if not self._dispatch_lock.acquire(blocking=False):
            return
        try:
            report = self.dispatch()
        except Exception as error:
            problem = "notification dispatch failed; the outbox keeps every notification"
            self._failed("dispatch", problem, error)
            return
        finally:
            self._dispatch_lock.release()
        self._recovered("dispatch", "notification dispatch works again")
        if isinstance(report, DispatchCounts):
            self.activity.dispatched(report.delivered, report.retried, report.rejected)

    def log_summary(self) -> None:
        """Log what happened since the last summary, and the problems still ongoing."""
        role = "leader" if self.leader else "standby"
        message, fields = self.activity.summary(self.clock(), role=role)
        log.info("%s", message, extra=fields)

    def _failed(self, kind: str, message: str, error: Exception) -> None:
        """Count an error; log it with its traceback when it starts or changes."""
        self.activity.error()
        if self.activity.problems.begin(kind, type(error).__name__, self.clock()):
            log.exception(message, extra={"event": "problem", "problem": kind})

    def _recovered(self, kind: str, message: str) -> None:
        """Log the end of an ongoing problem: how long it lasted and how often it recurred."""
        problem = self.activity.problems.end(kind)
        if problem is None:
            return
        lasted = format_duration(max(round((self.clock() - problem.since).total_seconds()), 0))
        fields = {"event": "recovered", "problem": kind, "failures": problem.count}
        log.info(
            "%s after %s (%d failed attempt%s)",
            message,
            lasted,
            problem.count,
            "" if problem.count == 1 else "s",
            extra=fields,
        )

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
            # Two instances: a tick during a slow pass returns at once instead of making
            # APScheduler warn, every second, that it skipped one.
            dispatch = {**common, "max_instances": 2}
            scheduler.add_job(self.dispatch_now, "interval", seconds=seconds, **dispatch)
        summary = self.settings.log_summary_interval.total_seconds()
        if summary > 0:
            self.activity.restart(now)
            scheduler.add_job(self.log_summary, "interval", seconds=summary, **common)
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


def describe(state: AlertState) -> str:
    """Name an alert for a log line: alert name, service/SLO{instance}, tier."""
    key = state.key.instance
    where = f"{key.service}/{key.slo}" + (f"{{{key.instance}}}" if key.group else "")
    name = state.labels.get("alertname")
    return f"{name} {where} tier {state.key.tier}" if name else f"{where} tier {state.key.tier}"


def _alert_fields(state: AlertState, kind: str) -> dict[str, Any]:
    key = state.key
    return {
        "event": "transition",
        "kind": kind,
        "dedup_key": key.dedup_key,
        "alertname": state.labels.get("alertname"),
        "service": key.instance.service,
        "slo": key.instance.slo,
        "slo_instance": key.instance.instance,
        "tier": key.tier,
        "severity": state.labels.get("severity"),
        "burn_rate": state.value,
    }


def _log_changes(result: CycleResult) -> None:
    """Log one line per alert that turned pending, fired or resolved in this cycle."""
    for state in result.pending:
        log.info("alert pending: %s", describe(state), extra=_alert_fields(state, "pending"))
    for transition in result.transitions:
        _log_transition(transition)


def _log_transition(transition: Transition) -> None:
    state, kind = transition.state, transition.kind.value
    fields = _alert_fields(state, kind)
    if kind == "firing":
        summary = state.annotations.get("summary")
        text = f"{describe(state)}: {summary}" if summary else describe(state)
        log.info("alert firing: %s", text, extra=fields)
        return
    lasted = ""
    if state.fired_at is not None:
        seconds = max(round((transition.at - state.fired_at).total_seconds()), 0)
        fields["fired_seconds"] = seconds
        lasted = f" after firing {format_duration(seconds)}"
    log.info("alert resolved: %s%s", describe(state), lasted, extra=fields)
