"""Builders of the engine's values for tests, and short ways to put them in a store.

A builder fills in what a test does not look at; the test passes what it pins. Which
instances, figures and times a scenario holds stays with the tests that read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from ftw_observe.model import (
    AlertState,
    EngineHealth,
    Evaluation,
    Notification,
    NotificationKind,
    OutboxState,
    Settlement,
    Transition,
)
from ftw_observe.store import Store


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
