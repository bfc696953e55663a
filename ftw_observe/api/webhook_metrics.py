"""The webhook's metrics: calls by outcome, alerts rejected by reason, watchdogs received.

Labels come from fixed sets, never from the request: a hostile body cannot mint series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter

from ftw_observe.notify.alertmanager import RejectReason


class CallOutcome(StrEnum):
    """How a webhook call ended."""

    ACCEPTED = "accepted"  # the body was read; its alerts were each accepted or rejected
    UNAUTHORIZED = "unauthorized"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"  # not JSON, or not Alertmanager's shape at the top level


@dataclass(frozen=True)
class WebhookMetrics:
    """Counters of Alertmanager's webhook, every series present from the start at 0.

    >>> metrics = WebhookMetrics.create(CollectorRegistry())
    >>> metrics.rejected.labels("invalid_status").inc()
    """

    calls: Counter
    rejected: Counter
    watchdogs: Counter
    # Tells this replica's `/metrics` at once when a watchdog arrived (the leader reads it
    # from the store every cycle as well).
    watchdog_seen: Callable[[datetime], None] = lambda _at: None

    @classmethod
    def create(
        cls,
        registry: CollectorRegistry,
        *,
        watchdog_seen: Callable[[datetime], None] | None = None,
    ) -> WebhookMetrics:
        """Register the webhook's metrics in a registry."""
        calls = Counter(
            "ftw_observe_webhook_requests",
            "Calls of Alertmanager's webhook by outcome: accepted, unauthorized, too_large "
            "or malformed.",
            ["outcome"],
            registry=registry,
        )
        rejected = Counter(
            "ftw_observe_webhook_alerts_rejected",
            "Alerts of a webhook call rejected on their own, by reason.",
            ["reason"],
            registry=registry,
        )
        watchdogs = Counter(
            "ftw_observe_webhook_watchdogs",
            "Watchdog alerts the webhook received: recorded as proof the chain works, "
            "never routed nor counted as accepted or rejected.",
            registry=registry,
        )
        for outcome in CallOutcome:
            calls.labels(outcome.value)
        for reason in RejectReason:
            rejected.labels(reason.value)
        if watchdog_seen is None:
            return cls(calls, rejected, watchdogs)
        return cls(calls, rejected, watchdogs, watchdog_seen)
