"""Engines and sessions, with connection-pool metrics.

API requests use an async engine (psycopg 3's async driver, aiosqlite for SQLite), so a
request's queries take no thread hop; migrations, seeding and the fault store use the sync
engine beside it. Only the request pool is measured: it is the one requests wait for.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from marketplace.config import Settings
from marketplace.db.ping import ping_when_idle
from marketplace.metrics import registry as metrics


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def async_url(url: str) -> str:
    """Return `url` with the async driver of its database: psycopg 3 or aiosqlite."""
    url = normalise_url(url)
    if url.startswith("sqlite:") or url.startswith("sqlite+pysqlite:"):
        return "sqlite+aiosqlite:" + url.split(":", 1)[1]
    return url


def _engine_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }
    if settings.is_sqlite:
        ensure_sqlite_directory(normalise_url(settings.database_url))
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    return options


def make_engine(settings: Settings) -> Engine:
    """Create the sync engine for `settings.database_url`; this opens no connection."""
    engine = create_engine(
        normalise_url(settings.database_url), poolclass=QueuePool, **_engine_options(settings)
    )
    if settings.is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(settings: Settings) -> AsyncEngine:
    """Create the measured async engine API requests use; this opens no connection."""
    options = {**_engine_options(settings), "pool_pre_ping": False}
    engine = create_async_engine(async_url(settings.database_url), **options)
    ping_when_idle(engine.sync_engine, settings.db_ping_idle_seconds)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    _instrument_pool(engine.sync_engine, settings.db_pool_size)
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


class Database:
    """The engines and session factories one app instance uses.

    Usage::

        database = Database(settings)
        with database.session() as session:
            session.execute(select(Job))
        async with database.async_session() as session:
            await session.execute(select(Job))
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.async_engine = make_async_engine(settings)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Nothing is loaded lazily after a commit: an async session cannot load on access.
        self._async_sessions = async_sessionmaker(self.async_engine, expire_on_commit=False)

    def session(self) -> Session:
        """Open a sync session; the first statement checks a connection out of the pool."""
        return self._sessions()

    def async_session(self) -> AsyncSession:
        """Open an async session on the request pool."""
        return self._async_sessions()

    @asynccontextmanager
    async def request_session(self) -> AsyncIterator[AsyncSession]:
        """Open a session for one request, timing the wait for a pooled connection."""
        async with self._async_sessions() as session:
            started = time.perf_counter()
            await session.connection()
            metrics.DB_POOL_WAIT.observe(time.perf_counter() - started)
            yield session

    def dispose(self) -> None:
        """Close the sync pool and drop the request pool, for tools that sent no request."""
        self.engine.dispose()
        self.async_engine.sync_engine.dispose(close=False)
        metrics.DB_POOL_SIZE.dec(self.settings.db_pool_size)

    async def aclose(self) -> None:
        """Close both pools, on the event loop that served the requests."""
        self.engine.dispose()
        await self.async_engine.dispose()
        metrics.DB_POOL_SIZE.dec(self.settings.db_pool_size)
