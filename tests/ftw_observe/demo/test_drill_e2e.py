"""The incident drill on the whole demo stack: one page, one resolve, the budget it cost.

One run for the module: `ftw-observe demo` with Postgres, Redis, Prometheus, Alertmanager,
the marketplace, the exporter, the engine and the fake receivers, then the drill against it.
Afterwards every query of every generated dashboard panel must return data from that stack,
with template variables substituted the way Grafana would: no "No data" panel.
"""

from __future__ import annotations

import pytest

from ftw_observe.dashboards.variables import substitute
from ftw_observe.demo.inbox import Receipt
from tests.support.dashboards import targets
from tests.support.drill import Drilled

# The drill waits out a real page and resolve: minutes, not the suite's default timeout.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def _of_page(drilled: Drilled, receiver: str, kind: str) -> list[Receipt]:
    key = drilled.result.dedup_key
    return [
        r
        for r in drilled.receipts
        if r.dedup_key == key and r.receiver == receiver and r.kind == kind
    ]


def test_the_page_is_the_marketplaces_opened_by_job_posting(drilled: Drilled) -> None:
    (first, *_) = [r for r in drilled.receipts if r.receiver == "pagerduty" and r.kind == "trigger"]

    assert drilled.result.dedup_key == "ftw/marketplace/page"
    assert "job-posting-availability" in first.text


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
    assert result.fault_at < result.paged_at < result.resolved_at


def test_the_resolve_follows_the_heal(drilled: Drilled) -> None:
    result = drilled.result
    assert result.fault_at < result.cleared_at < result.resolved_at


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
