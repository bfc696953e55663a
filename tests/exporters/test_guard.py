"""Each source is read under a deadline, reported up or down, and never served stale."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.guard import GuardedCollector


class FakeSource:
    """A source whose answer the test decides: a value, an error, or a hang."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.value = 1.0
        self.error: Exception | None = None
        self.release = threading.Event()
        self.release.set()
        self.reads = 0

    def read(self) -> Sequence[Metric]:
        self.reads += 1
        self.release.wait(timeout=30)
        if self.error is not None:
            raise self.error
        return [GaugeMetricFamily(f"fake_{self.name}_value", "A value.", value=self.value)]

    def close(self) -> None:
        self.release.set()


@pytest.fixture
def sources() -> Iterator[tuple[FakeSource, FakeSource, CollectorRegistry]]:
    steady, flaky = FakeSource("steady"), FakeSource("flaky")
    collector = GuardedCollector([steady, flaky], timeout=0.5, clock=lambda: 1_700_000_000.0)
    registry = CollectorRegistry()
    registry.register(collector)
    yield steady, flaky, registry
    flaky.close()
    collector.close()


Scrape = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(registry: CollectorRegistry) -> Scrape:
    """Collect once and index every sample by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in registry.collect()
        for sample in family.samples
    }


def _up(scrape: Scrape, name: str) -> float | None:
    return scrape.get(("ftw_exporter_source_up", frozenset({("source", name)})))


def _errors(scrape: Scrape, name: str, reason: str) -> float | None:
    key = frozenset({("source", name), ("reason", reason)})
    return scrape.get(("ftw_exporter_source_errors_total", key))


def _value(scrape: Scrape, name: str) -> float | None:
    return scrape.get((f"fake_{name}_value", frozenset()))


def test_sources_that_answer_are_up_with_their_values(sources) -> None:
    _, _, registry = sources
    scrape = _scrape(registry)
    assert _value(scrape, "flaky") == 1.0
    assert _up(scrape, "flaky") == 1.0
    last = ("ftw_exporter_source_last_success_timestamp_seconds", frozenset({("source", "flaky")}))
    assert scrape[last] == 1_700_000_000.0


def test_a_failing_source_is_down_and_its_values_are_left_out(sources) -> None:
    _, flaky, registry = sources
    flaky.error = ConnectionError("connection refused")
    scrape = _scrape(registry)
    assert _value(scrape, "flaky") is None
    assert _up(scrape, "flaky") == 0.0
    assert _errors(scrape, "flaky", "error") == 1
    assert _value(scrape, "steady") == 1.0
    assert _up(scrape, "steady") == 1.0


def test_a_failed_source_recovers_on_its_own(sources) -> None:
    _, flaky, registry = sources
    flaky.error = ConnectionError("connection refused")
    _scrape(registry)
    flaky.error = None
    flaky.value = 7.0
    scrape = _scrape(registry)
    assert _value(scrape, "flaky") == 7.0
    assert _up(scrape, "flaky") == 1.0


def test_a_slow_source_cannot_hold_the_scrape(sources) -> None:
    _, flaky, registry = sources
    flaky.release.clear()
    scrape = _scrape(registry)  # returns at the deadline despite the hang
    assert _value(scrape, "steady") == 1.0
    assert _value(scrape, "flaky") is None
    assert _up(scrape, "flaky") == 0.0
    assert _errors(scrape, "flaky", "timeout") == 1


def test_a_hung_read_is_not_started_again_until_it_ends(sources) -> None:
    _, flaky, registry = sources
    flaky.release.clear()
    for _ in range(3):
        _scrape(registry)
    assert flaky.reads == 1
    flaky.release.set()
    assert _value(_scrape(registry), "flaky") == 1.0
