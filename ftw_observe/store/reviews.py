"""Scheduled budget reviews: claim one per scheduled time, queue its message, keep its page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select

from ftw_observe.model import Notification
from ftw_observe.store import outbox
from ftw_observe.store.tables import IncidentRow, ReviewRow

KEEP = 12  # pages kept: a quarter of weekly reviews


def pages_opened(connection: Connection, since: datetime, until: datetime) -> dict[str, int]:
    """Return how many outages paged each service in [since, until): one per page incident.

    A service's pages are one incident while any of them fires (`ftw/<service>/page`), so
    this counts outages, not alert tiers; an incident muted by a silence paged nobody.
    """
    service = func.substr(IncidentRow.group_key, 5, func.length(IncidentRow.group_key) - 9)
    query = (
        select(service, func.count())
        .where(
            IncidentRow.group_key.like("ftw/%/page"),
            IncidentRow.opened_at >= since,
            IncidentRow.opened_at < until,
            IncidentRow.muted_by.is_(None),
        )
        .group_by(service)
    )
    return {str(name): int(count) for name, count in connection.execute(query)}


def claimed(connection: Connection, due_at: datetime) -> bool:
    """Tell whether the review scheduled at `due_at` was already claimed."""
    query = select(ReviewRow.due_at).where(ReviewRow.due_at == due_at)
    return connection.execute(query).first() is not None


def claim(
    connection: Connection,
    *,
    due_at: datetime,
    now: datetime,
    replica: str,
    html: str,
    notifications: Iterable[Notification],
) -> None:
    """Insert the review's row, queue its notifications and forget the oldest pages.

    Raises IntegrityError when the review was already claimed: the caller's transaction then
    rolls back, so a replica that loses the race queues nothing.
    """
    row = {"due_at": due_at, "created_at": now, "replica": replica, "html": html}
    connection.execute(insert(ReviewRow), [row])
    outbox.insert_notifications(connection, notifications)
    older = select(ReviewRow.due_at).order_by(ReviewRow.due_at.desc()).offset(KEEP)
    connection.execute(delete(ReviewRow).where(ReviewRow.due_at.in_(older)))


def latest_html(connection: Connection) -> str | None:
    """Return the page of the newest review, or None before the first."""
    query = select(ReviewRow.html).order_by(ReviewRow.due_at.desc()).limit(1)
    value: str | None = connection.execute(query).scalar_one_or_none()
    return value
