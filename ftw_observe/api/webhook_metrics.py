"""The webhook's metrics: calls by outcome and alerts rejected by reason.

Labels come from fixed sets, never from the request: a hostile body cannot mint series.
"""

from __future__ import annotations

from dataclasses import dataclass
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

    @classmethod
    def create(cls, registry: CollectorRegistry) -> WebhookMetrics:
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
        for outcome in CallOutcome:
            calls.labels(outcome.value)
        for reason in RejectReason:
            rejected.labels(reason.value)
        return cls(calls, rejected)
