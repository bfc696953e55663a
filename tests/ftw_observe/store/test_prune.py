"""Retention deletes old rows; 5-minute downsampling keeps the first snapshot of each bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ftw_observe.matching.silences import Silence, new_silence
from ftw_observe.model import Incident, Member, OutboxItem, OutboxState
from ftw_observe.store import Retention, Store
from ftw_observe.store.tables import Snapshot
from tests.ftw_observe.store.data import (
    OTHER,
    PLAIN,
    ROUTE,
    alert,
    evaluation,
    notification,
)
from tests.support.seed import save, settle, transition

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
KEEP = Retention(history=DAY, raw=HOUR)


def at(text: str) -> datetime:
    """Return a UTC time from `YYYY-MM-DD HH:MM:SS`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def stored(store: Store) -> set[tuple[str, str, str]]:
    """Return (slo, time, resolution) of every snapshot left."""
    query = select(Snapshot.slo, Snapshot.evaluated_at, Snapshot.resolution)
    with store.engine.connect() as connection:
        return {
            (slo, f"{when:%m-%d %H:%M:%S}", resolution)
            for slo, when, resolution in connection.execute(query)
        }


A, B, C = PLAIN.slo, ROUTE.slo, OTHER.slo


def test_prune_applies_retention_and_downsampling(store: Store) -> None:
    now = at("2024-06-02 12:00:00")  # retention 1 day: older than 06-01 12:00 goes
    plain = [  # raw for 1 hour: older than 06-02 11:00 is thinned
        "2024-06-01 11:59:59",  # past retention: deleted
        "2024-06-01 12:00:00",  # first of bucket 12:00: kept
        "2024-06-01 12:00:30",  # deleted
        "2024-06-01 12:04:59",  # deleted
        "2024-06-01 12:05:00",  # first of bucket 12:05: kept
        "2024-06-02 10:58:00",  # first of bucket 10:55: kept
        "2024-06-02 10:59:30",  # deleted
        "2024-06-02 11:00:00",  # raw
        "2024-06-02 11:00:30",  # raw
        "2024-06-02 11:59:30",  # raw
    ]
    route = ["2024-06-01 12:00:30", "2024-06-01 12:03:00"]  # its own buckets: first kept
    other = ["2024-06-02 10:57:00"]
    for key, times in ((PLAIN, plain), (ROUTE, route), (OTHER, other)):
        save(store, evaluations=[evaluation(key, at(when)) for when in times])
    save(
        store,
        transitions=[
            transition(alert(), at("2024-06-01 11:00:00")),  # deleted
            transition(alert(), at("2024-06-01 12:00:00")),
        ],
    )
    store.enqueue(
        [notification(key, at("2024-05-30 00:00:00")) for key in "abcd"], receiver="slack"
    )
    sent, rejected, recent, _pending = store.notifications.claim(now, 10, routed=True)
    long_ago = at("2024-05-31 00:00:00")
    settle(store, sent.id, OutboxState.SENT, long_ago)  # deleted
    settle(store, rejected.id, OutboxState.REJECTED, long_ago, error="gone")  # deleted
    settle(store, recent.id, OutboxState.SENT, at("2024-06-02 00:00:00"))

    deleted = store.prune(now=now, retention=KEEP)

    assert deleted == 5 + 1 + 2
    assert stored(store) == {
        (A, "06-01 12:00:00", "5m"),
        (A, "06-01 12:05:00", "5m"),
        (A, "06-02 10:58:00", "5m"),
        (A, "06-02 11:00:00", "cycle"),
        (A, "06-02 11:00:30", "cycle"),
        (A, "06-02 11:59:30", "cycle"),
        (B, "06-01 12:00:30", "5m"),
        (C, "06-02 10:57:00", "5m"),
    }
    assert [event.at for event in store.alert_events()] == [at("2024-06-01 12:00:00")]
    assert store.outbox_depth() == 1  # the pending row is never pruned
    assert store.prune(now=now, retention=KEEP) == 0


def test_a_bucket_thinned_in_two_runs_keeps_only_its_first(store: Store) -> None:
    times = ["2024-06-02 11:00:00", "2024-06-02 11:00:30", "2024-06-02 11:04:00"]
    save(store, evaluations=[evaluation(PLAIN, at(when)) for when in times])

    # Only the first is an hour old: it is kept, marked 5m; the others stay raw.
    assert store.prune(now=at("2024-06-02 12:00:15"), retention=KEEP) == 0
    assert stored(store) == {
        (A, "06-02 11:00:00", "5m"),
        (A, "06-02 11:00:30", "cycle"),
        (A, "06-02 11:04:00", "cycle"),
    }
    # Later the rest of the bucket ages too; the snapshot kept before still counts as first.
    assert store.prune(now=at("2024-06-02 12:05:00"), retention=KEEP) == 2
    assert stored(store) == {(A, "06-02 11:00:00", "5m")}
    assert store.history(PLAIN, since=at("2024-06-01 00:00:00")) == [
        evaluation(PLAIN, at("2024-06-02 11:00:00"))
    ]


def test_prune_of_an_empty_store_deletes_nothing(store: Store) -> None:
    assert store.prune(now=at("2024-06-02 12:00:00"), retention=KEEP) == 0


def test_raw_snapshots_cannot_be_kept_longer_than_history() -> None:
    with pytest.raises(ValueError, match="raw must not exceed history"):
        Retention(history=HOUR, raw=DAY)


def _incident(store: Store, key: str, state: str, at_: datetime) -> None:
    placeholder = OutboxItem(id=-1, notification=notification(key, at_), attempts=0)
    sources = {"engine": "firing" if state != "closed" else "resolved"}
    incident = Incident(key, state=state, members={key: Member(sources)})
    store.notifications.settle_routing(placeholder, [incident], [], at=at_, outcome={})


def test_closed_incidents_go_after_their_retention_and_open_ones_stay(store: Store) -> None:
    now = at("2024-06-10 00:00:00")
    _incident(store, "ftw/old-closed", "closed", now - 3 * DAY)
    _incident(store, "ftw/new-closed", "closed", now - HOUR)
    _incident(store, "ftw/old-open", "open", now - 30 * DAY)
    _incident(store, "ftw/old-muted", "muted", now - 30 * DAY)

    deleted = store.prune(now=now, retention=Retention(DAY, HOUR, incidents=2 * DAY))

    assert deleted == 1
    assert store.notifications.incident("ftw/old-closed").sources == {}  # forgotten
    for key in ("ftw/new-closed", "ftw/old-open", "ftw/old-muted"):
        assert store.notifications.incident(key).sources, key


def test_silences_go_a_retention_after_they_end_or_were_expired(store: Store) -> None:
    now = at("2024-06-10 00:00:00")

    def silence(reason: str, starts: datetime, ends: datetime) -> Silence:
        made = new_silence(
            ["service=marketplace"],
            author="sre",
            reason=reason,
            starts_at=starts,
            ends_at=ends,
            now=starts,
        )
        store.add_silence(made)
        return made

    silence("ended long ago", now - 10 * DAY, now - 3 * DAY)
    expired_early = silence("expired long ago", now - 10 * DAY, now + DAY)
    store.expire_silence(expired_early.id, now - 3 * DAY)
    silence("ended lately", now - 2 * DAY, now - HOUR)
    silence("still on", now - DAY, now + DAY)

    deleted = store.prune(now=now, retention=Retention(DAY, HOUR, silences=2 * DAY))

    assert deleted == 2
    left = store.silences(now=now, include_expired=True)
    assert sorted(s.reason for s in left) == ["ended lately", "still on"]
