"""Postgres health from the statistics views: connections, cache, size, deadlocks, long xacts."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, NoReturn

import psycopg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from psycopg.conninfo import conninfo_to_dict

from exporters.source import SourceError

APPLICATION_NAME = "ftw-exporter"
STATEMENT_TIMEOUT_MS = 2000
MALFORMED = "a malformed URL"
# DATABASE_URL is shared with the marketplace, which may name its SQLAlchemy driver.
_DRIVER = re.compile(r"^(postgres(?:ql)?)\+[A-Za-z0-9_]+://")

# Fixed label values, so a state with no connections still shows as 0 instead of vanishing.
CONNECTION_STATES = ("active", "idle", "idle_in_transaction", "idle_in_transaction_aborted")
OTHER_STATE = "other"
_STATE_LABELS = {
    "active": "active",
    "idle": "idle",
    "idle in transaction": "idle_in_transaction",
    "idle in transaction (aborted)": "idle_in_transaction_aborted",
}

# Client backends only: background workers and WAL senders do not take client slots.
# A NULL state is a session the exporter's role may not inspect; it still holds a slot.
_CONNECTIONS_SQL = """
SELECT state, count(*)
FROM pg_stat_activity
WHERE backend_type = 'client backend'
GROUP BY state
"""

# One round trip over catalog views and shared-memory statistics; no user table is read.
_DATABASE_SQL = """
SELECT
    current_setting('max_connections')::bigint,
    pg_database_size(current_database()),
    d.blks_hit,
    d.blks_read,
    d.deadlocks,
    (
        SELECT greatest(0, coalesce(extract(epoch FROM max(now() - a.xact_start)), 0))
        FROM pg_stat_activity AS a
        WHERE a.backend_type = 'client backend'
          AND a.xact_start IS NOT NULL
          AND a.pid <> pg_backend_pid()
    )
FROM pg_stat_database AS d
WHERE d.datname = current_database()
"""


class PostgresSource:
    """Reads server-wide connections and current-database statistics over one connection.

    Usage::

        source = PostgresSource("postgresql://postgres@127.0.0.1:5432/ftw")
        families = source.read()
    """

    name = "postgres"

    def __init__(self, url: str, connect_timeout: float = 2.0) -> None:
        url = libpq_url(url)
        self._url = url
        # libpq takes whole seconds and waits at least 2 of them whatever it is given.
        self._connect_timeout = max(1, math.ceil(connect_timeout))
        self._target, self._password = _describe(url)
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def read(self) -> Sequence[Metric]:
        """Query the server and return its metric families, reconnecting when needed."""
        reused = self._conn is not None
        try:
            return self._collect()
        except psycopg.Error as exc:
            # A connection kept from an earlier read may have died in between (a restart,
            # an idle kill); one fresh attempt tells a stale socket from a down server.
            lost = self._conn is not None and self._conn.broken
            self._close()
            if not (reused and lost):
                self._fail(exc)
        try:
            return self._collect()
        except psycopg.Error as exc:
            self._close()
            self._fail(exc)

    def close(self) -> None:
        """Close the connection; the next read opens a new one."""
        self._close()

    def _collect(self) -> list[Metric]:
        """Run the statistics queries on the open connection and build the families."""
        conn = self._connection()
        states = conn.execute(_CONNECTIONS_SQL).fetchall()
        row = conn.execute(_DATABASE_SQL).fetchone()
        if row is None:
            raise SourceError(f"Postgres at {self._target}: no statistics for this database")
        max_connections, size, hit, read, deadlocks, oldest = row
        return [
            _connections_family(states),
            _gauge("max_connections", "Client connections the server accepts.", max_connections),
            _gauge("database_size_bytes", "Disk space of the current database.", size),
            _counter("blocks_hit", "Blocks of the current database found in shared buffers.", hit),
            _counter("blocks_read", "Blocks of the current database read from disk.", read),
            _hit_ratio_family(hit, read),
            _counter("deadlocks", "Deadlocks detected in the current database.", deadlocks),
            _gauge(
                "oldest_transaction_age_seconds",
                "Age of the oldest open transaction of a client backend, 0 when none is open.",
                oldest,
            ),
        ]

    def _fail(self, exc: psycopg.Error) -> NoReturn:
        """Raise a SourceError naming the server and the cause, never the password."""
        if self._target == MALFORMED:
            # The parser's message quotes the URL, password and all, so it is not chained.
            raise SourceError(f"Postgres URL is malformed ({type(exc).__name__})") from None
        lines = str(exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        # Belt and braces: no driver message known to echo the password, but none may.
        if self._password:
            reason = reason.replace(self._password, "***")
        raise SourceError(f"Postgres at {self._target}: {reason}") from exc

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        """Return the open connection, connecting first when there is none."""
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self._url,
                autocommit=True,
                connect_timeout=self._connect_timeout,
                application_name=APPLICATION_NAME,
                # The server cancels a query that hangs; the exporter never waits on it forever.
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            )
        return self._conn

    def _close(self) -> None:
        """Close and forget the connection."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _connections_family(rows: Sequence[tuple[Any, ...]]) -> GaugeMetricFamily:
    """Fold pg_stat_activity states into the fixed state labels."""
    counts = dict.fromkeys((*CONNECTION_STATES, OTHER_STATE), 0)
    for state, count in rows:
        label = _STATE_LABELS.get(state, OTHER_STATE)
        counts[label] += int(count)
    family = GaugeMetricFamily(
        "ftw_postgres_connections",
        "Client connections to the whole server by state; other is fastpath function call, "
        "disabled, or a session the exporter's role may not inspect.",
        labels=["state"],
    )
    for label, count in counts.items():
        family.add_metric([label], count)
    return family


def _hit_ratio_family(hit: int, read: int) -> GaugeMetricFamily:
    """Return the buffer cache hit ratio, without a sample when no block was requested."""
    family = GaugeMetricFamily(
        "ftw_postgres_buffer_cache_hit_ratio",
        "Share of block requests of the current database served from shared buffers; "
        "absent until a block was requested.",
    )
    # With no block requested yet there is no ratio; a made-up 0 or 1 would mislead alerts.
    if hit + read > 0:
        family.add_metric([], hit / (hit + read))
    return family


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    """Return an unlabelled Postgres gauge."""
    return GaugeMetricFamily(f"ftw_postgres_{name}", documentation, value=float(value))


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    """Return an unlabelled Postgres counter."""
    return CounterMetricFamily(f"ftw_postgres_{name}", documentation, value=float(value))


def libpq_url(url: str) -> str:
    """Return `url` as libpq takes it: SQLAlchemy's `postgresql+psycopg://` becomes `postgresql://`."""
    return _DRIVER.sub(r"\1://", url, count=1)


def _describe(url: str) -> tuple[str, str | None]:
    """Name the server and database of `url` without credentials, and return its password."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        return MALFORMED, None
    host = params.get("host") or "localhost"
    port = params.get("port") or 5432
    database = params.get("dbname") or params.get("user") or ""
    password = params.get("password")
    return f"{host}:{port}/{database}", str(password) if password else None
