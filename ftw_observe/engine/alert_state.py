"""Alert state per SLO instance and tier: inactive → pending → firing → resolved.

The same rules as Prometheus: a condition must hold for `for` before the alert fires, and an
alert resolves the first evaluation its condition is false. Only firing and resolving are
transitions people hear about; a pending alert that clears is silent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ftw_observe.model import AlertKey, AlertPhase, AlertState, Transition, TransitionKind


def advance(
    previous: AlertState | None,
    key: AlertKey,
    *,
    condition: bool,
    at: datetime,
    for_seconds: int,
    value: float | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> tuple[AlertState, Transition | None]:
    """Return an alert's next state after one evaluation, and the transition it made, if any."""
    state = previous or AlertState(key, AlertPhase.INACTIVE)
    state = replace(
        state,
        value=value,
        labels=labels if labels is not None else state.labels,
        annotations=annotations if annotations is not None else state.annotations,
    )
    active = state.phase in (AlertPhase.PENDING, AlertPhase.FIRING)
    if not condition:
        if state.phase is AlertPhase.FIRING:
            resolved = replace(state, phase=AlertPhase.RESOLVED, resolved_at=at, active_since=None)
            return resolved, Transition(resolved, TransitionKind.RESOLVED, at)
        if state.phase is AlertPhase.PENDING:
            return replace(state, phase=AlertPhase.INACTIVE, active_since=None), None
        return state, None
    since = state.active_since if active and state.active_since else at
    if state.phase is AlertPhase.FIRING:
        return replace(state, active_since=since), None
    if (at - since).total_seconds() >= for_seconds:
        firing = replace(
            state, phase=AlertPhase.FIRING, active_since=since, fired_at=at, resolved_at=None
        )
        return firing, Transition(firing, TransitionKind.FIRING, at)
    return replace(state, phase=AlertPhase.PENDING, active_since=since), None
