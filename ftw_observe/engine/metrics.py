"""The engine's own health as Prometheus metrics."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ftw_observe.engine.chain_metrics import ChainGauges


@dataclass(frozen=True)
class EngineMetrics:
    """Cycles, leadership, heartbeats and what the alerting chain owes, in one registry.

    >>> metrics = EngineMetrics.create()
    >>> metrics.leader.set(1)
    """

    registry: CollectorRegistry
    cycle_duration: Histogram
    cycles: Counter
    last_success: Gauge
    leader: Gauge
    transitions: Counter
    cycle_interval: Gauge
    last_cycle: Gauge
    heartbeats: Counter
    chain: ChainGauges

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> EngineMetrics:
        """Register the engine's metrics in a registry (a new one by default)."""
        registry = registry or CollectorRegistry()
        heartbeats = Counter(
            "ftw_observe_heartbeats",
            "Pings of FTW_HEARTBEAT_URL by outcome: sent or failed.",
            ["outcome"],
            registry=registry,
        )
        for outcome in ("sent", "failed"):
            heartbeats.labels(outcome)
        chain = ChainGauges()
        registry.register(chain)
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
            cycle_interval=Gauge(
                "ftw_observe_cycle_interval_seconds",
                "The configured time between evaluation cycles.",
                registry=registry,
            ),
            last_cycle=Gauge(
                "ftw_observe_last_cycle_timestamp_seconds",
                "Unix time the last evaluation cycle finished, whatever its outcome.",
                registry=registry,
            ),
            heartbeats=heartbeats,
            chain=chain,
        )
