"""The durable outbox's rows: notifications wait here until a receiver has them.

Claims and settlements go through `NotificationStore` (ftw_observe.store.notifications); this
module inserts rows, turns them into `OutboxItem`s and answers what the API and retention ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, or_, select, update

from ftw_observe.model import (
    Notification,
    NotificationKind,
    OutboxBacklog,
    OutboxItem,
    OutboxState,
    SentItem,
)
from ftw_observe.store.tables import ACTIVE_OUTBOX, OutboxRow

MAX_ERROR_LENGTH = 2000
ACTIVE = (OutboxState.PENDING.value, OutboxState.SENDING.value)


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


def notification(row: Any) -> Notification:
    """Return the notification an outbox row holds."""
    return Notification(
        dedup_key=row.dedup_key,
        kind=NotificationKind(row.kind),
        created_at=row.created_at,
        labels=dict(row.labels),
        annotations=dict(row.annotations),
        source=row.source,
    )


def announcements(connection: Connection, dedup_keys: Sequence[str]) -> list[Notification]:
    """Return the announcements with these dedup keys as they entered the outbox (unrouted)."""
    query = select(OutboxRow).where(
        OutboxRow.dedup_key.in_(list(dedup_keys)),
        OutboxRow.kind == NotificationKind.ANNOUNCE.value,
        OutboxRow.receiver.is_(None),
    )
    return [notification(row) for row in connection.execute(query)]


def outbox_item(row: Row[Any]) -> OutboxItem:
    """Return an outbox row with its delivery bookkeeping."""
    return OutboxItem(
        id=row.id,
        notification=notification(row),
        attempts=row.attempts,
        receiver=row.receiver,
        delivery=row.delivery,
        last_error=row.last_error,
        rejected_at=row.rejected_at,
    )


def depth(connection: Connection) -> int:
    """Return how many rows wait for delivery or are being delivered."""
    active = OutboxRow.state.in_(ACTIVE)
    return int(connection.execute(select(func.count()).where(active)).scalar_one())


def backlog(connection: Connection) -> OutboxBacklog:
    """Return how many rows are on their way and when the oldest was created.

    Both read the partial index of those rows alone (its predicate is repeated verbatim, so
    Postgres and SQLite use it), never the delivered history.
    """
    query = select(func.count(), func.min(OutboxRow.created_at)).where(ACTIVE_OUTBOX)
    count, oldest = connection.execute(query).one()
    return OutboxBacklog(int(count), oldest)


def rejected(connection: Connection, limit: int) -> list[OutboxItem]:
    """Return rejected rows, newest first."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.state == OutboxState.REJECTED.value)
        .order_by(OutboxRow.rejected_at.desc(), OutboxRow.id.desc())
        .limit(limit)
    )
    return [outbox_item(row) for row in connection.execute(query)]


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
        SentItem(row.id, notification(row), row.receiver, row.sent_at)
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
