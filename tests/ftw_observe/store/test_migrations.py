"""The store's migrations build exactly its models, beside the marketplace's schema."""

from __future__ import annotations

import json
from collections.abc import Callable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from ftw_observe.store import Store, database_url, upgrade_url
from ftw_observe.store.migrate import alembic_config
from ftw_observe.store.tables import PREFIX, VERSION_TABLE, include_name, metadata
from marketplace.db.migrate import alembic_config as marketplace_config
from marketplace.db.migrate import upgrade_url as upgrade_marketplace
from marketplace.db.models import Base as MarketplaceBase
from tests.ftw_observe.store.data import (
    LEGACY_HOST,
    LEGACY_PAGE,
    LEGACY_SLOWER,
    legacy_incidents,
)

STORE_TABLES = {table.name for table in metadata.sorted_tables}


def _json(value: object) -> object:
    """Return a JSON column as read: SQLite hands back text, Postgres a decoded value."""
    return json.loads(value) if isinstance(value, str) else value


def _engine(url: str) -> Engine:
    return create_engine(database_url(url))


def _store_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "include_name": include_name}
        )
        return list(compare_metadata(context, metadata))


def _marketplace_diff(engine: Engine) -> list[object]:
    def not_ours(name: str | None, type_: str, _parents: object) -> bool:
        return type_ != "table" or not (name or "").startswith(PREFIX)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": not_ours})
        return list(compare_metadata(context, MarketplaceBase.metadata))


def _revision(engine: Engine, version_table: str) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        return context.get_current_revision()


def test_migrated_schema_matches_the_models(store_url: str) -> None:
    upgrade_url(store_url)
    engine = _engine(store_url)
    try:
        assert {
            "ftw_observe_snapshots",
            "ftw_observe_alert_states",
            "ftw_observe_alert_events",
            "ftw_observe_outbox",
            "ftw_observe_engine_health",
            "ftw_observe_leases",
            "ftw_observe_silences",
            "ftw_observe_incidents",
            "ftw_observe_watchdog",
            "ftw_observe_reviews",
        } == STORE_TABLES
        assert set(inspect(engine).get_table_names()) == STORE_TABLES | {VERSION_TABLE}
        assert _store_diff(engine) == []
    finally:
        engine.dispose()


def test_store_and_marketplace_schemas_share_a_database(store_url: str) -> None:
    upgrade_marketplace(store_url)
    upgrade_url(store_url)
    upgrade_url(store_url)  # a second run is a no-op
    engine = _engine(store_url)
    try:
        store_head = ScriptDirectory.from_config(alembic_config(store_url)).get_current_head()
        market_head = ScriptDirectory.from_config(marketplace_config(store_url)).get_current_head()
        assert _revision(engine, VERSION_TABLE) == store_head
        assert _revision(engine, "alembic_version") == market_head
        assert _store_diff(engine) == []
        assert _marketplace_diff(engine) == []
    finally:
        engine.dispose()


def test_downgrade_removes_only_the_store(
    store_url: str, store_engines: Callable[[str], Engine]
) -> None:
    upgrade_marketplace(store_url)
    upgrade_url(store_url)
    command.downgrade(alembic_config(store_url), "base")
    engine = _engine(store_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not tables & STORE_TABLES
        assert set(MarketplaceBase.metadata.tables) <= tables
    finally:
        engine.dispose()
    store_engines(store_url)  # upgrades again
    engine = _engine(store_url)
    try:
        assert _store_diff(engine) == []
    finally:
        engine.dispose()


def test_incidents_kept_per_tier_gather_under_the_key_receivers_hold(
    store_url: str, store_engines: Callable[[str], Engine]
) -> None:
    legacy_incidents(store_url)
    notes = Store(store_engines(store_url)).notifications

    (live,) = notes.firing()

    assert live.dedup_key == LEGACY_PAGE, "PagerDuty's open alert keeps its key"
    assert live.group_key == "ftw/marketplace/page", "one incident per service's pages"
    assert (live.state, live.receivers) == ("open", ["pagerduty-oncall", "slack-incidents"])
    assert {key: m.sources for key, m in live.members.items()} == {
        LEGACY_PAGE: {"engine": "firing", "alertmanager": "firing"},
        LEGACY_SLOWER: {"engine": "firing"},
    }
    assert notes.incident(LEGACY_SLOWER).members == {}, "merged into the page"
    host = notes.incident(LEGACY_HOST)
    assert (host.state, host.group_key, list(host.members)) == (
        "closed",
        LEGACY_HOST,
        [LEGACY_HOST],
    )


def _group_keys(url: str) -> dict[str, str]:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT dedup_key, group_key FROM ftw_observe_incidents")
            rows = connection.execute(query)
            return {row.dedup_key: row.group_key for row in rows}
    finally:
        engine.dispose()


def test_live_page_incidents_regroup_per_service_and_back(store_url: str) -> None:
    legacy_incidents(store_url)
    upgrade_url(store_url, "0005")
    per_instance = _group_keys(store_url)

    upgrade_url(store_url)
    per_service = _group_keys(store_url)
    command.downgrade(alembic_config(store_url), "0005")

    assert per_instance[LEGACY_PAGE] == "ftw/marketplace/job-posting-availability//page"
    assert per_service == {**per_instance, LEGACY_PAGE: "ftw/marketplace/page"}
    assert _group_keys(store_url) == per_instance


def test_incidents_go_back_to_one_row_per_alert_on_downgrade(
    store_url: str, store_engines: Callable[[str], Engine]
) -> None:
    legacy_incidents(store_url)
    upgrade_url(store_url)
    command.downgrade(alembic_config(store_url), "0003")
    engine = _engine(store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT dedup_key, state, sources FROM ftw_observe_incidents")
            ).all()
    finally:
        engine.dispose()

    sources = {row.dedup_key: (row.state, _json(row.sources)) for row in rows}
    assert sources == {
        LEGACY_PAGE: ("open", {"engine": "firing", "alertmanager": "firing"}),
        LEGACY_HOST: ("closed", {"alertmanager": "resolved"}),
    }
