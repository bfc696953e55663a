"""The in-process HTTP recorder exports exactly what prometheus-client's metrics would."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from marketplace.metrics.http import CollectedHttpMetrics, SharedHttpMetrics

OBSERVATIONS = [
    ("GET", "/api/jobs", 200, 0.004),
    ("GET", "/api/jobs", 200, 0.1),  # exactly on a bound: counted in le="0.1"
    ("GET", "/api/jobs", 500, 0.2),
    ("POST", "/api/jobs", 201, 0.8),
    ("GET", "/api/jobs/{job_id}", 404, 12.0),  # beyond the last bound: only +Inf
]


def _samples(
    recorder: CollectedHttpMetrics | SharedHttpMetrics, registry: CollectorRegistry
) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
    for method, route, status, seconds in OBSERVATIONS:
        recorder.started(method)
        recorder.finished(method, route, status, seconds)
    recorder.started("GET")  # one still in progress
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items())), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_collected_metrics_equal_prometheus_client_metrics() -> None:
    collected_registry, shared_registry = CollectorRegistry(), CollectorRegistry()
    collected = CollectedHttpMetrics()
    collected_registry.register(collected)
    shared = SharedHttpMetrics(registry=shared_registry)
    assert _samples(collected, collected_registry) == _samples(shared, shared_registry)


def test_a_duration_on_a_bucket_bound_counts_in_that_bucket() -> None:
    registry = CollectorRegistry()
    recorder = CollectedHttpMetrics()
    registry.register(recorder)
    recorder.started("GET")
    recorder.finished("GET", "/x", 200, 0.25)
    labels = {"method": "GET", "route": "/x"}
    assert (
        registry.get_sample_value("http_request_duration_seconds_bucket", {**labels, "le": "0.15"})
        == 0
    )
    assert (
        registry.get_sample_value("http_request_duration_seconds_bucket", {**labels, "le": "0.25"})
        == 1
    )
    assert registry.get_sample_value("http_request_duration_seconds_count", labels) == 1


def test_concurrent_recording_loses_no_request() -> None:
    registry = CollectorRegistry()
    recorder = CollectedHttpMetrics()
    registry.register(recorder)

    def hammer() -> None:
        for _ in range(20_000):
            recorder.started("GET")
            recorder.finished("GET", "/x", 200, 0.01)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    labels = {"method": "GET", "route": "/x", "status": "200"}
    assert registry.get_sample_value("http_requests_total", labels) == 80_000
    assert registry.get_sample_value("http_requests_in_progress", {"method": "GET"}) == 0
