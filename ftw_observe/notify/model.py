"""Contracts between the router, the receivers and the delivery loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ftw_observe.model import Notification


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
