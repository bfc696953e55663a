"""Builders of the engine's values for the store tests."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ftw_observe.budget import Status
from ftw_observe.model import (
    AlertKey,
    AlertPhase,
    AlertState,
    EngineHealth,
    Evaluation,
    InstanceKey,
    Notification,
    NotificationKind,
    Transition,
    TransitionKind,
    WindowBurn,
)
from ftw_observe.store import Store

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PLAIN = InstanceKey("marketplace", "api-availability")
ROUTE = InstanceKey(
    "marketplace", "api-latency-p95", (("route", "/api/jobs/{job_id}"), ("method", "GET"))
)
OTHER = InstanceKey("payments", "payouts-same-day")


def evaluation(key: InstanceKey = PLAIN, at: datetime = T0, **changes: Any) -> Evaluation:
    """Return an evaluation with every kind of value: negatives, None, infinity."""
    base = Evaluation(
        key=key,
        evaluated_at=at,
        status=Status.BURNING,
        objective=99.9,
        period_seconds=30 * 86400,
        sli=0.9987,
        errors=13.0,
        events=10_000.5,
        remaining=-0.3,
        remaining_minutes=-12.96,
        seconds_to_exhaustion=None,
        windows=(
            WindowBurn("5m", 1.5, 100.0, 0.015, 15.0),
            WindowBurn("1h", None, 0.0, None, None),
            WindowBurn("6h", 2.0, 50.0, 0.04, math.inf),
        ),
        detail="",
    )
    return replace(base, **changes)


def sparse(key: InstanceKey = PLAIN, at: datetime = T0) -> Evaluation:
    """Return an evaluation that could not be read: every optional figure None."""
    return Evaluation(
        key=key,
        evaluated_at=at,
        status=Status.UNKNOWN,
        objective=95.0,
        period_seconds=7 * 86400,
        sli=None,
        errors=None,
        events=None,
        remaining=None,
        remaining_minutes=None,
        seconds_to_exhaustion=None,
        detail="Prometheus answered 503",
    )


def alert(key: InstanceKey = PLAIN, tier: str = "page", **changes: Any) -> AlertState:
    """Return a firing alert state with labels and annotations."""
    base = AlertState(
        key=AlertKey(key, tier),
        phase=AlertPhase.FIRING,
        active_since=T0 - timedelta(minutes=2),
        fired_at=T0,
        resolved_at=None,
        value=14.4,
        labels={**key.labels, "severity": "page", "team": "marketplace"},
        annotations={"summary": "Budget burns 14.4x", "runbook_url": "https://runbooks/ünïcode"},
    )
    return replace(base, **changes)


def transition(state: AlertState, at: datetime = T0) -> Transition:
    """Return the transition into `state`, which must be firing or resolved."""
    kind = TransitionKind.FIRING if state.phase is AlertPhase.FIRING else TransitionKind.RESOLVED
    return Transition(state, kind, at)


def notification(dedup_key: str = "ftw/a", at: datetime = T0, **changes: Any) -> Notification:
    """Return a trigger notification."""
    base = Notification(
        dedup_key=dedup_key,
        kind=NotificationKind.TRIGGER,
        created_at=at,
        labels={"service": "marketplace", "severity": "page"},
        annotations={"summary": "Budget burns"},
    )
    return replace(base, **changes)


def save(
    store: Store,
    *,
    evaluations: Iterable[Evaluation] = (),
    states: Iterable[AlertState] = (),
    transitions: Iterable[Transition] = (),
    notifications: Iterable[Notification] = (),
    health: EngineHealth | None = None,
) -> None:
    """Save one cycle with only the parts a test cares about."""
    store.save_cycle(
        evaluations=evaluations,
        states=states,
        transitions=transitions,
        notifications=notifications,
        health=health or EngineHealth(last_cycle_at=T0, last_success_at=T0),
    )
