"""The watchdog's last arrival: one row every replica writes and the leader reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from ftw_observe.store.database import upsert
from ftw_observe.store.tables import WatchdogRow


def record(connection: Connection, at: datetime) -> None:
    """Keep `at` as the last arrival unless a later one is already kept (one statement)."""
    # Replicas' clocks and requests race: the newest arrival wins, whoever writes last.
    upsert(connection, WatchdogRow, [{"id": 1, "received_at": at}], ["id"], newer="received_at")


def received_at(connection: Connection) -> datetime | None:
    """Return when the watchdog last arrived, or None if it never did."""
    query = select(WatchdogRow.received_at).where(WatchdogRow.id == 1)
    value: datetime | None = connection.execute(query).scalar_one_or_none()
    return value
