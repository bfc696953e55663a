"""The Postgres source against the real server: values match what Postgres says of itself."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest

from exporters.infra.postgres import PostgresSource
from tests.conftest import wait_until
from tests.exporters.infra.conftest import (
    Connect,
    PgConnection,
    assert_promtool_accepts,
    exporter_pids,
    sample_value,
    scalar,
)

STATES = ("active", "idle", "idle_in_transaction", "idle_in_transaction_aborted", "other")


def test_constructing_a_source_opens_no_connection(database_url: str, connect: Connect) -> None:
    PostgresSource(database_url)

    assert exporter_pids(connect()) == []


def test_a_sqlalchemy_url_with_a_driver_is_read(database_url: str, connect: Connect) -> None:
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    expected = scalar(connect(), "SHOW max_connections")

    source = PostgresSource(url)
    try:
        assert sample_value(source.read(), "ftw_postgres_max_connections") == expected
    finally:
        source.close()


def test_max_connections_matches_show_max_connections(
    pg_source: PostgresSource, connect: Connect
) -> None:
    expected = scalar(connect(), "SHOW max_connections")

    assert sample_value(pg_source.read(), "ftw_postgres_max_connections") == expected


def test_database_size_matches_pg_database_size(
    pg_source: PostgresSource, connect: Connect
) -> None:
    conn = connect()
    conn.execute(
        "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 5000) g"
    )

    measured = sample_value(pg_source.read(), "ftw_postgres_database_size_bytes")

    assert measured == scalar(conn, "SELECT pg_database_size(current_database())")


def test_every_connection_state_is_reported_even_when_none_is_in_it(
    pg_source: PostgresSource,
) -> None:
    families = pg_source.read()

    states = {
        sample.labels["state"]
        for family in families
        for sample in family.samples
        if sample.name == "ftw_postgres_connections"
    }
    assert states == set(STATES)


def _hold_in_state(state: str, connect: Connect, count: int) -> Callable[[], None]:
    """Put `count` connections in `state`; return what lets blocked ones finish."""
    if state == "active":
        # Backends waiting for an advisory lock stay active, with no sleep to time out;
        # transaction-level waits release the lock again, so all of them finish.
        holder = connect()
        holder.execute("SELECT pg_advisory_lock(4242)")
        waiters = [connect() for _ in range(count)]
        threads = [
            threading.Thread(target=c.execute, args=("SELECT pg_advisory_xact_lock(4242)",))
            for c in waiters
        ]
        for thread in threads:
            thread.start()

        def release() -> None:
            holder.close()
            for thread in threads:
                thread.join(timeout=10)

        return release
    for _ in range(count):
        conn = connect(autocommit=state == "idle")
        if state == "idle_in_transaction":
            conn.execute("SELECT 1")
        elif state == "idle_in_transaction_aborted":
            with pytest.raises(psycopg.errors.DivisionByZero):
                conn.execute("SELECT 1 / 0")
    return lambda: None


@pytest.mark.parametrize(
    "state", ["active", "idle", "idle_in_transaction", "idle_in_transaction_aborted"]
)
def test_connections_in_a_state_raise_its_count(
    state: str, pg_source: PostgresSource, connect: Connect
) -> None:
    before = sample_value(pg_source.read(), "ftw_postgres_connections", state=state)
    release = _hold_in_state(state, connect, 3)
    try:
        wait_until(
            lambda: (
                sample_value(pg_source.read(), "ftw_postgres_connections", state=state)
                >= before + 3
            )
        )
    finally:
        release()


def test_blocks_hit_counts_buffer_hits_in_the_current_database(
    pg_source: PostgresSource, connect: Connect
) -> None:
    setup = connect()
    setup.execute(
        "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 3000) g"
    )
    pages = scalar(setup, "SELECT pg_relation_size('filler') / current_setting('block_size')::int")
    before = sample_value(pg_source.read(), "ftw_postgres_blocks_hit_total")
    scanner = connect()
    for _ in range(11):
        scanner.execute("SELECT count(*) FROM filler")
    # A backend hands its statistics to the server at the latest when it exits.
    scanner.close()

    wait_until(
        lambda: (
            sample_value(pg_source.read(), "ftw_postgres_blocks_hit_total") >= before + 10 * pages
        )
    )


def test_cache_hit_ratio_is_hits_over_hits_plus_reads(pg_source: PostgresSource) -> None:
    families = pg_source.read()
    hit = sample_value(families, "ftw_postgres_blocks_hit_total")
    read = sample_value(families, "ftw_postgres_blocks_read_total")

    ratio = sample_value(families, "ftw_postgres_buffer_cache_hit_ratio")

    assert ratio == pytest.approx(hit / (hit + read))


def test_deadlocks_counts_a_deadlock_in_the_current_database(
    pg_source: PostgresSource, connect: Connect
) -> None:
    connect().execute("CREATE TABLE pair (id int PRIMARY KEY); INSERT INTO pair VALUES (1), (2)")
    before = sample_value(pg_source.read(), "ftw_postgres_deadlocks_total")
    first, second = connect(autocommit=False), connect(autocommit=False)
    for conn in (first, second):
        # Detect the deadlock soon instead of after the default second.
        conn.execute("SET deadlock_timeout = '50ms'")
    first.execute("UPDATE pair SET id = id WHERE id = 1")
    second.execute("UPDATE pair SET id = id WHERE id = 2")
    errors: list[Exception] = []

    def update(conn: PgConnection, row: int) -> None:
        try:
            conn.execute("UPDATE pair SET id = id WHERE id = %s", [row])
        except psycopg.errors.DeadlockDetected as exc:
            errors.append(exc)

    waiter = threading.Thread(target=update, args=(first, 2))
    waiter.start()
    update(second, 1)
    waiter.join(timeout=10)
    first.rollback()
    second.rollback()
    first.close()
    second.close()

    assert len(errors) == 1
    wait_until(lambda: sample_value(pg_source.read(), "ftw_postgres_deadlocks_total") == before + 1)


def test_oldest_transaction_age_covers_an_open_transaction(
    pg_source: PostgresSource, connect: Connect
) -> None:
    open_transaction = connect(autocommit=False)
    pid = scalar(open_transaction, "SELECT pg_backend_pid()")
    probe = connect()
    age_query = (
        "SELECT extract(epoch FROM clock_timestamp() - xact_start)"
        f" FROM pg_stat_activity WHERE pid = {int(pid)}"
    )
    wait_until(lambda: scalar(probe, age_query) > 0.1)
    age_before_read = scalar(probe, age_query)

    age = sample_value(pg_source.read(), "ftw_postgres_oldest_transaction_age_seconds")

    assert age >= age_before_read


def test_every_family_passes_promtool(pg_source: PostgresSource) -> None:
    assert_promtool_accepts(pg_source.read())
