"""The watchdog's last arrival, shared by every replica, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ftw_observe.store.repository import Store

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_no_arrival_is_none(store: Store) -> None:
    assert store.watchdog_received_at() is None


def test_a_later_arrival_replaces_the_kept_one(store: Store) -> None:
    store.record_watchdog(AT)
    store.record_watchdog(AT + timedelta(minutes=1))
    assert store.watchdog_received_at() == AT + timedelta(minutes=1)


def test_an_earlier_arrival_written_last_keeps_the_latest(store: Store) -> None:
    store.record_watchdog(AT + timedelta(minutes=1))
    store.record_watchdog(AT)
    assert store.watchdog_received_at() == AT + timedelta(minutes=1)
