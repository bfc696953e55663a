"""Pure bookkeeping of business events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exporters.business.events import ActiveContractors, EventWindow

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_an_event_in_the_overlap_is_counted_once() -> None:
    window = EventWindow(since=T0, overlap=timedelta(seconds=30))
    at = T0 + timedelta(seconds=5)
    assert window.is_new("posted", 1, at)
    window.advance(at)
    window.settle()
    assert not window.is_new("posted", 1, at)


def test_events_before_the_window_were_counted_already() -> None:
    window = EventWindow(since=T0, overlap=timedelta(seconds=30))
    assert not window.is_new("posted", 1, T0 - timedelta(seconds=1))


def test_settling_forgets_only_events_below_the_new_window() -> None:
    window = EventWindow(since=T0, overlap=timedelta(seconds=30))
    window.is_new("posted", 1, T0 + timedelta(seconds=1))
    window.is_new("posted", 2, T0 + timedelta(seconds=50))
    window.advance(T0 + timedelta(seconds=60))
    window.settle()
    assert window.since == T0 + timedelta(seconds=30)
    assert set(window.seen) == {("posted", 2)}


def test_active_contractors_expire_after_the_window() -> None:
    active = ActiveContractors(timedelta(hours=24))
    active.saw(1, T0)
    active.saw(2, T0 + timedelta(hours=1))
    assert active.count(T0 + timedelta(hours=23)) == 2
    assert active.count(T0 + timedelta(hours=24, minutes=30)) == 1
    assert active.count(T0 + timedelta(hours=26)) == 0


def test_a_new_bid_keeps_a_contractor_active() -> None:
    active = ActiveContractors(timedelta(hours=24))
    active.saw(1, T0)
    active.saw(2, T0 + timedelta(hours=1))
    active.saw(1, T0 + timedelta(hours=2))
    assert active.count(T0 + timedelta(hours=25, minutes=30)) == 1


def test_a_late_older_bid_does_not_reorder_expiry_wrongly() -> None:
    active = ActiveContractors(timedelta(hours=24))
    active.saw(1, T0 + timedelta(hours=2))
    active.saw(2, T0)  # committed late, older than the newest seen
    assert active.count(T0 + timedelta(hours=25)) == 1
