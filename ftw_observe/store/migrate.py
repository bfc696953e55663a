"""Apply the store's Alembic migrations, beside (not instead of) the marketplace's."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine

from marketplace.db import migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store tables behind `engine` to `revision`."""
    migrate.upgrade(engine, revision, MIGRATIONS_DIR)


def upgrade_url(url: str, revision: str = "head") -> None:
    """Bring the store tables at `url` to `revision` over a short-lived connection."""
    migrate.upgrade_url(url, revision, MIGRATIONS_DIR)


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for the store schema at `url`."""
    return migrate.alembic_config(url, MIGRATIONS_DIR)
