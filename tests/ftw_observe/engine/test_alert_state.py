"""Alert state: inactive → pending → firing → resolved, honouring `for`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ftw_observe.engine.alert_state import advance
from ftw_observe.model import AlertKey, AlertPhase, InstanceKey, TransitionKind

KEY = AlertKey(InstanceKey("api", "availability"), "page-1h")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def run(conditions: list[bool], for_seconds: int):
    state, transitions = None, []
    for minute, condition in enumerate(conditions):
        state, transition = advance(
            state, KEY, condition=condition, at=at(minute), for_seconds=for_seconds
        )
        if transition:
            transitions.append((minute, transition.kind))
    return state, transitions


def test_without_for_an_alert_fires_on_the_first_true_evaluation() -> None:
    state, transitions = run([False, True], for_seconds=0)
    assert state.phase is AlertPhase.FIRING
    assert transitions == [(1, TransitionKind.FIRING)]
    assert state.fired_at == at(1)


def test_for_holds_the_alert_pending_until_it_has_lasted() -> None:
    state, transitions = run([True, True, True], for_seconds=120)
    assert transitions == [(2, TransitionKind.FIRING)]
    assert state.active_since == at(0)


def test_a_pending_alert_that_clears_is_silent() -> None:
    state, transitions = run([True, False, True, True], for_seconds=120)
    assert transitions == []
    assert state.phase is AlertPhase.PENDING
    assert state.active_since == at(2)


def test_a_firing_alert_resolves_once_and_fires_again_later() -> None:
    state, transitions = run([True, True, False, False, True], for_seconds=0)
    assert transitions == [
        (0, TransitionKind.FIRING),
        (2, TransitionKind.RESOLVED),
        (4, TransitionKind.FIRING),
    ]
    assert state.resolved_at is None
    assert state.fired_at == at(4)


def test_staying_firing_makes_no_new_transition() -> None:
    _, transitions = run([True] * 10, for_seconds=0)
    assert len(transitions) == 1
