"""Alert states, alert history and the engine's health round-trip; a cycle is atomic."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import StatementError

from ftw_observe.model import AlertPhase, EngineHealth, TransitionKind
from ftw_observe.store import Store
from tests.ftw_observe.store.data import (
    OTHER,
    PLAIN,
    ROUTE,
    T0,
    alert,
    evaluation,
    notification,
)
from tests.support.seed import save, transition

MINUTE = timedelta(minutes=1)


def test_alert_states_are_upserted_and_round_trip(store: Store) -> None:
    pending = alert(PLAIN, phase=AlertPhase.PENDING, fired_at=None, value=None)
    ticket = alert(ROUTE, "ticket", value=math.inf, labels={}, annotations={})
    save(store, states=[pending, ticket])
    firing = replace(pending, phase=AlertPhase.FIRING, fired_at=T0 + MINUTE, value=20.5)
    resolved = alert(
        ROUTE, "ticket", phase=AlertPhase.RESOLVED, active_since=None, resolved_at=T0 + MINUTE
    )
    save(store, states=[firing, resolved])

    assert store.alert_states() == {firing.key: firing, resolved.key: resolved}


def test_the_last_state_of_a_key_in_one_cycle_wins(store: Store) -> None:
    first = alert(PLAIN, phase=AlertPhase.PENDING)
    last = alert(PLAIN, phase=AlertPhase.FIRING)

    save(store, states=[first, last])

    assert store.alert_states() == {last.key: last}


def test_alert_events_round_trip_newest_first(store: Store) -> None:
    fired = alert(ROUTE)
    resolved = replace(fired, phase=AlertPhase.RESOLVED, resolved_at=T0 + MINUTE)
    other = alert(OTHER, "ticket")
    save(store, transitions=[transition(fired, T0), transition(other, T0 + 2 * MINUTE)])
    save(store, transitions=[transition(resolved, T0 + MINUTE)])

    events = store.alert_events()

    assert events == [
        transition(other, T0 + 2 * MINUTE),
        transition(resolved, T0 + MINUTE),
        transition(fired, T0),
    ]
    assert [event.kind for event in events] == [
        TransitionKind.FIRING,
        TransitionKind.RESOLVED,
        TransitionKind.FIRING,
    ]


def test_alert_events_filter_and_limit(store: Store) -> None:
    save(
        store,
        transitions=[
            transition(alert(PLAIN), T0),
            transition(alert(ROUTE), T0 + MINUTE),
            transition(alert(ROUTE, "ticket"), T0 + 2 * MINUTE),
            transition(alert(OTHER), T0 + 3 * MINUTE),
        ],
    )

    def times(**filters: Any) -> list[datetime]:
        return [event.at for event in store.alert_events(**filters)]

    assert times(service="marketplace") == [T0 + 2 * MINUTE, T0 + MINUTE, T0]
    assert times(slo="api-latency-p95") == [T0 + 2 * MINUTE, T0 + MINUTE]
    assert times(service="payments", slo="api-latency-p95") == []
    assert times(since=T0 + MINUTE) == [T0 + 3 * MINUTE, T0 + 2 * MINUTE, T0 + MINUTE]
    assert times(limit=2) == [T0 + 3 * MINUTE, T0 + 2 * MINUTE]


def test_health_is_empty_until_saved_and_then_replaced(store: Store) -> None:
    assert store.health() == EngineHealth()
    failing = EngineHealth(T0, T0 - MINUTE, "timed out after 10 s", T0 - MINUTE)
    save(store, health=failing)
    assert store.health() == failing
    recovered = EngineHealth(T0 + MINUTE, T0 + MINUTE, None, None)
    save(store, health=recovered)
    assert store.health() == recovered


def test_a_cycle_that_fails_writes_nothing(store: Store) -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(StatementError, match="naive datetimes"):
        save(
            store,
            evaluations=[evaluation()],
            states=[alert()],
            transitions=[transition(alert(), naive)],
            notifications=[notification()],
        )

    assert store.latest_evaluations() == []
    assert store.alert_states() == {}
    assert store.alert_events() == []
    assert store.outbox_depth() == 0
    assert store.health() == EngineHealth()
