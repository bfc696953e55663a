"""Apply the marketplace's Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, pool

from marketplace.db.session import ensure_sqlite_directory, normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str, migrations: Path = MIGRATIONS_DIR) -> Config:
    """Return an Alembic configuration for the schema in `migrations` at `url`."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", migrations: Path = MIGRATIONS_DIR) -> None:
    """Bring the database behind `engine` to `revision` of the schema in `migrations`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False), migrations)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def upgrade_url(url: str, revision: str = "head", migrations: Path = MIGRATIONS_DIR) -> None:
    """Bring the database at `url` to `revision` over a short-lived connection."""
    url = normalise_url(url)
    ensure_sqlite_directory(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        upgrade(engine, revision, migrations)
    finally:
        engine.dispose()
