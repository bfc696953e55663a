"""Watching the watchers on the whole demo stack: each dead link of the alerting chain pages.

One run for the module, on a demo stack of its own with short self-monitoring timeouts
(tests/support/chain_drill.py): a healthy stack pages nobody; then every engine replica is
killed (Alertmanager pages directly), Alertmanager is stopped (the engine misses the watchdog)
and Prometheus is stopped (the engine cannot read it). Each break is one page and one resolve
at the fake PagerDuty, and a Slack message.
"""

from __future__ import annotations

import json

import pytest

from ftw_observe.demo.chain import BreakResult, Component
from tests.conftest import CHAIN_DRILL
from tests.support.chain_drill import ChainDrilled, chain_drill_runnable

# The drills wait out real pages and resolves: minutes, not the suite's default timeout.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not chain_drill_runnable(), reason="alerts/ftw-observe.rules.yml is not generated"
    ),
]

BREAKS = [pytest.param(c, id=c.value) for c in Component]


@pytest.fixture(scope="module")
def drilled(request: pytest.FixtureRequest) -> ChainDrilled:
    """The drills started when collection ended (see `pytest_collection_finish`)."""
    return request.config.stash[CHAIN_DRILL].wait(timeout=880)


def test_the_healthy_phase_lasted_a_watchdog_timeout_and_the_rules_for(
    drilled: ChainDrilled,
) -> None:
    assert drilled.healthy_seconds >= drilled.hold_seconds


def test_a_healthy_stack_pages_nobody(drilled: ChainDrilled) -> None:
    pages = [r for r in drilled.healthy if r.message]
    assert pages == []


@pytest.mark.parametrize("component", BREAKS)
def test_the_break_pages_pagerduty_exactly_once(
    drilled: ChainDrilled, component: Component
) -> None:
    result = drilled.result(component)
    window = drilled.windows[component]
    triggers = [r for r in window if r.receiver == "pagerduty" and r.kind == "trigger"]
    assert [r.dedup_key for r in triggers] == [result.page.dedup_key]


@pytest.mark.parametrize("component", BREAKS)
def test_the_page_arrives_within_the_goal(drilled: ChainDrilled, component: Component) -> None:
    result = drilled.result(component)
    assert result.met, f"{result.time_to_page:.1f} s > {result.expected.goal_seconds:g} s"


@pytest.mark.parametrize("component", BREAKS)
def test_the_page_reaches_slack(drilled: ChainDrilled, component: Component) -> None:
    result = drilled.result(component)
    assert result.slack_page.message
    assert result.slack_page.receiver == "slack #incidents"


@pytest.mark.parametrize("component", BREAKS)
def test_the_page_resolves_once_after_the_restore(
    drilled: ChainDrilled, component: Component
) -> None:
    result = drilled.result(component)
    resolves = [
        r
        for r in drilled.windows[component]
        if r.receiver == "pagerduty"
        and r.kind == "resolve"
        and r.dedup_key == result.page.dedup_key
    ]
    assert resolves == [result.resolve]
    assert result.resolve.at > result.restored_at
    assert result.slack_resolve.at > result.restored_at


@pytest.mark.parametrize("component", BREAKS)
def test_the_page_comes_from_the_expected_sender(
    drilled: ChainDrilled, component: Component
) -> None:
    result = drilled.result(component)
    assert result.page.sender == result.expected.sender
    assert result.slack_page.sender == result.expected.sender


def test_the_dead_engine_s_page_is_alertmanager_s_engine_down(drilled: ChainDrilled) -> None:
    result: BreakResult = drilled.result(Component.ENGINE)
    assert result.page.at < result.restored_at  # every engine replica was still dead
    [event] = [
        e
        for e in drilled.pagerduty_events
        if e["event_action"] == "trigger" and e["dedup_key"] == result.page.dedup_key
    ]
    assert "FTWObserveEngineDown" in json.dumps(event)


def test_the_engine_s_pages_name_their_alert(drilled: ChainDrilled) -> None:
    for component in (Component.ALERTMANAGER, Component.PROMETHEUS):
        result = drilled.result(component)
        event = next(
            e
            for e in drilled.pagerduty_events
            if e["event_action"] == "trigger" and e["dedup_key"] == result.page.dedup_key
        )
        assert any(name in json.dumps(event) for name in result.expected.alerts), component
