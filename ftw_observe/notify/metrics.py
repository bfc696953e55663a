"""Delivery metrics: outcomes per receiver and time from transition to delivery."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True)
class DispatchMetrics:
    """Counters and a latency histogram of notification delivery.

    >>> DispatchMetrics.create(CollectorRegistry()).notifications.labels("slack", "delivered").inc()
    """

    notifications: Counter
    latency: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DispatchMetrics:
        """Register the delivery metrics in a registry."""
        return cls(
            notifications=Counter(
                "ftw_observe_notifications",
                "Delivery attempts by receiver and outcome: delivered, retry or rejected.",
                ["receiver", "outcome"],
                registry=registry,
            ),
            latency=Histogram(
                "ftw_observe_notification_latency_seconds",
                "Time from an alert transition to its delivery, per receiver.",
                ["receiver"],
                buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
                registry=registry,
            ),
        )
