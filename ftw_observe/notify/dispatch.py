"""Route alert notifications to receivers and deliver them, from the durable outbox.

Stage one takes alert-level notifications (from the engine or Alertmanager's webhook), merges
sources that report the same alert, applies silences and inhibition, and queues one row per
receiver. Stage two delivers those rows, retrying with backoff until delivered or rejected.
Everything is in the database between stages, so a crash or restart loses nothing.
Announcements (a silence set or ended) take the same two stages without an incident: they go
to the Slack receivers of the ticket route, once each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ftw_observe.model import (
    Incident,
    Notification,
    NotificationKind,
    OutboxItem,
    OutboxState,
    Settlement,
)
from ftw_observe.notify import announce
from ftw_observe.notify.decide import decide, routing
from ftw_observe.notify.metrics import DispatchMetrics
from ftw_observe.notify.model import DeliveryResult, DispatchStore, Outcome, Sender
from ftw_observe.notify.policy import RoutingPolicy

log = logging.getLogger("ftw_observe.notify")
MAX_BACKOFF_SECONDS = 300.0


def backoff(attempts: int) -> float:
    """Return seconds before the next try: 5, 10, 20, … capped at five minutes."""
    return min(5.0 * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


@dataclass
class DispatchReport:
    """What one pass routed and delivered."""

    routed: int = 0
    delivered: int = 0
    retried: int = 0
    rejected: int = 0
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # key, receiver, outcome


def _about(incident: Incident, kind: NotificationKind, now: datetime, source: str) -> Notification:
    """Return a notification the router makes itself about an incident, as of `now`."""
    labels, annotations = incident.labels, incident.annotations
    return Notification(incident.dedup_key, kind, now, labels, annotations, source)


class Dispatcher:
    """Route and deliver every due notification once per call.

    Usage::

        dispatcher = Dispatcher(Store(engine).notifications, lambda: policy, senders)
        dispatcher.run_once()
    """

    def __init__(
        self,
        store: DispatchStore,
        policy: Callable[[], RoutingPolicy],
        senders: Mapping[str, Sender],
        *,
        metrics: DispatchMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        claim_timeout: timedelta = timedelta(minutes=2),
        batch: int = 200,
        workers: int = 8,
        announce_lookback: timedelta = announce.LOOKBACK,
    ) -> None:
        self.store = store
        self.policy = policy
        self.senders = dict(senders)
        self.metrics = metrics
        self.clock = clock
        self.claim_timeout = claim_timeout
        self.batch = batch
        self.workers = workers
        self.endings = announce.Endings(store, announce_lookback)

    def run_once(self) -> DispatchReport:
        """Release stuck claims, announce ended silences, route, re-check muted ones, deliver."""
        now = self.clock()
        self.store.release_stuck(now - self.claim_timeout)
        report = DispatchReport()
        self.endings.queue(now)
        self._route(now, report)
        self._unmute(now, report)
        self._remind(now, report)
        self._deliver(now, report)
        return report

    # Stage one: routing.

    def _route(self, now: datetime, report: DispatchReport) -> None:
        while items := self.store.claim(now, self.batch, routed=False):
            self._route_batch(items, now, report)

    def _route_batch(self, items: list[OutboxItem], now: datetime, report: DispatchReport) -> None:
        policy = self.policy()
        silences = self.store.silences(now=now)
        firing = [incident.labels for incident in self.store.firing()]
        for item in items:
            if item.notification.kind is NotificationKind.ANNOUNCE:
                deliveries, outcome = announce.route(item.notification, policy)
                self.store.settle_routing(item, None, deliveries, at=now, outcome=outcome)
                report.routed += 1
                continue
            incident = self.store.incident(item.notification.dedup_key)
            if item.notification.kind is NotificationKind.TRIGGER:
                deliveries, outcome = self._trigger(item, incident, policy, firing, silences, now)
                if incident.firing and incident.labels not in firing:
                    firing.append(incident.labels)
            else:
                deliveries, outcome = self._resolve(item, incident, now)
            self.store.settle_routing(item, incident, deliveries, at=now, outcome=outcome)
            report.routed += 1

    def _trigger(
        self,
        item: OutboxItem,
        incident: Incident,
        policy: RoutingPolicy,
        firing: list[dict[str, str]],
        silences: Any,
        now: datetime,
    ) -> tuple[list[tuple[str, Notification]], dict[str, Any]]:
        notification = item.notification
        incident.sources[notification.source] = "firing"
        incident.labels, incident.annotations = (
            dict(notification.labels),
            dict(notification.annotations),
        )
        if incident.state == "open":
            # Another source (or a repeat) for an alert already paged: never a second page.
            return [], {"merged_into": incident.dedup_key, "receivers": incident.receivers}
        others = [labels for labels in firing if labels != notification.labels]
        decision = decide(notification, policy=policy, firing=others, silences=silences, now=now)
        if decision.muted_by or not decision.receivers:
            incident.state = "muted"
            incident.muted_by = decision.muted_by or "no route reaches any receiver"
            return [], {"muted_by": incident.muted_by}
        incident.state, incident.muted_by = "open", None
        incident.receivers = list(decision.receivers)
        incident.opened_at, incident.closed_at, incident.notified_at = now, None, now
        return [(name, notification) for name in decision.receivers], {
            "receivers": incident.receivers
        }

    def _resolve(
        self, item: OutboxItem, incident: Incident, now: datetime
    ) -> tuple[list[tuple[str, Notification]], dict[str, Any]]:
        notification = item.notification
        incident.sources[notification.source] = "resolved"
        if incident.firing:
            still = sorted(s for s, state in incident.sources.items() if state == "firing")
            return [], {"waiting_for": still}
        if incident.state != "open":
            incident.state, incident.closed_at = "closed", now
            return [], {"not_paged": True}
        # Whoever got the trigger gets the resolve, even if a silence now matches the alert.
        receivers = list(incident.receivers)
        incident.state, incident.closed_at = "closed", now
        resolve = replace(notification, labels=incident.labels or notification.labels)
        return [(name, resolve) for name in receivers], {"receivers": receivers}

    def _unmute(self, now: datetime, report: DispatchReport) -> None:
        muted = [i for i in self.store.firing() if i.state == "muted"]
        if not muted:
            return
        policy = self.policy()
        silences = self.store.silences(now=now)
        firing = [incident.labels for incident in self.store.firing()]
        for incident in muted:
            source = next(iter(incident.sources), "engine")
            notification = _about(incident, NotificationKind.TRIGGER, now, source)
            others = [labels for labels in firing if labels != incident.labels]
            decision = decide(
                notification, policy=policy, firing=others, silences=silences, now=now
            )
            if decision.muted_by or not decision.receivers:
                continue
            incident.state, incident.muted_by = "open", None
            incident.receivers, incident.opened_at = list(decision.receivers), now
            self._queue(incident, notification, now, report)

    def _remind(self, now: datetime, report: DispatchReport) -> None:
        """Queue a reminder for alerts still firing after their route's repeat interval."""
        incidents = [i for i in self.store.open_incidents() if i.firing]
        if not incidents:
            return
        policy = self.policy()
        for incident in incidents:
            seconds = routing(incident.labels, policy).repeat_seconds
            last = incident.notified_at or incident.opened_at
            if not seconds or last is None or (now - last).total_seconds() < seconds:
                continue
            reminder = _about(incident, NotificationKind.REMIND, now, "reminder")
            self._queue(incident, reminder, now, report)

    def _queue(
        self, incident: Incident, notification: Notification, now: datetime, report: DispatchReport
    ) -> None:
        """Queue a notification the router made itself for the incident's receivers."""
        incident.notified_at = now
        placeholder = OutboxItem(id=-1, notification=notification, attempts=0)
        deliveries = [(name, notification) for name in incident.receivers]
        self.store.settle_routing(placeholder, incident, deliveries, at=now, outcome={})
        report.routed += 1

    # Stage two: delivery.

    def _deliver(self, now: datetime, report: DispatchReport) -> None:
        # Sends run in parallel: rows of one alert and receiver are never claimed together,
        # so order per alert holds. Claim again until nothing is due, to drain bursts.
        while items := self.store.claim(now, self.batch, routed=True):
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                results = list(pool.map(lambda item: self._send(item, item.receiver or ""), items))
            settlements = [
                self._settle(item, item.receiver or "", result, now, report)
                for item, result in zip(items, results, strict=True)
            ]
            self.store.settle_deliveries(settlements)
            now = self.clock()

    def _send(self, item: OutboxItem, receiver: str) -> DeliveryResult:
        sender = self.senders.get(receiver)
        if sender is None:
            return DeliveryResult(
                Outcome.REJECTED, f"receiver {receiver!r} is not defined in the routing policy"
            )
        notification = item.notification
        previous = None
        if notification.kind in (NotificationKind.RESOLVE, NotificationKind.REMIND):
            previous = self.store.last_delivery(notification.dedup_key, receiver=receiver)
        try:
            return sender.send(notification, previous=previous, attempt=item.attempts)
        except Exception as error:  # a receiver bug must not stop every other delivery
            log.exception("receiver %s failed on %s", receiver, notification.dedup_key)
            return DeliveryResult(Outcome.RETRY, f"{type(error).__name__} in receiver {receiver}")

    def _settle(
        self,
        item: OutboxItem,
        receiver: str,
        result: DeliveryResult,
        now: datetime,
        report: DispatchReport,
    ) -> Settlement:
        key = item.notification.dedup_key
        report.outcomes.append((key, receiver, result.outcome.value))
        if self.metrics:
            self.metrics.notifications.labels(receiver, result.outcome.value).inc()
        if result.outcome is Outcome.DELIVERED:
            report.delivered += 1
            if self.metrics:
                latency = (self.clock() - item.notification.created_at).total_seconds()
                self.metrics.latency.labels(receiver).observe(max(latency, 0.0))
            delivery = result.delivery or {"delivered": True}
            return Settlement(item.id, OutboxState.SENT, now, delivery=delivery)
        if result.outcome is Outcome.RETRY:
            # A receiver's own Retry-After wins; without one, back off exponentially.
            wait = backoff(item.attempts) if result.retry_after is None else result.retry_after
            report.retried += 1
            log.warning(
                "notification %s to %s: %s; retry in %.0f s", key, receiver, result.detail, wait
            )
            return Settlement(
                item.id,
                OutboxState.PENDING,
                now,
                error=result.detail,
                next_attempt_at=now + timedelta(seconds=wait),
            )
        report.rejected += 1
        log.error("notification %s to %s rejected: %s", key, receiver, result.detail)
        return Settlement(item.id, OutboxState.REJECTED, now, error=result.detail)
