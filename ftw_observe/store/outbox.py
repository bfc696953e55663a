"""The durable outbox: notifications wait here until a receiver has them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, or_, select, update

from ftw_observe.model import Notification, NotificationKind
from ftw_observe.store.tables import OutboxRow

MAX_ERROR_LENGTH = 2000


class OutboxState(StrEnum):
    """Where a notification is on its way to a receiver."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    REJECTED = "rejected"


@dataclass(frozen=True)
class OutboxItem:
    """A notification in the outbox with its delivery bookkeeping.

    `attempts` counts claims, this one included: 1 on the first delivery attempt.
    `delivery` is receiver-specific data (a Slack message ts, a PagerDuty dedup key).

    Usage::

        for item in store.claim_due(now, limit=20):
            ts = deliver(item.notification, thread=store.last_delivery(item.notification.dedup_key))
            store.mark_sent(item.id, at=now, delivery={"ts": ts})
    """

    id: int
    notification: Notification
    attempts: int
    receiver: str | None = None
    delivery: dict[str, Any] | None = None
    last_error: str | None = None
    rejected_at: datetime | None = None


@dataclass(frozen=True)
class SentItem:
    """A notification delivered to one receiver; the receiver's data is left in the store."""

    id: int
    notification: Notification
    receiver: str
    sent_at: datetime


def rows(notifications: Iterable[Notification], receiver: str | None) -> list[dict[str, Any]]:
    """Return outbox rows for notifications, pending and due at once."""
    return [
        {
            "dedup_key": item.dedup_key,
            "kind": item.kind.value,
            "source": item.source,
            "labels": dict(item.labels),
            "annotations": dict(item.annotations),
            "created_at": item.created_at,
            "state": OutboxState.PENDING.value,
            "attempts": 0,
            "next_attempt_at": item.created_at,
            "receiver": receiver,
        }
        for item in notifications
    ]


def insert_notifications(
    connection: Connection, notifications: Iterable[Notification], receiver: str | None = None
) -> None:
    """Insert notifications as pending outbox rows."""
    values = rows(notifications, receiver)
    if values:
        connection.execute(insert(OutboxRow), values)


def _notification(row: Any) -> Notification:
    return Notification(
        dedup_key=row.dedup_key,
        kind=NotificationKind(row.kind),
        created_at=row.created_at,
        labels=dict(row.labels),
        annotations=dict(row.annotations),
        source=row.source,
    )


def _item(row: Row[Any]) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        notification=_notification(row),
        attempts=row.attempts,
        receiver=row.receiver,
        delivery=row.delivery,
        last_error=row.last_error,
        rejected_at=row.rejected_at,
    )


def claim_due(connection: Connection, now: datetime, limit: int) -> list[OutboxItem]:
    """Mark up to `limit` due pending rows as sending and return them, oldest first.

    One statement: on Postgres its subquery locks the rows FOR UPDATE SKIP LOCKED, so
    concurrent claimers take disjoint rows without waiting on each other; SQLite, which
    ignores FOR UPDATE, runs the statement under its single writer lock.
    """
    due = (
        select(OutboxRow.id)
        .where(OutboxRow.state == OutboxState.PENDING.value, OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.created_at, OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(OutboxRow)
        .where(OutboxRow.id.in_(due))
        .values(state=OutboxState.SENDING.value, attempts=OutboxRow.attempts + 1, claimed_at=now)
        .returning(*OutboxRow.__table__.columns)
    )
    claimed = [_item(row) for row in connection.execute(claim)]
    return sorted(claimed, key=lambda item: (item.notification.created_at, item.id))


def _mark(connection: Connection, item_id: int, **values: Any) -> None:
    result = connection.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(**values))
    if result.rowcount == 0:
        raise KeyError(f"no outbox row {item_id}")


def mark_sent(
    connection: Connection, item_id: int, *, at: datetime, delivery: dict[str, Any] | None
) -> None:
    """Record a delivery; `delivery`, when given, replaces the stored receiver data."""
    values: dict[str, Any] = {"state": OutboxState.SENT.value, "sent_at": at, "claimed_at": None}
    if delivery is not None:
        values["delivery"] = delivery
    _mark(connection, item_id, **values)


def mark_retry(
    connection: Connection, item_id: int, *, error: str, next_attempt_at: datetime
) -> None:
    """Put a failed delivery back as pending, due again at `next_attempt_at`."""
    _mark(
        connection,
        item_id,
        state=OutboxState.PENDING.value,
        last_error=error[:MAX_ERROR_LENGTH],
        next_attempt_at=next_attempt_at,
        claimed_at=None,
    )


def mark_rejected(connection: Connection, item_id: int, *, error: str, at: datetime) -> None:
    """Give up on a delivery for good."""
    _mark(
        connection,
        item_id,
        state=OutboxState.REJECTED.value,
        last_error=error[:MAX_ERROR_LENGTH],
        rejected_at=at,
        claimed_at=None,
    )


def depth(connection: Connection) -> int:
    """Return how many rows wait for delivery or are being delivered."""
    active = OutboxRow.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value])
    return int(connection.execute(select(func.count()).where(active)).scalar_one())


def rejected(connection: Connection, limit: int) -> list[OutboxItem]:
    """Return rejected rows, newest first."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.state == OutboxState.REJECTED.value)
        .order_by(OutboxRow.rejected_at.desc(), OutboxRow.id.desc())
        .limit(limit)
    )
    return [_item(row) for row in connection.execute(query)]


def sent(
    connection: Connection,
    *,
    since: datetime | None,
    dedup_key_prefix: str | None,
    limit: int,
) -> list[SentItem]:
    """Return rows delivered to a receiver, newest first, optionally since a time and by key."""
    conditions = [
        OutboxRow.state == OutboxState.SENT.value,
        OutboxRow.receiver.is_not(None),
        OutboxRow.sent_at.is_not(None),
    ]
    if since is not None:
        conditions.append(OutboxRow.sent_at >= since)
    if dedup_key_prefix:
        # substr, not LIKE: no wildcards to escape, and case-sensitive on SQLite as on Postgres.
        head = func.substr(OutboxRow.dedup_key, 1, len(dedup_key_prefix))
        conditions.append(head == dedup_key_prefix)
    query = (
        select(
            OutboxRow.id,
            OutboxRow.dedup_key,
            OutboxRow.kind,
            OutboxRow.source,
            OutboxRow.labels,
            OutboxRow.annotations,
            OutboxRow.created_at,
            OutboxRow.receiver,
            OutboxRow.sent_at,
        )
        .where(*conditions)
        .order_by(OutboxRow.sent_at.desc(), OutboxRow.id.desc())
        .limit(limit)
    )
    return [
        SentItem(row.id, _notification(row), row.receiver, row.sent_at)
        for row in connection.execute(query)
    ]


def release_stuck(connection: Connection, older_than: datetime) -> int:
    """Return rows claimed before `older_than` and never settled to pending; count them."""
    stuck = and_(OutboxRow.state == OutboxState.SENDING.value, OutboxRow.claimed_at < older_than)
    release = (
        update(OutboxRow).where(stuck).values(state=OutboxState.PENDING.value, claimed_at=None)
    )
    return connection.execute(release).rowcount


def last_delivery(
    connection: Connection, dedup_key: str, receiver: str | None
) -> dict[str, Any] | None:
    """Return the receiver data of the newest sent row with this dedup key and receiver."""
    same_receiver = (
        OutboxRow.receiver.is_(None) if receiver is None else OutboxRow.receiver == receiver
    )
    query = (
        select(OutboxRow.delivery)
        .where(
            OutboxRow.dedup_key == dedup_key,
            same_receiver,
            OutboxRow.state == OutboxState.SENT.value,
            OutboxRow.delivery.is_not(None),
        )
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )
    value = connection.execute(query).scalar_one_or_none()
    return None if value is None else dict(value)


def settled_before(cutoff: datetime) -> Any:
    """Return the condition of rows sent or rejected before `cutoff`."""
    return or_(
        and_(OutboxRow.state == OutboxState.SENT.value, OutboxRow.sent_at < cutoff),
        and_(OutboxRow.state == OutboxState.REJECTED.value, OutboxRow.rejected_at < cutoff),
    )
