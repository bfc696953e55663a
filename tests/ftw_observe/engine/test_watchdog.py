"""The watchdog check, pure: when a missing watchdog pages and resolves; a new leader's grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ftw_observe.engine.watchdog import WATCHDOG_KEY, fresh, watch
from ftw_observe.model import AlertPhase, AlertState, TransitionKind

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
TIMEOUT = timedelta(minutes=3)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def step(
    previous: AlertState | None,
    now: float,
    *,
    last: float | None,
    leader_since: float = 0,
    timeout: timedelta = TIMEOUT,
) -> tuple[AlertState | None, TransitionKind | None]:
    state, transition = watch(
        previous,
        now=at(now),
        last_arrival=None if last is None else at(last),
        leader_since=at(leader_since),
        timeout=timeout,
    )
    return state, None if transition is None else transition.kind


def firing(fired_at: float = 180) -> AlertState:
    state, kind = step(None, fired_at, last=None)
    assert state is not None
    assert kind is TransitionKind.FIRING
    return state


def test_a_watchdog_arriving_every_minute_keeps_it_quiet() -> None:
    assert step(None, 600, last=560) == (None, None)


def test_no_watchdog_since_the_leader_started_pages_at_the_timeout() -> None:
    assert step(None, 179, last=None) == (None, None)
    state, kind = step(None, 180, last=None)

    assert kind is TransitionKind.FIRING
    assert state is not None
    assert state.key == WATCHDOG_KEY
    assert state.value == 180


def test_a_watchdog_that_stops_pages_one_timeout_after_the_last_arrival() -> None:
    assert step(None, 400, last=221) == (None, None)
    _, kind = step(None, 401, last=221)

    assert kind is TransitionKind.FIRING


def test_a_new_leader_gives_the_chain_one_timeout_before_paging() -> None:
    # The last watchdog came long ago, under another leader: this one counts from its start.
    assert step(None, 1_000 + 179, last=100, leader_since=1_000) == (None, None)
    _, kind = step(None, 1_000 + 180, last=100, leader_since=1_000)

    assert kind is TransitionKind.FIRING


def test_a_page_raised_by_a_previous_leader_stays_firing_under_a_new_one() -> None:
    page = firing()
    # A restart or a takeover starts a new grace period: it must not resolve the page.
    state, kind = step(page, 1_010, last=None, leader_since=1_000)

    assert kind is None
    assert state is not None
    assert state.phase is AlertPhase.FIRING


def test_a_fresh_watchdog_resolves_the_page() -> None:
    page = firing()
    state, kind = step(page, 240, last=235)

    assert kind is TransitionKind.RESOLVED
    assert state is not None
    assert state.phase is AlertPhase.RESOLVED


def test_the_resolve_says_what_the_page_said() -> None:
    page, _ = step(firing(), 600, last=None)
    assert page is not None
    state, _ = step(page, 630, last=625)

    assert state is not None
    assert state.annotations == page.annotations
    assert "for 10 min" in state.annotations["summary"]


def test_a_watchdog_older_than_the_page_does_not_resolve_it() -> None:
    page = firing(fired_at=500)
    state, kind = step(page, 530, last=300)

    assert kind is None
    assert state is not None
    assert state.phase is AlertPhase.FIRING


def test_after_resolving_it_pages_again_when_the_watchdog_stops_again() -> None:
    resolved, _ = step(firing(), 240, last=235)
    assert step(resolved, 400, last=235) == (resolved, None)
    _, kind = step(resolved, 415, last=235)

    assert kind is TransitionKind.FIRING


def test_a_zero_timeout_turns_the_check_off_and_resolves_a_page_left_firing() -> None:
    off = timedelta(0)
    assert step(None, 10_000, last=None, timeout=off) == (None, None)
    state, kind = step(firing(), 10_000, last=None, timeout=off)

    assert kind is TransitionKind.RESOLVED
    assert state is not None
    assert state.phase is AlertPhase.RESOLVED


def test_the_page_says_what_is_down_and_links_its_runbook() -> None:
    page = firing()

    assert page.labels == {
        "alertname": "FTWObserveWatchdogMissing",
        "service": "ftw-observe",
        "severity": "page",
        "tier": "meta",
    }
    assert page.annotations["summary"] == (
        "No watchdog from Alertmanager for 3 min: Prometheus, Alertmanager or the link to "
        "the engine is down"
    )
    assert (
        "since this replica began to lead at 2026-11-01 12:00:00 UTC"
        in (page.annotations["description"])
    )
    assert page.annotations["runbook_url"] == (
        "http://localhost:8080/runbooks/ftw-observe#watchdog-missing"
    )


def test_the_description_names_the_last_arrival_when_there_was_one() -> None:
    state, _ = step(None, 400, last=200)

    assert state is not None
    assert (
        "The last watchdog reached the engine at 2026-11-01 12:03:20 UTC."
        in (state.annotations["description"])
    )


def test_fresh_means_within_the_timeout_or_no_check_at_all() -> None:
    assert fresh(at(10), now=at(100), timeout=TIMEOUT)
    assert not fresh(at(0), now=at(180), timeout=TIMEOUT)
    assert not fresh(None, now=at(1), timeout=TIMEOUT)
    assert fresh(None, now=at(1), timeout=timedelta(0))
