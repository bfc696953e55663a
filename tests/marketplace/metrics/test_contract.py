"""The marketplace exports the metrics of the contract the SLO specs rely on."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from marketplace.metrics.http import CollectedHttpMetrics
from tests.support.contract import contract_differences


def test_http_metrics_match_the_contract() -> None:
    registry = CollectorRegistry()
    recorder = CollectedHttpMetrics()
    registry.register(recorder)
    recorder.started("GET")
    recorder.finished("GET", "/api/jobs", 200, 0.2)

    assert contract_differences(generate_latest(registry).decode(), "marketplace") == {}


def test_a_moved_bucket_is_a_difference() -> None:
    registry = CollectorRegistry()
    recorder = CollectedHttpMetrics(buckets=(0.1, 0.2, 0.5))
    registry.register(recorder)
    recorder.started("GET")
    recorder.finished("GET", "/api/jobs", 200, 0.2)

    differences = contract_differences(generate_latest(registry).decode(), "marketplace")
    assert list(differences) == ["http_request_duration_seconds"]
