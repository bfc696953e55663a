"""The chain's gauges: read at scrape time from what the leader noted, never from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from ftw_observe.engine.chain_metrics import ChainGauges
from ftw_observe.model import OutboxBacklog

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


class Now:
    def __init__(self) -> None:
        self.seconds = T0.timestamp()

    def __call__(self) -> float:
        return self.seconds


def scrape(registry: CollectorRegistry) -> dict[str, float]:
    found = {}
    for line in generate_latest(registry).decode().splitlines():
        if not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def gauges() -> tuple[ChainGauges, CollectorRegistry, Now]:
    now = Now()
    chain = ChainGauges(clock=now)
    registry = CollectorRegistry()
    registry.register(chain)
    return chain, registry, now


def test_nothing_noted_yet_reads_as_zero() -> None:
    _, registry, _ = gauges()

    assert scrape(registry) == {
        "ftw_observe_outbox_pending": 0,
        "ftw_observe_outbox_oldest_pending_age_seconds": 0,
        "ftw_observe_watchdog_last_received_timestamp_seconds": 0,
    }


def test_the_oldest_pending_age_grows_while_nothing_is_delivered() -> None:
    chain, registry, now = gauges()
    chain.note_backlog(OutboxBacklog(3, T0 - timedelta(seconds=30)))
    first = scrape(registry)["ftw_observe_outbox_oldest_pending_age_seconds"]
    now.seconds += 120  # the dispatcher hangs; no cycle notes anything new

    later = scrape(registry)

    assert first == 30
    assert later["ftw_observe_outbox_oldest_pending_age_seconds"] == 150
    assert later["ftw_observe_outbox_pending"] == 3


def test_a_standby_clears_its_backlog() -> None:
    chain, registry, _ = gauges()
    chain.note_backlog(OutboxBacklog(3, T0 - timedelta(seconds=30)))

    chain.clear_backlog()

    assert scrape(registry)["ftw_observe_outbox_pending"] == 0
    assert scrape(registry)["ftw_observe_outbox_oldest_pending_age_seconds"] == 0


def test_the_watchdog_gauge_keeps_the_latest_arrival_any_source_noted() -> None:
    chain, registry, _ = gauges()
    chain.note_watchdog(T0)
    chain.note_watchdog(T0 - timedelta(seconds=60))  # the store's older view, read later
    chain.note_watchdog(None)

    assert scrape(registry)["ftw_observe_watchdog_last_received_timestamp_seconds"] == (
        T0.timestamp()
    )
