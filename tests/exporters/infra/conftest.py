"""Helpers for the infrastructure sources: sample lookup, promtool, private Redis servers."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Sequence

import psycopg
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from exporters.infra.postgres import APPLICATION_NAME, PostgresSource
from tests.conftest import create_database, drop_database


def value(families: Sequence[Metric], name: str, **labels: str) -> float | None:
    """Return the value of the sample `name` with exactly `labels`, or None when absent."""
    for family in families:
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def sample_value(families: Sequence[Metric], name: str, **labels: str) -> float:
    """Return the value of the sample `name` with `labels`, failing when it is absent."""
    found = value(families, name, **labels)
    assert found is not None, f"no sample {name}{labels or ''}"
    return found


class _Fixed:
    """A collector that yields the families it was given."""

    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def exposition(families: Sequence[Metric]) -> str:
    """Render `families` in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    return generate_latest(registry).decode()


def assert_promtool_accepts(families: Sequence[Metric]) -> None:
    """Fail unless `promtool check metrics` accepts the exposition of `families`."""
    text = exposition(families)
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr + text


@pytest.fixture
def database_url() -> Iterator[str]:
    """An empty Postgres database of this test alone."""
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


PgConnection = psycopg.Connection[tuple[object, ...]]
Connect = Callable[..., PgConnection]


@pytest.fixture
def pg_source(database_url: str) -> Iterator[PostgresSource]:
    """A Postgres source reading the test database, closed afterwards."""
    source = PostgresSource(database_url)
    yield source
    source.close()


@pytest.fixture
def connect(database_url: str) -> Iterator[Connect]:
    """Open connections to the test database; all are closed afterwards."""
    opened: list[PgConnection] = []

    def open_one(autocommit: bool = True) -> PgConnection:
        conn = psycopg.connect(database_url, autocommit=autocommit)
        opened.append(conn)
        return conn

    yield open_one
    for conn in opened:
        conn.close()


def exporter_pids(conn: PgConnection) -> list[int]:
    """Return the backends the exporter holds in the database `conn` is connected to."""
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity"
        " WHERE application_name = %s AND datname = current_database()",
        [APPLICATION_NAME],
    ).fetchall()
    return [int(str(row[0])) for row in rows]


def scalar(conn: PgConnection, query: str) -> float:
    """Return the single value `query` answers, as a float."""
    row = conn.execute(query).fetchone()
    assert row is not None
    return float(str(row[0]))
