"""Engines for the store: Postgres through psycopg 3, or an SQLite file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase

from marketplace.db.session import ensure_sqlite_directory, normalise_url


def make_store_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for the store at `url`; this opens no connection.

    >>> make_store_engine("sqlite:///:memory:").dialect.name
    'sqlite'
    """
    url = normalise_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    sqlite_file = url.startswith("sqlite")
    if sqlite_file:
        ensure_sqlite_directory(url)
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    options.update(kwargs)
    engine = create_engine(url, **options)
    if sqlite_file:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the engine writes a cycle.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def upsert(
    connection: Connection,
    model: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    keys: list[str],
) -> None:
    """Insert `rows`, updating every non-key column of rows whose `keys` already exist."""
    if not rows:
        return
    dialect = connection.dialect.name
    columns = [name for name in rows[0] if name not in keys]
    if dialect == "postgresql":
        pg = postgresql.insert(model)
        pg = pg.on_conflict_do_update(
            index_elements=keys, set_={name: pg.excluded[name] for name in columns}
        )
        connection.execute(pg, rows)
    elif dialect == "sqlite":
        lite = sqlite.insert(model)
        lite = lite.on_conflict_do_update(
            index_elements=keys, set_={name: lite.excluded[name] for name in columns}
        )
        connection.execute(lite, rows)
    else:
        raise NotImplementedError(f"the store supports Postgres and SQLite, not {dialect}")
