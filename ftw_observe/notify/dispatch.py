"""Route alert notifications to receivers and deliver them, from the durable outbox.

Stage one (`ftw_observe.notify.router`) takes alert-level notifications (from the engine or
Alertmanager's webhook), gathers them into incidents (one per outage: every page tier of an
SLO instance shares one), applies silences and inhibition, and queues one row per receiver.
Stage two delivers those rows, retrying with backoff until delivered or rejected. Everything
is in the database between stages, so a crash or restart loses nothing. Announcements (a
silence set or ended) take the same two stages without an incident: they go to the Slack
receivers of the ticket route, once each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ftw_observe.model import NotificationKind, OutboxItem, OutboxState, Settlement
from ftw_observe.notify import announce
from ftw_observe.notify.metrics import DispatchMetrics
from ftw_observe.notify.model import DeliveryResult, DispatchStore, Outcome, Sender
from ftw_observe.notify.policy import RoutingPolicy
from ftw_observe.notify.recovery import Recovery
from ftw_observe.notify.rounds import Rounds
from ftw_observe.notify.router import Router

log = logging.getLogger("ftw_observe.notify")
MAX_BACKOFF_SECONDS = 300.0
# Receivers told of an earlier delivery of the same incident: its Slack thread, for one.
FOLLOW_UPS = (
    NotificationKind.RESOLVE,
    NotificationKind.REMIND,
    NotificationKind.SUPERSEDE,
    NotificationKind.JOIN,
)


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


class Dispatcher:
    """Route and deliver every due notification once per call.

    `recovery` resolves an outage once its fastest tier's window stays clean for a hold,
    before slower tiers stop firing (None: incidents wait for every tier).

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
        recovery: Recovery | None = None,
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
        self.router = Router(store, policy, batch=batch)
        self.rounds = Rounds(self.router, rule=recovery)

    def run_once(self) -> DispatchReport:
        """Release stuck claims, announce ended silences, route, move incidents on, deliver."""
        now = self.clock()
        self.store.release_stuck(now - self.claim_timeout)
        report = DispatchReport()
        self.endings.queue(now)
        report.routed += self.router.route(now)
        report.routed += self.rounds.run(now)
        self._deliver(now, report)
        return report

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
        if notification.kind in FOLLOW_UPS:
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
        kind = item.notification.kind.value
        fields = {"event": "delivery", "dedup_key": key, "receiver": receiver, "kind": kind}
        if result.outcome is Outcome.DELIVERED:
            report.delivered += 1
            if not (result.delivery or {}).get("unconfigured"):  # that receiver said it already
                log.info(
                    "notification %s %s delivered to %s",
                    kind,
                    key,
                    receiver,
                    extra={**fields, "outcome": "delivered"},
                )
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
                "notification %s to %s: %s; retry in %.0f s",
                key,
                receiver,
                result.detail,
                wait,
                extra={**fields, "outcome": "retry"},
            )
            return Settlement(
                item.id,
                OutboxState.PENDING,
                now,
                error=result.detail,
                next_attempt_at=now + timedelta(seconds=wait),
            )
        report.rejected += 1
        log.error(
            "notification %s to %s rejected: %s",
            key,
            receiver,
            result.detail,
            extra={**fields, "outcome": "rejected"},
        )
        return Settlement(item.id, OutboxState.REJECTED, now, error=result.detail)
