"""Apply the store's Alembic migrations, beside (not instead of) the marketplace's.

The store's tables and its version table start with `ftw_observe_`, so both schemas can live
in one database and upgrade independently.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, pool

from ftw_observe.store.database import database_url, ensure_sqlite_directory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | URL) -> Config:
    """Return an Alembic configuration for the store schema at `url`."""
    rendered = database_url(url).render_as_string(hide_password=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))  # configparser syntax
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store tables behind `engine` to `revision`, in one transaction."""
    config = alembic_config(engine.url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def upgrade_url(url: str | URL, revision: str = "head") -> None:
    """Bring the store tables at `url` to `revision` over a short-lived connection."""
    parsed = database_url(url)
    ensure_sqlite_directory(parsed)
    engine = create_engine(parsed, poolclass=pool.NullPool)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()
