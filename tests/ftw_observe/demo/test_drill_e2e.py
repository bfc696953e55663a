"""The incident drill on the whole demo stack: one page, one resolve, the budget it cost.

One run for the module: `scripts/demo.sh` with Postgres, Redis, Prometheus, Alertmanager,
the marketplace, the exporter, the engine and the fake receivers, then the drill against it.
Afterwards every query of every generated dashboard panel must return data from that stack,
with template variables substituted the way Grafana would: no "No data" panel.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ftw_observe.dashboards.variables import substitute
from ftw_observe.demo.drill import DrillPlan, DrillResult, run_drill
from ftw_observe.demo.inbox import FakeReceiversInbox, Receipt
from ftw_observe.demo.stack import StartedStack
from tests.conftest import (
    REDIS_TEST_URL,
    create_database,
    delete_redis_keys,
    drop_database,
    free_port,
)
from tests.support.dashboards import targets

# The drill waits out a real page and resolve: minutes, not the suite's default timeout.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
PORTS = (
    "MARKETPLACE_PORT",
    "EXPORTER_PORT",
    "ENGINE_PORT",
    "PROMETHEUS_PORT",
    "ALERTMANAGER_PORT",
    "FAKE_PAGERDUTY_PORT",
    "FAKE_SLACK_PORT",
)


@dataclass(frozen=True)
class Drilled:
    """A finished drill and what could be read from the stack before it stopped."""

    result: DrillResult
    receipts: list[Receipt]  # everything the fakes accepted during the drill
    answered: dict[str, bool]  # dashboard expression -> whether its query returned data


def _environment(home: Path, database: str, prefix: str) -> dict[str, str]:
    ports: set[int] = set()
    while len(ports) < len(PORTS):
        ports.add(free_port())
    env = {name: str(port) for name, port in zip(PORTS, sorted(ports), strict=True)}
    env |= {
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_TEST_URL,
        "REDIS_KEY_PREFIX": prefix,
        "DEMO_RATE": "20",
    }
    # Empty counts as unset: the demo then starts its fake receivers and shares the database.
    env |= {"SLACK_BOT_TOKEN": "", "PAGERDUTY_ROUTING_KEY": "", "FTW_OBSERVE_DATABASE_URL": ""}
    return env


def _answered(prometheus_url: str) -> dict[str, bool]:
    answered = {}
    for case in targets():
        expr = str(case.values[2])
        query = substitute(expr)  # the demo values Grafana would use
        response = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": query}, timeout=30)
        answered[expr] = bool(response.json()["data"]["result"])
    return answered


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drilled]:
    home = tmp_path_factory.mktemp("drill")
    database = create_database()
    prefix = f"ftw-drill-{os.getpid()}-{free_port()}:"
    try:
        env = _environment(home, database, prefix)
        started = StartedStack.start(home, timeout=300, env=env)
        try:
            stack = started.stack
            result = run_drill(stack, DrillPlan(page_timeout=240, resolve_timeout=480))
            inbox = FakeReceiversInbox(stack.fake_pagerduty_url, stack.fake_slack_url)
            during = [r for r in inbox.receipts() if r.at >= result.fault_at]
            yield Drilled(result, during, _answered(stack.prometheus_url))
        finally:
            started.stop()
    finally:
        drop_database(database)
        delete_redis_keys(prefix)


def _of_page(drilled: Drilled, receiver: str, kind: str) -> list[Receipt]:
    key = drilled.result.dedup_key
    return [
        r
        for r in drilled.receipts
        if r.dedup_key == key and r.receiver == receiver and r.kind == kind
    ]


def test_the_page_is_for_job_posting(drilled: Drilled) -> None:
    assert drilled.result.dedup_key.startswith("ftw/marketplace/job-posting-availability/")


def test_pagerduty_gets_exactly_one_trigger(drilled: Drilled) -> None:
    triggers = [r for r in drilled.receipts if r.receiver == "pagerduty" and r.kind == "trigger"]
    assert [r.dedup_key for r in triggers] == [drilled.result.dedup_key]


def test_slack_gets_exactly_one_message_for_the_page(drilled: Drilled) -> None:
    posts = [r for r in _of_page(drilled, "slack #incidents", "trigger") if r.message]
    assert len(posts) == 1


def test_pagerduty_gets_exactly_one_resolve(drilled: Drilled) -> None:
    assert len(_of_page(drilled, "pagerduty", "resolve")) == 1


def test_slack_gets_exactly_one_resolve(drilled: Drilled) -> None:
    assert len(_of_page(drilled, "slack #incidents", "resolve")) == 1


def test_the_resolve_follows_the_page(drilled: Drilled) -> None:
    result = drilled.result
    assert result.fault_at < result.paged_at < result.cleared_at < result.resolved_at


def test_budget_consumed_matches_the_injected_outage(drilled: Drilled) -> None:
    budget = drilled.result.budget
    assert budget.marketplace_errors > 0
    assert budget.consumed == pytest.approx(budget.expected, rel=0.10)


@pytest.mark.parametrize(("dashboard", "title", "expr"), targets())
def test_the_dashboard_query_returns_data(
    drilled: Drilled, dashboard: str, title: str, expr: str
) -> None:
    assert drilled.answered[expr], f"{dashboard} / {title}: no data for {substitute(expr)}"


def test_there_are_panels_to_check() -> None:
    assert len(targets()) >= 40
