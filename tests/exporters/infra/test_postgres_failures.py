"""The Postgres source fails with a clear error and recovers by itself."""

from __future__ import annotations

import psycopg
import pytest

from exporters.infra.postgres import PostgresSource
from exporters.source import SourceError
from tests.conftest import POSTGRES_ADMIN_URL, free_port
from tests.exporters.infra.conftest import Connect, exporter_pids, sample_value


@pytest.mark.timeout(15)
def test_read_of_a_dead_port_raises_source_error() -> None:
    source = PostgresSource(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")

    with pytest.raises(SourceError, match="connection failed"):
        source.read()


def test_error_message_names_the_server_but_not_the_password() -> None:
    port = free_port()
    source = PostgresSource(f"postgresql://postgres:hunter2@127.0.0.1:{port}/postgres")

    with pytest.raises(SourceError) as raised:
        source.read()

    assert f"127.0.0.1:{port}/postgres" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_session_has_a_statement_timeout_so_a_hung_query_ends(pg_source: PostgresSource) -> None:
    pg_source.read()

    conn = pg_source._connection()

    assert conn.execute("SHOW statement_timeout").fetchone() == ("2s",)


def test_read_reconnects_after_its_backend_is_terminated(
    pg_source: PostgresSource, connect: Connect
) -> None:
    pg_source.read()
    admin = connect()
    [old_pid] = exporter_pids(admin)
    admin.execute("SELECT pg_terminate_backend(%s, 5000)", [old_pid])

    pg_source.read()

    assert [pid for pid in exporter_pids(admin) if pid != old_pid] != []


def test_read_succeeds_once_a_missing_database_exists(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    source = PostgresSource(database_url)
    with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("DROP DATABASE {}").format(psycopg.sql.Identifier(name)))
        with pytest.raises(SourceError, match="does not exist"):
            source.read()
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))

    try:
        assert sample_value(source.read(), "ftw_postgres_max_connections") > 0
    finally:
        source.close()
