"""The store tests' scenario: three instances, and values of every kind a column must hold."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ftw_observe.budget import Status
from ftw_observe.model import AlertState, Evaluation, InstanceKey, Notification, WindowBurn
from ftw_observe.store import database_url, upgrade_url
from tests.support import seed

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PLAIN = InstanceKey("marketplace", "api-availability")
ROUTE = InstanceKey(
    "marketplace", "api-latency-p95", (("route", "/api/jobs/{job_id}"), ("method", "GET"))
)
OTHER = InstanceKey("payments", "payouts-same-day")


def evaluation(key: InstanceKey = PLAIN, at: datetime = T0, **changes: Any) -> Evaluation:
    """Return an evaluation with every kind of value: negatives, None, infinity."""
    figures: dict[str, Any] = {
        "status": Status.BURNING,
        "sli": 0.9987,
        "errors": 13.0,
        "events": 10_000.5,
        "remaining": -0.3,
        "remaining_minutes": -12.96,
        "windows": (
            WindowBurn("5m", 1.5, 100.0, 0.015, 15.0),
            WindowBurn("1h", None, 0.0, None, None),
            WindowBurn("6h", 2.0, 50.0, 0.04, math.inf),
        ),
    }
    return seed.evaluation(key, at, **{**figures, **changes})


def sparse(key: InstanceKey = PLAIN, at: datetime = T0) -> Evaluation:
    """Return an evaluation that could not be read: every optional figure None."""
    return seed.evaluation(
        key,
        at,
        status=Status.UNKNOWN,
        objective=95.0,
        period_seconds=7 * seed.DAY,
        detail="Prometheus answered 503",
    )


def alert(key: InstanceKey = PLAIN, tier: str = "page", **changes: Any) -> AlertState:
    """Return a firing alert state with labels and annotations."""
    values: dict[str, Any] = {
        "active_since": T0 - timedelta(minutes=2),
        "fired_at": T0,
        "value": 14.4,
        "labels": {**seed.burn_labels(key, tier), "team": "marketplace"},
        "annotations": {"summary": "Budget burns 14.4x", "runbook_url": "https://runbooks/ünïcode"},
    }
    return seed.alert_state(key, tier, **{**values, **changes})


def notification(dedup_key: str = "ftw/a", at: datetime = T0, **changes: Any) -> Notification:
    """Return a trigger at the scenario's time."""
    return seed.notification(dedup_key, at, **changes)


LEGACY_PAGE = "ftw/marketplace/job-posting-availability//page-1h"
LEGACY_SLOWER = "ftw/marketplace/job-posting-availability//page-6h"
LEGACY_HOST = "am/HostDown/instance=db1"


def legacy_incidents(url: str) -> None:
    """Migrate a database to revision 0003 and keep incidents as that revision did: per tier.

    page-1h paged (engine and Alertmanager report it), page-6h fires muted by it, and a
    threshold alert closed long ago.
    """
    upgrade_url(url, "0003")

    def burn(tier: str) -> dict[str, str]:
        return {
            "alertname": "SLOErrorBudgetBurn",
            "service": "marketplace",
            "slo": "job-posting-availability",
            "severity": "page",
            "tier": tier,
        }

    table = sa.table(
        "ftw_observe_incidents",
        *(sa.column(name) for name in ("dedup_key", "state", "muted_by")),
        *(sa.column(name, sa.JSON) for name in ("sources", "receivers", "labels", "annotations")),
        *(sa.column(name) for name in ("opened_at", "closed_at", "notified_at", "updated_at")),
    )
    common: dict[str, Any] = {
        "annotations": {},
        "closed_at": None,
        "notified_at": T0,
        "updated_at": T0,
    }
    rows: list[dict[str, Any]] = [
        {
            **common,
            "dedup_key": LEGACY_PAGE,
            "state": "open",
            "sources": {"engine": "firing", "alertmanager": "firing"},
            "receivers": ["pagerduty-oncall", "slack-incidents"],
            "labels": burn("page-1h"),
            "muted_by": None,
            "opened_at": T0,
        },
        {
            **common,
            "dedup_key": LEGACY_SLOWER,
            "state": "muted",
            "sources": {"engine": "firing"},
            "receivers": [],
            "labels": burn("page-6h"),
            "muted_by": f"inhibited by tier={LEGACY_PAGE}",
            "opened_at": None,
        },
        {
            **common,
            "dedup_key": LEGACY_HOST,
            "state": "closed",
            "sources": {"alertmanager": "resolved"},
            "receivers": ["pagerduty-oncall"],
            "labels": {"alertname": "HostDown", "instance": "db1", "severity": "critical"},
            "muted_by": None,
            "opened_at": T0,
            "closed_at": T0,
        },
    ]
    engine = sa.create_engine(database_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)
    finally:
        engine.dispose()
