"""The engine's persistence: snapshots, alert state and history, outbox, health, leases."""

from __future__ import annotations

from ftw_observe.store.database import database_url, make_store_engine, sqlite_file
from ftw_observe.store.lease import Lease
from ftw_observe.store.migrate import upgrade_url
from ftw_observe.store.notifications import NotificationStore
from ftw_observe.store.repository import Store
from ftw_observe.store.retention import Retention

__all__ = [
    "Lease",
    "NotificationStore",
    "Retention",
    "Store",
    "database_url",
    "make_store_engine",
    "sqlite_file",
    "upgrade_url",
]
