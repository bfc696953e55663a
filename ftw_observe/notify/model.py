"""Contracts between the router, the receivers, the delivery loop and the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from ftw_observe.matching.silences import Silence
from ftw_observe.model import Evaluation, Incident, Notification, OutboxItem, Settlement


class Outcome(StrEnum):
    """What became of one delivery attempt."""

    DELIVERED = "delivered"
    RETRY = "retry"  # a transient failure: try again later
    REJECTED = "rejected"  # a permanent failure: never retried, surfaced to people


@dataclass(frozen=True)
class DeliveryResult:
    """The result of sending one notification to one receiver.

    >>> DeliveryResult(Outcome.RETRY, detail="HTTP 429", retry_after=30.0).outcome
    <Outcome.RETRY: 'retry'>
    """

    outcome: Outcome
    detail: str = ""
    retry_after: float | None = None  # seconds the receiver asked us to wait
    # Receiver data to keep for later notifications of the same alert (Slack channel and ts).
    delivery: dict[str, Any] | None = None


class Sender(Protocol):
    """A receiver that can deliver notifications (PagerDuty, Slack, or a log line)."""

    name: str

    def send(
        self, notification: Notification, *, previous: dict[str, Any] | None, attempt: int = 1
    ) -> DeliveryResult:
        """Deliver one notification; `previous` is what the trigger's delivery returned.

        `attempt` counts tries of this notification (1 the first time): a receiver that cannot
        make a resend harmless looks for its earlier delivery when it is above 1.
        """
        ...


@dataclass(frozen=True)
class RouteDecision:
    """Where one notification goes, and why it may not go anywhere."""

    receivers: tuple[str, ...]
    muted_by: str | None = None  # "silence <id>" or "inhibited by <alert>" when muted
    details: dict[str, str] = field(default_factory=dict)


class DispatchStore(Protocol):
    """What the router and the delivery loop need of the store: claims, incidents, settlements.

    `ftw_observe.store.Store(engine).notifications` is the one the engine runs with. Claims
    are exclusive: no two claimers get the same row, and a row of an alert is not claimed
    while an older row of that alert (and receiver) is on its way.

    Usage::

        dispatcher = Dispatcher(store.notifications, lambda: policy, senders)
    """

    def release_stuck(self, older_than: datetime) -> int:
        """Put rows claimed before `older_than` and never settled back to pending."""
        ...

    def claim(self, now: datetime, limit: int, *, routed: bool) -> list[OutboxItem]:
        """Claim due rows to route (`routed=False`) or to deliver (`routed=True`), oldest first."""
        ...

    def incident(self, dedup_key: str) -> Incident:
        """Return the incident of a dedup key (closed and empty if never seen)."""
        ...

    def firing(self) -> list[Incident]:
        """Return every incident not closed: open (maybe about to resolve), muted or a tail."""
        ...

    def evaluations(
        self, service: str, slo: str, instance: str, *, since: datetime
    ) -> list[Evaluation]:
        """Return the engine's evaluations of one SLO instance since a time, oldest first."""
        ...

    def silences(self, *, now: datetime) -> list[Silence]:
        """Return the silences active or pending at `now`."""
        ...

    def ended_silences(self, *, since: datetime, until: datetime) -> list[Silence]:
        """Return the silences that stopped muting (expired or over) after `since`, by `until`."""
        ...

    def announcements(self, dedup_keys: Sequence[str]) -> list[Notification]:
        """Return the announcements with these dedup keys that entered the outbox."""
        ...

    def enqueue(self, notifications: Sequence[Notification]) -> None:
        """Add notifications to the outbox, to be routed."""
        ...

    def settle_routing(
        self,
        item: OutboxItem,
        incidents: Sequence[Incident],
        deliveries: Sequence[tuple[str, Notification]],
        *,
        at: datetime,
        outcome: dict[str, Any],
    ) -> None:
        """Save the incidents, queue per-receiver rows and settle the routed row, atomically."""
        ...

    def settle_deliveries(self, settlements: Sequence[Settlement]) -> None:
        """Record the outcome of delivery attempts."""
        ...

    def last_delivery(
        self, dedup_key: str, *, receiver: str | None = None
    ) -> dict[str, Any] | None:
        """Return the receiver data of the last delivered notification with this dedup key."""
        ...
