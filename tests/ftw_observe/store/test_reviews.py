"""The store's reads for the weekly review: outages paged per service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from ftw_observe.store import Store
from ftw_observe.store.tables import IncidentRow

START = datetime(2024, 6, 3, tzinfo=UTC)
END = START + timedelta(days=7)


def _incident(
    store: Store, key: str, group: str, opened_at: datetime, muted_by: str | None = None
) -> None:
    row: dict[str, object] = {
        "dedup_key": key,
        "group_key": group,
        "state": "closed",
        "members": {},
        "receivers": [] if muted_by else ["pagerduty"],
        "labels": {},
        "annotations": {},
        "muted_by": muted_by,
        "opened_at": opened_at,
        "closed_at": opened_at + timedelta(minutes=20),
        "notified_at": opened_at,
        "resolves_at": None,
        "updated_at": opened_at,
    }
    with store.engine.begin() as connection:
        connection.execute(insert(IncidentRow), [row])


def test_pages_opened_counts_each_services_paged_outages_in_the_window(store: Store) -> None:
    day = timedelta(days=1)
    _incident(store, "ftw/marketplace/page", "ftw/marketplace/page", START + day)
    _incident(store, "ftw/marketplace/page#2", "ftw/marketplace/page", START + 3 * day)
    _incident(store, "am/1f2e", "ftw/payments-api/page", START + 2 * day)
    _incident(store, "ftw/marketplace/t", "ftw/marketplace/api-availability/ticket", START + day)
    _incident(store, "ftw/marketplace/page#0", "ftw/marketplace/page", START - day)
    _incident(store, "ftw/marketplace/page#9", "ftw/marketplace/page", END)
    _incident(store, "ftw/search/page", "ftw/search/page", START + day, muted_by="silence-1")

    assert store.pages_opened(START, END) == {"marketplace": 2, "payments-api": 1}


def test_a_quiet_week_has_no_paged_outage(store: Store) -> None:
    assert store.pages_opened(START, END) == {}
