"""The outbox hands each due notification to one claimer, in its alert's order, and settles it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from ftw_observe.model import (
    Incident,
    Member,
    NotificationKind,
    OutboxItem,
    OutboxState,
    Settlement,
)
from ftw_observe.store import Store, make_store_engine
from ftw_observe.store.tables import OutboxRow
from tests.ftw_observe.store.data import T0, notification
from tests.support.seed import save, settle

SECOND = timedelta(seconds=1)
KEY = "ftw/marketplace/api-availability//page"
RESOLVE = NotificationKind.RESOLVE


def test_a_notification_is_routed_then_delivered_after_a_retry(store: Store) -> None:
    notes = store.notifications
    written = notification(KEY)
    save(store, notifications=[written])

    assert store.outbox_depth() == 1
    assert notes.claim(T0 - SECOND, 10, routed=False) == []  # due at its creation, not before
    assert notes.claim(T0, 10, routed=True) == []  # not routed yet: nothing to deliver
    [routing] = notes.claim(T0, 10, routed=False)
    assert (routing.notification, routing.attempts, routing.receiver) == (written, 1, None)
    assert notes.claim(T0, 10, routed=False) == []  # being routed: nobody else gets it
    paged = Incident(
        KEY, state="open", members={KEY: Member({"engine": "firing"})}, receivers=["slack"]
    )
    notes.settle_routing(routing, [paged], [("slack", written)], at=T0, outcome={"to": ["slack"]})
    assert notes.incident(KEY) == paged
    assert store.outbox_depth() == 1  # the row for slack

    [first] = notes.claim(T0, 10, routed=True)
    assert (first.notification, first.attempts, first.receiver) == (written, 1, "slack")
    assert notes.claim(T0, 10, routed=True) == []  # being sent: nobody else gets it
    settle(
        store, first.id, OutboxState.PENDING, T0, error="HTTP 503", next_attempt_at=T0 + 60 * SECOND
    )
    assert notes.claim(T0 + 59 * SECOND, 10, routed=True) == []
    [second] = notes.claim(T0 + 60 * SECOND, 10, routed=True)
    assert (second.id, second.attempts, second.last_error) == (first.id, 2, "HTTP 503")

    settle(store, second.id, OutboxState.SENT, T0 + 61 * SECOND, delivery={"ts": "17.000"})
    assert store.outbox_depth() == 0
    assert notes.claim(T0 + 3600 * SECOND, 10, routed=True) == []
    assert notes.last_delivery(KEY, receiver="slack") == {"ts": "17.000"}
    assert notes.last_delivery(KEY) == {"to": ["slack"]}  # the routed row keeps its outcome
    assert notes.last_delivery(KEY, receiver="pagerduty") is None
    assert notes.last_delivery("ftw/unknown", receiver="slack") is None


@pytest.mark.parametrize("receiver", [None, "slack"])
def test_claims_come_oldest_first_up_to_the_limit(store: Store, receiver: str | None) -> None:
    offsets = [3, 0, 4, 1, 2]
    store.enqueue([notification(f"key-{i}", T0 + i * SECOND) for i in offsets], receiver=receiver)

    claimed = store.notifications.claim(T0 + 10 * SECOND, 3, routed=receiver is not None)

    assert [item.notification.dedup_key for item in claimed] == ["key-0", "key-1", "key-2"]
    assert store.outbox_depth() == 5


def test_enqueue_keeps_the_source_kind_and_receiver(store: Store) -> None:
    resolve = notification("am/abc", kind=RESOLVE, source="alertmanager", labels={}, annotations={})
    store.enqueue([resolve], receiver="pagerduty")

    [item] = store.notifications.claim(T0, 10, routed=True)

    assert (item.notification, item.receiver, item.delivery) == (resolve, "pagerduty", None)


def test_a_resolve_waits_behind_its_trigger_even_one_waiting_for_a_retry(store: Store) -> None:
    notes = store.notifications
    store.enqueue(
        [notification(KEY), notification(KEY, T0 + SECOND, kind=RESOLVE), notification("b")],
        receiver="pagerduty",
    )
    store.enqueue([notification(KEY, T0 + 2 * SECOND, kind=RESOLVE)], receiver="slack")

    def claim(seconds: int) -> list[tuple[str, str, str | None]]:
        items = notes.claim(T0 + seconds * SECOND, 10, routed=True)
        return [(i.notification.dedup_key, i.notification.kind, i.receiver) for i in items]

    [trigger, *others] = notes.claim(T0 + 10 * SECOND, 10, routed=True)
    # Slack never had the trigger queued, so its resolve waits for nothing; PagerDuty's does.
    assert [(i.notification.dedup_key, i.notification.kind, i.receiver) for i in others] == [
        ("b", "trigger", "pagerduty"),
        (KEY, "resolve", "slack"),
    ]
    assert (trigger.notification.kind, trigger.receiver) == ("trigger", "pagerduty")
    retry_at = T0 + 60 * SECOND
    settle(store, trigger.id, OutboxState.PENDING, T0, error="503", next_attempt_at=retry_at)
    assert claim(30) == []  # the trigger waits for its retry, and its resolve behind it
    assert claim(60) == [(KEY, "trigger", "pagerduty")]
    assert claim(61) == []  # the trigger is being sent again
    settle(store, trigger.id, OutboxState.SENT, T0 + 61 * SECOND)
    assert claim(62) == [(KEY, "resolve", "pagerduty")]


def test_routing_takes_an_alert_in_order_but_not_beside_another_claimer(store: Store) -> None:
    notes = store.notifications
    save(
        store,
        notifications=[
            notification(KEY),
            notification("b", T0 + SECOND),
            notification(KEY, T0 + 2 * SECOND, kind=RESOLVE),
            notification("b", T0 + 3 * SECOND, kind=RESOLVE),
        ],
    )

    def claim(limit: int) -> list[OutboxItem]:
        return notes.claim(T0 + 10 * SECOND, limit, routed=False)

    [trigger] = claim(1)
    # One batch may hold an alert's trigger and resolve, in order; a resolve whose trigger
    # another claimer is routing waits for it.
    assert [(i.notification.dedup_key, i.notification.kind) for i in claim(10)] == [
        ("b", "trigger"),
        ("b", "resolve"),
    ]
    notes.settle_routing(trigger, [Incident(KEY)], [], at=T0 + 10 * SECOND, outcome={})
    [resolve] = claim(10)
    assert (resolve.notification.dedup_key, resolve.notification.kind) == (KEY, RESOLVE)


def test_rejections_are_listed_newest_first_and_errors_are_bounded(store: Store) -> None:
    notes = store.notifications
    store.enqueue([notification("a"), notification("b"), notification("c")], receiver="slack")
    first, second, third = notes.claim(T0, 10, routed=True)

    notes.settle_deliveries(
        [
            Settlement(first.id, OutboxState.REJECTED, T0 + SECOND, error="invalid routing key"),
            Settlement(second.id, OutboxState.REJECTED, T0 + 2 * SECOND, error="x" * 5000),
            Settlement(third.id, OutboxState.PENDING, T0, error="y" * 5000, next_attempt_at=T0),
        ]
    )

    rejected = store.rejected(10)
    assert [item.id for item in rejected] == [second.id, first.id]
    assert rejected[1].last_error == "invalid routing key"
    assert rejected[1].rejected_at == T0 + SECOND
    assert rejected[0].last_error == "x" * 2000  # errors are bounded
    assert [item.id for item in store.rejected(1)] == [second.id]
    assert store.outbox_depth() == 1  # only the third, waiting for its retry
    [retried] = notes.claim(T0, 10, routed=True)
    assert (retried.id, retried.last_error) == (third.id, "y" * 2000)


def test_release_stuck_returns_old_claims_to_pending(store: Store) -> None:
    notes = store.notifications
    store.enqueue([notification("a"), notification("b", T0 + 5 * SECOND)], receiver="slack")
    [stuck] = notes.claim(T0, 10, routed=True)
    [recent] = notes.claim(T0 + 10 * SECOND, 10, routed=True)

    assert notes.release_stuck(T0) == 0  # claimed at T0, not before
    assert notes.release_stuck(T0 + SECOND) == 1

    [again] = notes.claim(T0 + 11 * SECOND, 10, routed=True)
    assert (again.id, again.attempts) == (stuck.id, 2)
    assert recent.id != stuck.id
    assert store.outbox_depth() == 2


def test_settling_an_unknown_row_fails_and_records_nothing(store: Store) -> None:
    notes = store.notifications
    store.enqueue([notification("a")], receiver="slack")
    [item] = notes.claim(T0, 10, routed=True)

    with pytest.raises(KeyError):
        notes.settle_deliveries(
            [Settlement(item.id, OutboxState.SENT, T0), Settlement(12345, OutboxState.SENT, T0)]
        )
    for state in (OutboxState.PENDING, OutboxState.REJECTED):
        with pytest.raises(KeyError):
            settle(store, 12345, state, T0, error="boom", next_attempt_at=T0)
    unknown = OutboxItem(12345, notification("b"), attempts=1)
    with pytest.raises(KeyError):
        notes.settle_routing(
            unknown,
            [Incident("b", state="open")],
            [("slack", unknown.notification)],
            at=T0,
            outcome={},
        )

    assert notes.incident("b") == Incident("b")  # never saved
    assert notes.claim(T0, 10, routed=True) == []  # "a" is still being sent, "b" never queued
    assert store.outbox_depth() == 1


@pytest.mark.parametrize("routed", [False, True])
def test_concurrent_claimers_never_share_a_row(store: Store, routed: bool) -> None:
    receiver = "slack" if routed else None
    store.enqueue([notification(f"key-{index}") for index in range(300)], receiver=receiver)
    start = threading.Barrier(6)

    def drain() -> list[int]:
        start.wait(timeout=10)
        taken: list[int] = []
        while batch := store.notifications.claim(T0, 7, routed=routed):
            taken.extend(item.id for item in batch)
        return taken

    with ThreadPoolExecutor(6) as pool:
        results = [future.result(timeout=120) for future in [pool.submit(drain) for _ in range(6)]]

    claimed = [item_id for result in results for item_id in result]
    assert len(claimed) == len(set(claimed)) == 300


@pytest.mark.parametrize("routed", [False, True])
def test_a_claimer_skips_rows_another_transaction_holds(
    pg_store_url: str, store_engines: Callable[[str], Engine], routed: bool
) -> None:
    engine = store_engines(pg_store_url)
    receiver = "slack" if routed else None
    Store(engine).enqueue([notification(f"key-{i}") for i in range(5)], receiver=receiver)
    # A claimer that waited for the held rows would fail here rather than hang.
    impatient = make_store_engine(pg_store_url, connect_args={"options": "-c lock_timeout=5s"})
    hold = select(OutboxRow.id).where(OutboxRow.dedup_key.in_(["key-0", "key-1", "key-2"]))
    try:
        with engine.connect() as other, other.begin():
            held = other.execute(hold.with_for_update()).all()
            skipped = Store(impatient).notifications.claim(T0, 3, routed=routed)
    finally:
        impatient.dispose()

    assert len(held) == 3
    assert [item.notification.dedup_key for item in skipped] == ["key-3", "key-4"]
