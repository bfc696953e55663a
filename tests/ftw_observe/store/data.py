"""The store tests' scenario: three instances, and values of every kind a column must hold."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from ftw_observe.budget import Status
from ftw_observe.model import AlertState, Evaluation, InstanceKey, Notification, WindowBurn
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
