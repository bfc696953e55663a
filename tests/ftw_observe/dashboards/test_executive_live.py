"""The executive queries against a real Prometheus holding two months of known history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ftw_observe.dashboards import executive_queries as x
from tests.support.executive_history import (
    DAY,
    EVENTS_PER_STEP,
    History,
    executive_answers,
    history_prometheus,
)

SLO = ("marketplace", "api-availability")
STEPS_IN_30_DAYS = 30 * DAY // 300 + 1  # both ends of the window hold a sample
INSTANCES = 2  # routes a and b of api-availability


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    with history_prometheus(Path(tmp_path_factory.mktemp("executive"))) as served:
        yield served


def _value(history: History, promql: str, **kwargs: int) -> float:
    (only,) = history.query(promql, **kwargs)
    return float(only["value"][1])


def _per_slo(history: History, promql: str) -> dict[tuple[str, str], float]:
    return {
        (item["metric"]["service"], item["metric"]["slo"]): float(item["value"][1])
        for item in history.query(promql)
    }


def test_an_outage_firing_two_tiers_and_a_threshold_is_one_incident(history):
    assert _value(history, x.incidents()) == 2  # the marketplace outage and a payments page


def test_a_page_that_fires_again_after_it_cleared_is_another_incident(history):
    assert _value(history, x.incidents(previous=True)) == 2


def test_a_month_without_pages_counts_zero_incidents(history):
    assert _value(history, x.incidents(), ago=46 * DAY) == 0


def test_a_month_before_any_history_has_no_incident_count(history):
    assert history.query(x.incidents(previous=True), ago=59 * DAY) == []


def test_downtime_weights_each_5_minutes_by_its_share_of_bad_events(history):
    # 30 minutes with a quarter of the events bad; the month before 10 minutes with half.
    assert _per_slo(history, x.downtime_minutes())[SLO] == pytest.approx(7.5)
    assert _per_slo(history, x.downtime_minutes(previous=True))[SLO] == pytest.approx(5.0)


def test_a_clean_slo_has_no_downtime(history):
    assert _per_slo(history, x.downtime_minutes())["marketplace", "bid-response"] == 0


def test_availability_counts_every_instance_of_the_month(history):
    events = STEPS_IN_30_DAYS * EVENTS_PER_STEP * INSTANCES
    assert _per_slo(history, x.availability())[SLO] == pytest.approx(1 - 3000 / events)
    assert _per_slo(history, x.availability(previous=True))[SLO] == pytest.approx(1 - 2000 / events)


def test_p95_comes_from_the_month_histogram(history):
    assert _value(history, x.p95_latency()) == pytest.approx(0.175)
    assert _value(history, x.p95_latency(previous=True)) == pytest.approx(0.725)


def test_budget_left_is_the_lowest_instance_now_and_30_days_ago(history):
    assert _per_slo(history, x.budget_left())[SLO] == pytest.approx(0.6)
    assert _per_slo(history, x.budget_left(previous=True))[SLO] == pytest.approx(0.8)


def test_every_executive_query_answers_over_two_months_of_history(history):
    unanswered = [title for title, _, value in executive_answers(history) if value == "no data"]
    assert unanswered == []
