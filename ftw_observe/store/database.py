"""Engines for the store: Postgres through psycopg 3, or an SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase

# Plain Postgres URLs name no driver (SQLAlchemy would pick psycopg2); the store uses psycopg 3.
_POSTGRES = ("postgresql", "postgres")


def database_url(url: str | URL) -> URL:
    """Return `url` parsed, with psycopg 3 as the driver of a plain Postgres URL.

    >>> database_url("postgres://observe@db:5432/ftw").render_as_string()
    'postgresql+psycopg://observe@db:5432/ftw'
    >>> database_url("sqlite:///.ftw/observe.db").drivername
    'sqlite'
    """
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES:
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """Return the file of an SQLite URL, or None for other databases and in-memory ones."""
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name)


def ensure_sqlite_directory(url: URL) -> None:
    """Create the directory of an SQLite database file if it is missing."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def make_store_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine for the store at `url`; this opens no connection.

    >>> make_store_engine("sqlite:///:memory:").dialect.name
    'sqlite'
    """
    parsed = database_url(url)
    # pydantic-core's parser reads the JSON columns (labels, annotations, windows) faster
    # than the standard library's: the engine reads every alert's state each cycle.
    options: dict[str, Any] = {"pool_pre_ping": True, "json_deserializer": pydantic_core.from_json}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        ensure_sqlite_directory(parsed)
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    options.update(kwargs)
    engine = create_engine(parsed, **options)
    if is_sqlite:
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
    *,
    newer: str | None = None,
) -> None:
    """Insert `rows`, updating every non-key column of rows whose `keys` already exist.

    With `newer`, an existing row is updated only when the incoming value of that column is
    greater than the kept one: writers that race keep the latest value, whoever writes last.
    """
    if not rows:
        return
    dialect = connection.dialect.name
    columns = [name for name in rows[0] if name not in keys]
    if dialect == "postgresql":
        pg = postgresql.insert(model)
        pg = pg.on_conflict_do_update(
            index_elements=keys,
            set_={name: pg.excluded[name] for name in columns},
            where=None if newer is None else getattr(model, newer) < pg.excluded[newer],
        )
        connection.execute(pg, rows)
    elif dialect == "sqlite":
        lite = sqlite.insert(model)
        lite = lite.on_conflict_do_update(
            index_elements=keys,
            set_={name: lite.excluded[name] for name in columns},
            where=None if newer is None else getattr(model, newer) < lite.excluded[newer],
        )
        connection.execute(lite, rows)
    else:
        raise NotImplementedError(f"the store supports Postgres and SQLite, not {dialect}")
