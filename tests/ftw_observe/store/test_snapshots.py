"""Snapshots round-trip exactly; the newest per instance and thinned history come back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import Engine

from ftw_observe.model import EngineHealth
from ftw_observe.store import Store
from tests.ftw_observe.store.data import (
    OTHER,
    PLAIN,
    ROUTE,
    T0,
    alert,
    evaluation,
    notification,
    sparse,
)
from tests.support.seed import save, transition

SECOND = timedelta(seconds=1)


def test_evaluations_round_trip_exactly(store: Store) -> None:
    central = timezone(timedelta(hours=-5))
    written = [
        evaluation(PLAIN, T0.astimezone(central)),
        evaluation(ROUTE, T0, seconds_to_exhaustion=3600.25, detail="partial", coverage=0.0625),
        sparse(OTHER, T0),
    ]
    save(store, evaluations=written)

    latest = store.latest_evaluations()

    assert sorted(latest, key=lambda item: item.key) == sorted(written, key=lambda item: item.key)
    assert all(item.evaluated_at.tzinfo is UTC for item in latest)
    route = next(item for item in latest if item.key == ROUTE)
    assert route.key.group == (("route", "/api/jobs/{job_id}"), ("method", "GET"))
    assert route.burn_rate("6h") == float("inf")


def test_latest_is_the_newest_snapshot_of_each_instance(store: Store) -> None:
    assert store.latest_evaluations() == []
    # Written out of order: the newest by evaluation time wins, not the last written.
    save(store, evaluations=[evaluation(PLAIN, T0 + 60 * SECOND), evaluation(ROUTE, T0)])
    save(store, evaluations=[evaluation(PLAIN, T0), evaluation(ROUTE, T0 + 30 * SECOND)])
    save(store, evaluations=[evaluation(OTHER, T0 - 3600 * SECOND)])  # no longer evaluated

    latest = store.latest_evaluations()

    assert [(item.key, item.evaluated_at) for item in latest] == [
        (PLAIN, T0 + 60 * SECOND),
        (ROUTE, T0 + 30 * SECOND),
        (OTHER, T0 - 3600 * SECOND),
    ]


def test_history_is_oldest_first_within_the_range(store: Store) -> None:
    for step in range(10):
        at = T0 + 30 * step * SECOND
        save(store, evaluations=[evaluation(PLAIN, at, sli=step / 10), evaluation(ROUTE, at)])

    everything = store.history(PLAIN, since=T0)
    ranged = store.history(PLAIN, since=T0 + 60 * SECOND, until=T0 + 120 * SECOND)

    assert [item.sli for item in everything] == [step / 10 for step in range(10)]
    assert {item.key for item in everything} == {PLAIN}
    assert [item.evaluated_at for item in ranged] == [T0 + s * SECOND for s in (60, 90, 120)]
    assert store.history(OTHER, since=T0) == []


@pytest.mark.parametrize(
    ("max_points", "expected_seconds"),
    [
        (4, [0, 90, 180, 270]),  # positions 1, 4, 7 and 10 of 10
        (3, [0, 150, 270]),  # positions 1, 6 and 10 (4.5 rounds up)
        (1, [270]),  # the newest
        (10, [30 * step for step in range(10)]),
        (50, [30 * step for step in range(10)]),
    ],
)
def test_history_thins_evenly(store: Store, max_points: int, expected_seconds: list[int]) -> None:
    save(store, evaluations=[evaluation(PLAIN, T0 + 30 * s * SECOND) for s in range(10)])

    thinned = store.history(PLAIN, since=T0, max_points=max_points)

    assert [item.evaluated_at for item in thinned] == [T0 + s * SECOND for s in expected_seconds]


def test_history_refuses_zero_points(store: Store) -> None:
    with pytest.raises(ValueError, match="max_points"):
        store.history(PLAIN, since=T0, max_points=0)


def test_a_new_store_on_the_same_database_sees_everything(
    store_url: str, store_engines: Callable[[str], Engine]
) -> None:
    engine = store_engines(store_url)
    firing = alert(ROUTE)
    health = EngineHealth(T0, T0 - SECOND, "connection refused", T0 - 60 * SECOND)
    save(
        Store(engine),
        evaluations=[evaluation(ROUTE), sparse(PLAIN)],
        states=[firing],
        transitions=[transition(firing, T0)],
        notifications=[notification()],
        health=health,
    )
    engine.dispose()

    reopened = Store(store_engines(store_url))

    assert {item.key for item in reopened.latest_evaluations()} == {ROUTE, PLAIN}
    assert reopened.alert_states() == {firing.key: firing}
    assert [event.state for event in reopened.alert_events()] == [firing]
    assert reopened.health() == health
    assert reopened.outbox_depth() == 1
