"""Alert states, alert history and the engine's health."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from ftw_observe.model import (
    AlertKey,
    AlertPhase,
    AlertState,
    EngineHealth,
    Transition,
    TransitionKind,
)
from ftw_observe.store.codec import encode_group, instance_key
from ftw_observe.store.database import upsert
from ftw_observe.store.tables import AlertEvent, AlertStateRow, EngineHealthRow

_STATE_KEYS = ["service", "slo", "instance", "tier"]


def _state_columns(state: AlertState) -> dict[str, Any]:
    instance = state.key.instance
    return {
        "service": instance.service,
        "slo": instance.slo,
        "instance": instance.instance,
        "tier": state.key.tier,
        "group_labels": encode_group(instance.group),
        "phase": state.phase.value,
        "active_since": state.active_since,
        "fired_at": state.fired_at,
        "resolved_at": state.resolved_at,
        "value": state.value,
        "labels": dict(state.labels),
        "annotations": dict(state.annotations),
    }


def _state(row: Row[Any]) -> AlertState:
    key = AlertKey(instance_key(row.service, row.slo, row.group_labels), row.tier)
    return AlertState(
        key=key,
        phase=AlertPhase(row.phase),
        active_since=row.active_since,
        fired_at=row.fired_at,
        resolved_at=row.resolved_at,
        value=row.value,
        labels=dict(row.labels),
        annotations=dict(row.annotations),
    )


def upsert_states(connection: Connection, states: Iterable[AlertState]) -> None:
    """Insert or replace the state of every alert given; the last state of a key wins."""
    now = datetime.now(UTC)
    latest = {state.key: state for state in states}
    rows = [{**_state_columns(state), "updated_at": now} for state in latest.values()]
    upsert(connection, AlertStateRow, rows, _STATE_KEYS)


def states(connection: Connection) -> dict[AlertKey, AlertState]:
    """Return the state of every alert the store knows."""
    query = select(AlertStateRow).order_by(*(getattr(AlertStateRow, key) for key in _STATE_KEYS))
    result = (_state(row) for row in connection.execute(query))
    return {state.key: state for state in result}


def insert_transitions(connection: Connection, transitions: Iterable[Transition]) -> None:
    """Record transitions in the alert history."""
    rows = [
        {**_state_columns(item.state), "kind": item.kind.value, "at": item.at}
        for item in transitions
    ]
    if rows:
        connection.execute(insert(AlertEvent), rows)


def events(
    connection: Connection,
    *,
    service: str | None,
    slo: str | None,
    since: datetime | None,
    limit: int,
) -> list[Transition]:
    """Return recorded transitions, newest first, optionally for one service or SLO."""
    query = select(AlertEvent)
    if service is not None:
        query = query.where(AlertEvent.service == service)
    if slo is not None:
        query = query.where(AlertEvent.slo == slo)
    if since is not None:
        query = query.where(AlertEvent.at >= since)
    query = query.order_by(AlertEvent.at.desc(), AlertEvent.id.desc()).limit(limit)
    return [
        Transition(_state(row), TransitionKind(row.kind), row.at)
        for row in connection.execute(query)
    ]


def save_health(connection: Connection, health: EngineHealth) -> None:
    """Replace the engine's health row."""
    row = {
        "id": 1,
        "last_cycle_at": health.last_cycle_at,
        "last_success_at": health.last_success_at,
        "prometheus_error": health.prometheus_error,
        "prometheus_unreachable_since": health.prometheus_unreachable_since,
    }
    upsert(connection, EngineHealthRow, [row], ["id"])


def health(connection: Connection) -> EngineHealth:
    """Return the engine's health; a store that never saw a cycle has an empty one."""
    row = connection.execute(select(EngineHealthRow).where(EngineHealthRow.id == 1)).first()
    if row is None:
        return EngineHealth()
    return EngineHealth(
        last_cycle_at=row.last_cycle_at,
        last_success_at=row.last_success_at,
        prometheus_error=row.prometheus_error,
        prometheus_unreachable_since=row.prometheus_unreachable_since,
    )
