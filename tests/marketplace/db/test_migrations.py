"""Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from marketplace.db.migrate import alembic_config, upgrade_url
from marketplace.db.models import Base
from marketplace.db.session import normalise_url
from tests.conftest import create_database, drop_database


@pytest.fixture(params=["postgres", "sqlite"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


def test_migrated_schema_matches_the_models(empty_database_url: str) -> None:
    upgrade_url(empty_database_url)
    engine = create_engine(normalise_url(empty_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_migrations_downgrade_to_nothing_and_upgrade_again(empty_database_url: str) -> None:
    url = normalise_url(empty_database_url)
    upgrade_url(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade_url(url)


def test_hot_queries_have_indexes(empty_database_url: str) -> None:
    upgrade_url(empty_database_url)
    engine = create_engine(normalise_url(empty_database_url))
    try:
        inspector = inspect(engine)
        indexed = {
            table: {tuple(index["column_names"]) for index in inspector.get_indexes(table)}
            for table in ("jobs", "bids", "payouts")
        }
    finally:
        engine.dispose()
    assert ("territory_id", "status", "id") in indexed["jobs"]
    assert ("posted_at",) in indexed["jobs"]
    assert ("job_id",) in indexed["bids"]
    assert ("status", "requested_at") in indexed["payouts"]
