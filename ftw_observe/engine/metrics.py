"""The engine's own health as Prometheus metrics."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class EngineMetrics:
    """Cycle duration, outcomes, last success and leadership, in one registry.

    >>> metrics = EngineMetrics.create()
    >>> metrics.leader.set(1)
    """

    registry: CollectorRegistry
    cycle_duration: Histogram
    cycles: Counter
    last_success: Gauge
    leader: Gauge
    transitions: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> EngineMetrics:
        """Register the engine's metrics in a registry (a new one by default)."""
        registry = registry or CollectorRegistry()
        return cls(
            registry=registry,
            cycle_duration=Histogram(
                "ftw_observe_cycle_duration_seconds",
                "Time to evaluate every SLO once and persist the result.",
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                registry=registry,
            ),
            cycles=Counter(
                "ftw_observe_cycles",
                "Evaluation cycles by outcome: success, prometheus_error or error.",
                ["outcome"],
                registry=registry,
            ),
            last_success=Gauge(
                "ftw_observe_last_success_timestamp_seconds",
                "Unix time of the last cycle that read Prometheus and saved its result.",
                registry=registry,
            ),
            leader=Gauge(
                "ftw_observe_leader",
                "1 while this replica holds the lease and evaluates, 0 on standby.",
                registry=registry,
            ),
            transitions=Counter(
                "ftw_observe_alert_transitions",
                "Alert transitions the engine made, by kind: firing or resolved.",
                ["kind"],
                registry=registry,
            ),
        )
