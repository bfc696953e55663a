"""The watchdog's last arrival: one row every replica writes and the leader reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from ftw_observe.store.tables import WatchdogRow


def record(connection: Connection, at: datetime) -> None:
    """Keep `at` as the last arrival unless a later one is already kept (one statement)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(WatchdogRow).values(id=1, received_at=at)
        # Replicas' clocks and requests race: the newest arrival wins, whoever writes last.
        connection.execute(
            pg.on_conflict_do_update(
                index_elements=["id"],
                set_={"received_at": pg.excluded.received_at},
                where=WatchdogRow.received_at < pg.excluded.received_at,
            )
        )
    elif dialect == "sqlite":
        lite = sqlite.insert(WatchdogRow).values(id=1, received_at=at)
        connection.execute(
            lite.on_conflict_do_update(
                index_elements=["id"],
                set_={"received_at": lite.excluded.received_at},
                where=WatchdogRow.received_at < lite.excluded.received_at,
            )
        )
    else:
        raise NotImplementedError(f"the store supports Postgres and SQLite, not {dialect}")


def received_at(connection: Connection) -> datetime | None:
    """Return when the watchdog last arrived, or None if it never did."""
    query = select(WatchdogRow.received_at).where(WatchdogRow.id == 1)
    value: datetime | None = connection.execute(query).scalar_one_or_none()
    return value
