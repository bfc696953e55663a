"""The watchdog check in the cycle, on a real store: one page, one resolve, restarts, takeovers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from ftw_observe.engine.cycle import META_KEY, Engine
from ftw_observe.engine.evaluate import targets
from ftw_observe.engine.watchdog import WATCHDOG_KEY
from ftw_observe.model import AlertPhase, NotificationKind, TransitionKind
from ftw_observe.spec.load import validate_text
from ftw_observe.store import Store
from tests.ftw_observe.engine.test_cycle import SPEC, T0, ScriptedPrometheus
from tests.support.clock import Clock

TIMEOUT = timedelta(minutes=3)
Make = Callable[[], Engine]


@pytest.fixture
def prometheus() -> ScriptedPrometheus:
    return ScriptedPrometheus()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def make_engine(store: Store, prometheus: ScriptedPrometheus, clock: Clock) -> Make:
    """Make engines (replicas, or one engine restarted) on one store, prometheus and clock."""
    spec, issues = validate_text(SPEC, "slo/api.yaml")
    assert spec is not None, issues

    def make() -> Engine:
        return Engine(
            targets([spec]),
            prometheus,
            store,
            meta_alert_after=TIMEOUT,
            watchdog_timeout=TIMEOUT,
            clock=clock,
        )

    return make


def queued(store: Store, clock: Clock) -> list[tuple[str, NotificationKind]]:
    items = store.notifications.claim(clock(), 50, routed=False)
    return [(item.notification.dedup_key, item.notification.kind) for item in items]


def cycles(engine: Engine, clock: Clock, count: int, *, since: datetime | None = None) -> None:
    for _ in range(count):
        clock.advance(30)
        engine.run_cycle(leader_since=since)


def test_a_missing_watchdog_pages_once_and_resolves_when_it_returns(
    make_engine: Make, store: Store, clock: Clock
) -> None:
    engine = make_engine()
    store.record_watchdog(clock())
    engine.run_cycle(leader_since=clock())
    cycles(engine, clock, 5)
    assert store.alert_events() == []
    cycles(engine, clock, 5)  # 3 min after the last arrival, and on
    assert [(t.state.key, t.kind) for t in store.alert_events()] == [
        (WATCHDOG_KEY, TransitionKind.FIRING)
    ]

    store.record_watchdog(clock())
    clock.advance(30)
    result = engine.run_cycle()

    assert [(t.state.key, t.kind) for t in result.transitions] == [
        (WATCHDOG_KEY, TransitionKind.RESOLVED)
    ]
    assert result.watchdog_at == clock() - timedelta(seconds=30)
    assert queued(store, clock) == [
        (WATCHDOG_KEY.dedup_key, NotificationKind.TRIGGER),
        (WATCHDOG_KEY.dedup_key, NotificationKind.RESOLVE),
    ]


def test_the_check_runs_while_prometheus_cannot_be_read(
    make_engine: Make, store: Store, prometheus: ScriptedPrometheus, clock: Clock
) -> None:
    engine = make_engine()
    engine.run_cycle()
    prometheus.answer = None  # Prometheus is down: no watchdog, no reads
    cycles(engine, clock, 7)

    assert sorted(queued(store, clock)) == [
        (META_KEY.dedup_key, NotificationKind.TRIGGER),
        (WATCHDOG_KEY.dedup_key, NotificationKind.TRIGGER),
    ]


def test_a_restarted_engine_neither_pages_again_nor_forgets_the_page(
    make_engine: Make, store: Store, clock: Clock
) -> None:
    engine = make_engine()
    engine.run_cycle()
    cycles(engine, clock, 6)
    assert len(queued(store, clock)) == 1

    restarted = make_engine()
    cycles(restarted, clock, 3)

    assert queued(store, clock) == []
    assert store.alert_states()[WATCHDOG_KEY].phase is AlertPhase.FIRING


def test_a_new_leader_waits_one_timeout_from_its_start(
    make_engine: Make, store: Store, clock: Clock
) -> None:
    old_leader = make_engine()
    store.record_watchdog(clock())
    old_leader.run_cycle()
    clock.advance(170)  # the old leader dies; the lease passes to another replica
    new_leader, took_over = make_engine(), clock()
    cycles(new_leader, clock, 5, since=took_over)  # 2.5 min into its lead, 5.3 since the last
    assert queued(store, clock) == []

    cycles(new_leader, clock, 1, since=took_over)

    assert queued(store, clock) == [(WATCHDOG_KEY.dedup_key, NotificationKind.TRIGGER)]


def test_without_a_timeout_the_store_is_not_even_asked(store: Store, clock: Clock) -> None:
    spec, _ = validate_text(SPEC, "slo/api.yaml")
    assert spec is not None
    engine = Engine(targets([spec]), ScriptedPrometheus(), store, clock=clock)
    engine.run_cycle()
    cycles(engine, clock, 20)

    assert queued(store, clock) == []
    assert WATCHDOG_KEY not in store.alert_states()
