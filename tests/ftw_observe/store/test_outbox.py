"""The outbox hands each due notification to one claimer and keeps its delivery state."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from ftw_observe.model import NotificationKind
from ftw_observe.store import Store
from ftw_observe.store.outbox import claim_due
from tests.ftw_observe.store.data import T0, notification, save

SECOND = timedelta(seconds=1)


def test_a_notification_is_claimed_retried_and_sent(store: Store) -> None:
    written = notification("ftw/marketplace/api-availability//page")
    save(store, notifications=[written])

    assert store.outbox_depth() == 1
    assert store.claim_due(T0 - SECOND, 10) == []  # due at its creation, not before
    [first] = store.claim_due(T0, 10)
    assert (first.notification, first.attempts, first.receiver) == (written, 1, None)
    assert store.claim_due(T0, 10) == []  # being sent: nobody else gets it
    assert store.outbox_depth() == 1

    store.mark_retry(first.id, error="HTTP 503 from Slack", next_attempt_at=T0 + 60 * SECOND)
    assert store.claim_due(T0 + 59 * SECOND, 10) == []
    [second] = store.claim_due(T0 + 60 * SECOND, 10)
    assert (second.id, second.attempts, second.last_error) == (first.id, 2, "HTTP 503 from Slack")

    store.mark_sent(second.id, at=T0 + 61 * SECOND, delivery={"channel": "C1", "ts": "17.000"})
    assert store.outbox_depth() == 0
    assert store.claim_due(T0 + 3600 * SECOND, 10) == []
    assert store.last_delivery(written.dedup_key) == {"channel": "C1", "ts": "17.000"}
    assert store.last_delivery(written.dedup_key, receiver="slack") is None
    assert store.last_delivery("ftw/unknown") is None


def test_claims_come_oldest_first_up_to_the_limit(store: Store) -> None:
    offsets = [3, 0, 4, 1, 2]
    store.enqueue([notification(f"key-{offset}", T0 + offset * SECOND) for offset in offsets])

    claimed = store.claim_due(T0 + 10 * SECOND, 3)

    assert [item.notification.dedup_key for item in claimed] == ["key-0", "key-1", "key-2"]
    assert store.outbox_depth() == 5


def test_enqueue_keeps_the_source_kind_and_receiver(store: Store) -> None:
    resolve = notification(
        "am/abc", kind=NotificationKind.RESOLVE, source="alertmanager", labels={}, annotations={}
    )
    store.enqueue([resolve], receiver="pagerduty")

    [item] = store.claim_due(T0, 10)

    assert (item.notification, item.receiver, item.delivery) == (resolve, "pagerduty", None)


def test_rejected_notifications_are_listed_newest_first(store: Store) -> None:
    store.enqueue([notification("a"), notification("b"), notification("c")])
    first, second, third = store.claim_due(T0, 10)

    store.mark_rejected(first.id, error="invalid routing key", at=T0 + SECOND)
    store.mark_rejected(second.id, error="x" * 5000, at=T0 + 2 * SECOND)

    rejected = store.rejected(10)
    assert [item.id for item in rejected] == [second.id, first.id]
    assert rejected[1].last_error == "invalid routing key"
    assert rejected[1].rejected_at == T0 + SECOND
    assert rejected[0].last_error == "x" * 2000  # errors are bounded
    assert [item.id for item in store.rejected(1)] == [second.id]
    assert store.outbox_depth() == 1  # only the third, still being sent
    assert third.id not in {item.id for item in rejected}


def test_release_stuck_returns_old_claims_to_pending(store: Store) -> None:
    store.enqueue([notification("a"), notification("b", T0 + 5 * SECOND)])
    [stuck] = store.claim_due(T0, 10)
    [recent] = store.claim_due(T0 + 10 * SECOND, 10)

    assert store.release_stuck(T0) == 0  # claimed at T0, not before
    assert store.release_stuck(T0 + SECOND) == 1

    [again] = store.claim_due(T0 + 11 * SECOND, 10)
    assert (again.id, again.attempts) == (stuck.id, 2)
    assert recent.id != stuck.id
    assert store.outbox_depth() == 2


def test_marking_an_unknown_row_fails(store: Store) -> None:
    with pytest.raises(KeyError):
        store.mark_sent(12345, at=T0)
    with pytest.raises(KeyError):
        store.mark_retry(12345, error="boom", next_attempt_at=T0)
    with pytest.raises(KeyError):
        store.mark_rejected(12345, error="boom", at=T0)


def test_concurrent_claimers_never_share_a_row(store: Store) -> None:
    store.enqueue([notification(f"key-{index}", T0) for index in range(300)])
    start = threading.Barrier(6)

    def drain() -> list[int]:
        start.wait(timeout=10)
        taken: list[int] = []
        while batch := store.claim_due(T0, 7):
            taken.extend(item.id for item in batch)
        return taken

    with ThreadPoolExecutor(6) as pool:
        results = [future.result(timeout=120) for future in [pool.submit(drain) for _ in range(6)]]

    claimed = [item_id for result in results for item_id in result]
    assert len(claimed) == len(set(claimed)) == 300


def test_a_claimer_skips_rows_another_transaction_holds(pg_store_url: str, store_engines) -> None:
    engine = store_engines(pg_store_url)
    Store(engine).enqueue([notification(f"key-{index}", T0) for index in range(5)])

    with engine.connect() as first, engine.connect() as second:
        with first.begin():
            held = claim_due(first, T0, 3)
            with second.begin():
                second.execute(text("SET LOCAL lock_timeout = '5s'"))  # fail, never hang
                skipped = claim_due(second, T0, 3)
        assert [item.notification.dedup_key for item in held] == ["key-0", "key-1", "key-2"]
        assert [item.notification.dedup_key for item in skipped] == ["key-3", "key-4"]


def _claim_all(store: Store) -> dict[tuple[str, str | None], int]:
    """Claim every due row and return their ids by dedup key and receiver."""
    return {
        (item.notification.dedup_key, item.receiver): item.id
        for item in store.claim_due(T0 + 3600 * SECOND, 100)
    }


def test_sent_lists_deliveries_to_receivers_newest_first(store: Store) -> None:
    store.enqueue([notification("ftw/staged")])  # not routed yet: no receiver
    store.enqueue(
        [notification(key) for key in ("ftw/a", "ftw/b", "ftw/c", "ftw/d")], receiver="slack"
    )
    resolve = notification("ftw/a", kind=NotificationKind.RESOLVE, source="alertmanager")
    store.enqueue([resolve], receiver="pagerduty")
    ids = _claim_all(store)
    store.mark_sent(ids["ftw/staged", None], at=T0 + 9 * SECOND, delivery={"routed": ["slack"]})
    store.mark_sent(ids["ftw/a", "slack"], at=T0 + 2 * SECOND, delivery={"token": "xoxb-secret"})
    store.mark_sent(ids["ftw/a", "pagerduty"], at=T0 + 3 * SECOND)
    store.mark_sent(ids["ftw/b", "slack"], at=T0 + 2 * SECOND)  # same time: higher id first
    store.mark_rejected(ids["ftw/c", "slack"], error="channel_not_found", at=T0 + 4 * SECOND)
    store.enqueue([notification("ftw/e")], receiver="slack")  # pending; ftw/d is still sending

    sent = store.sent()

    assert [(item.notification.dedup_key, item.receiver, item.sent_at) for item in sent] == [
        ("ftw/a", "pagerduty", T0 + 3 * SECOND),
        ("ftw/b", "slack", T0 + 2 * SECOND),
        ("ftw/a", "slack", T0 + 2 * SECOND),
    ]
    assert sent[0].notification == resolve
    assert sent[0].id == ids["ftw/a", "pagerduty"]
    assert not hasattr(sent[0], "delivery")  # receiver data (tokens, message ids) stays behind
    assert [item.id for item in store.sent(limit=2)] == [item.id for item in sent[:2]]


def test_sent_since_includes_that_instant_in_any_zone(store: Store) -> None:
    store.enqueue([notification(f"ftw/{index}") for index in range(3)], receiver="slack")
    ids = _claim_all(store)
    for index in range(3):
        store.mark_sent(ids[f"ftw/{index}", "slack"], at=T0 + index * 60 * SECOND)

    def keys(since: datetime) -> list[str]:
        return [item.notification.dedup_key for item in store.sent(since=since)]

    assert keys(T0 + 60 * SECOND) == ["ftw/2", "ftw/1"]
    assert keys((T0 + 60 * SECOND).astimezone(timezone(timedelta(hours=-5)))) == ["ftw/2", "ftw/1"]
    assert keys(T0 + 61 * SECOND) == ["ftw/2"]
    assert keys(T0 + 121 * SECOND) == []


def test_sent_prefix_matches_literally_and_case_sensitively(store: Store) -> None:
    keys = [
        "ftw/50%_off/page",
        "ftw/50%_offline/page",
        "ftw/50xyoff/page",
        "FTW/50%_off/page",
        "ftw/a_b",
        "ftw/aXb",
        "ftw/a\\b",
        "ftw/ünï/page",
        "am/abc",
    ]
    store.enqueue([notification(key) for key in keys], receiver="slack")
    ids = _claim_all(store)
    for offset, key in enumerate(keys):
        store.mark_sent(ids[key, "slack"], at=T0 + offset * SECOND)

    def matching(prefix: str) -> set[str]:
        sent = store.sent(dedup_key_prefix=prefix)
        return {item.notification.dedup_key for item in sent}

    assert matching("ftw/50%_") == {"ftw/50%_off/page", "ftw/50%_offline/page"}
    assert matching("ftw/50%_off/") == {"ftw/50%_off/page"}
    assert matching("ftw/a_") == {"ftw/a_b"}
    assert matching("ftw/a\\") == {"ftw/a\\b"}
    assert matching("FTW/") == {"FTW/50%_off/page"}
    assert matching("ftw/ünï") == {"ftw/ünï/page"}
    assert matching("%") == set()
    assert matching("am/abc") == {"am/abc"}
    assert matching("am/abcd") == set()
    assert len(matching("")) == len(keys)  # an empty prefix filters nothing
    [newest] = store.sent(dedup_key_prefix="ftw/", limit=1, since=T0)
    assert newest.notification.dedup_key == "ftw/ünï/page"
