"""A real store on SQLite, migrated and seeded with the hand-computed history."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine

from ftw_observe.report.build import Report, build_report
from ftw_observe.report.load import load_instances
from ftw_observe.store import Store
from tests.ftw_observe.report.data import SLOS, WINDOW, seed


@pytest.fixture
def report_db(tmp_path: Path) -> str:
    """Return the URL of an SQLite file for the store."""
    return f"sqlite:///{tmp_path / 'observe.db'}"


@pytest.fixture
def seeded_store(report_db: str, store_engines: Callable[[str], Engine]) -> Store:
    """Return a migrated store holding the hand-computed history."""
    store = Store(store_engines(report_db))
    seed(store)
    return store


@pytest.fixture
def report(seeded_store: Store) -> Report:
    """Return the report of the seeded store over the six-hour window."""
    quiet = Console(file=io.StringIO())
    return build_report(WINDOW, SLOS, load_instances(seeded_store, SLOS, WINDOW, quiet))
