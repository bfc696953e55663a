"""Builders of the engine's values for tests, and short ways to put them in a store.

A builder fills in what a test does not look at; the test passes what it pins. Which
instances, figures and times a scenario holds stays with the tests that read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
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
    OutboxState,
    Settlement,
    Transition,
    TransitionKind,
    WindowBurn,
)
from ftw_observe.store import Store

DAY = 86_400
MONTH = 30 * DAY


def evaluation(key: InstanceKey, at: datetime, **fields: Any) -> Evaluation:
    """Return an evaluation of `key` at `at`: OK, 99.9 % over 30 days, no figures unless given."""
    blank = Evaluation(key, at, Status.OK, 99.9, MONTH, None, None, None, None, None, None)
    return replace(blank, **fields)


def burn(window: str, rate: float | None, *, budget: float, events: float = 1000.0) -> WindowBurn:
    """Return a window burning `rate` times `budget` (an error ratio), with counts to match."""
    if rate is None:
        return WindowBurn(window, None, None, None, None)
    return WindowBurn(window, rate * budget * events, events, rate * budget, rate)


def burn_labels(key: InstanceKey, tier: str) -> dict[str, str]:
    """Return the labels the engine gives a burn-rate alert of `key` and `tier` (`page-1h`)."""
    severity = tier.split("-")[0]
    return {"alertname": "SLOBurnRate", **key.labels, "tier": tier, "severity": severity}


def alert_state(
    key: InstanceKey, tier: str = "page-1h", phase: AlertPhase = AlertPhase.FIRING, **fields: Any
) -> AlertState:
    """Return the state of the alert of `key` and `tier`, labelled as a burn-rate alert."""
    return replace(AlertState(AlertKey(key, tier), phase, labels=burn_labels(key, tier)), **fields)


def transition(state: AlertState, at: datetime) -> Transition:
    """Return the transition into `state`: firing if it fires, resolved otherwise."""
    kind = TransitionKind.FIRING if state.phase is AlertPhase.FIRING else TransitionKind.RESOLVED
    return Transition(state, kind, at)


def notification(dedup_key: str, at: datetime, **fields: Any) -> Notification:
    """Return a trigger from the engine created at `at`, with a label and a summary."""
    base = Notification(
        dedup_key=dedup_key,
        kind=NotificationKind.TRIGGER,
        created_at=at,
        labels={"service": "marketplace", "severity": "page"},
        annotations={"summary": "Budget burns"},
    )
    return replace(base, **fields)


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
        health=health or EngineHealth(),
    )


def settle(store: Store, item_id: int, state: OutboxState, at: datetime, **fields: Any) -> None:
    """Record one delivery attempt of a claimed outbox row, as the delivery loop does."""
    store.notifications.settle_deliveries([Settlement(item_id, state, at, **fields)])
