"""What the outbox delivered, to which receiver and when: newest first, filtered exactly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ftw_observe.model import Incident, NotificationKind, OutboxItem, OutboxState
from ftw_observe.store import Store
from tests.ftw_observe.store.data import T0, notification
from tests.support.seed import settle

SECOND = timedelta(seconds=1)


def _claim_all(store: Store) -> dict[tuple[str, str | None], OutboxItem]:
    """Claim every due row of both stages, by dedup key and receiver."""
    later = T0 + 3600 * SECOND
    notes = store.notifications
    items = [*notes.claim(later, 100, routed=False), *notes.claim(later, 100, routed=True)]
    return {(item.notification.dedup_key, item.receiver): item for item in items}


def test_sent_lists_deliveries_to_receivers_newest_first(store: Store) -> None:
    store.enqueue([notification("ftw/staged")])  # not routed yet: no receiver
    store.enqueue(
        [notification(key) for key in ("ftw/a", "ftw/b", "ftw/c", "ftw/d")], receiver="slack"
    )
    resolve = notification("ftw/a", kind=NotificationKind.RESOLVE, source="alertmanager")
    store.enqueue([resolve], receiver="pagerduty")
    items = _claim_all(store)
    staged = items["ftw/staged", None]
    store.notifications.settle_routing(
        staged, [Incident("ftw/staged")], [], at=T0 + 9 * SECOND, outcome={"routed": ["slack"]}
    )
    sent = OutboxState.SENT
    settle(store, items["ftw/a", "slack"].id, sent, T0 + 2 * SECOND, delivery={"token": "xoxb"})
    settle(store, items["ftw/a", "pagerduty"].id, sent, T0 + 3 * SECOND)
    settle(store, items["ftw/b", "slack"].id, sent, T0 + 2 * SECOND)  # same time: higher id first
    refused = items["ftw/c", "slack"].id
    settle(store, refused, OutboxState.REJECTED, T0 + 4 * SECOND, error="channel_not_found")
    store.enqueue([notification("ftw/e")], receiver="slack")  # pending; ftw/d is still sending

    listed = store.sent()

    assert [(item.notification.dedup_key, item.receiver, item.sent_at) for item in listed] == [
        ("ftw/a", "pagerduty", T0 + 3 * SECOND),
        ("ftw/b", "slack", T0 + 2 * SECOND),
        ("ftw/a", "slack", T0 + 2 * SECOND),
    ]
    assert listed[0].notification == resolve
    assert listed[0].id == items["ftw/a", "pagerduty"].id
    assert not hasattr(listed[0], "delivery")  # receiver data (tokens, message ids) stays behind
    assert [item.id for item in store.sent(limit=2)] == [item.id for item in listed[:2]]


def test_sent_since_includes_that_instant_in_any_zone(store: Store) -> None:
    store.enqueue([notification(f"ftw/{index}") for index in range(3)], receiver="slack")
    items = _claim_all(store)
    for index in range(3):
        settle(store, items[f"ftw/{index}", "slack"].id, OutboxState.SENT, T0 + index * 60 * SECOND)

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
    items = _claim_all(store)
    for offset, key in enumerate(keys):
        settle(store, items[key, "slack"].id, OutboxState.SENT, T0 + offset * SECOND)

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
