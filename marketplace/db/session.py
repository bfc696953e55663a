"""Engines and sessions, with connection-pool metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from marketplace.config import Settings
from marketplace.metrics import registry as metrics


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(settings: Settings) -> Engine:
    """Create the engine for `settings.database_url`; this opens no connection."""
    url = normalise_url(settings.database_url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if settings.is_sqlite:
        ensure_sqlite_directory(url)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    kwargs.update(
        poolclass=QueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    engine = create_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    _instrument_pool(engine, settings.db_pool_size)
    return engine


def ensure_sqlite_directory(url: str) -> None:
    """Create the directory of an SQLite database file if it is missing."""
    if not url.startswith("sqlite"):
        return
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while a writer commits; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _instrument_pool(engine: Engine, pool_size: int) -> None:
    metrics.DB_POOL_SIZE.inc(pool_size)
    pool = engine.pool

    def on_checkout(*_args: Any) -> None:
        metrics.DB_POOL_CHECKED_OUT.inc()
        metrics.DB_POOL_OVERFLOW.set(max(0, _overflow(pool)))

    def on_checkin(*_args: Any) -> None:
        metrics.DB_POOL_CHECKED_OUT.dec()
        metrics.DB_POOL_OVERFLOW.set(max(0, _overflow(pool)))

    event.listen(pool, "checkout", on_checkout)
    event.listen(pool, "checkin", on_checkin)


def _overflow(pool: Any) -> int:
    overflow = getattr(pool, "overflow", None)
    return int(overflow()) if callable(overflow) else 0


def release_engine(engine: Engine, pool_size: int) -> None:
    """Close every pooled connection and take the pool out of the metrics."""
    engine.dispose()
    metrics.DB_POOL_SIZE.dec(pool_size)


class Database:
    """The engine and session factory one app instance uses.

    Usage::

        database = Database(settings)
        with database.session() as session:
            session.execute(select(Job))
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        """Open a session; the first statement checks a connection out of the pool."""
        return self._sessions()

    def request_session(self) -> Iterator[Session]:
        """Yield a session for one request, timing the wait for a pooled connection."""
        session = self._sessions()
        try:
            started = time.perf_counter()
            session.connection()
            metrics.DB_POOL_WAIT.observe(time.perf_counter() - started)
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        """Close the pool."""
        release_engine(self.engine, self.settings.db_pool_size)
