"""The self-monitoring dashboard: contract metrics, descriptions and thresholds of the alerts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ftw_observe.dashboards.layout import panels_of

FILE = "ftw-observe-health.json"
ENGINE_METRICS = (
    "ftw_observe_cycle_duration_seconds_bucket",
    "ftw_observe_cycles_total",
    "ftw_observe_last_success_timestamp_seconds",
    "ftw_observe_leader",
    "ftw_observe_notifications_total",
    "ftw_observe_notification_latency_seconds_bucket",
    "ftw_observe_webhook_requests_total",
    "ftw_observe_webhook_alerts_rejected_total",
    "ftw_observe_cycle_interval_seconds",
    "ftw_observe_last_cycle_timestamp_seconds",
    "ftw_observe_outbox_pending",
    "ftw_observe_outbox_oldest_pending_age_seconds",
    "ftw_observe_watchdog_last_received_timestamp_seconds",
    "ftw_observe_heartbeats_total",
)
CHAIN_METRICS = (
    "prometheus_rule_evaluation_failures_total",
    "prometheus_notifications_dropped_total",
    "prometheus_notifications_errors_total",
    "alertmanager_notifications_failed_total",
)
ALERTS = (
    "FTWObserveEngineDown",
    "FTWObserveCycleStalled",
    "FTWObserveNoLeader",
    "FTWObserveOutboxStuck",
    "FTWObserveDeliveriesRejected",
    "FTWObserveWebhookFailing",
    "FTWObserveAlertsDropped",
    "FTWObserveAlertmanagerDown",
    "FTWObserveRuleEvaluationFailures",
    "FTWObserveWatchdogMissing",
)


@pytest.fixture
def dashboard(dashboards: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return the self-monitoring dashboard."""
    return dashboards[FILE]


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in panels_of(dashboard) if panel["type"] != "row"]


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in _panels(dashboard) for target in panel["targets"]]


def _panel(dashboard: dict[str, Any], title: str) -> dict[str, Any]:
    return next(panel for panel in _panels(dashboard) if panel["title"] == title)


def _steps(panel: dict[str, Any]) -> list[tuple[float, str]]:
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return [(step["value"], step["color"]) for step in steps[1:]]


def test_uid_title_and_file(dashboard: dict[str, Any]) -> None:
    assert (dashboard["uid"], dashboard["title"]) == (
        "ftw-observe-health",
        "FTW Observe — self-monitoring",
    )


def test_queries_use_every_engine_metric_of_the_contract(dashboard: dict[str, Any]) -> None:
    text = "\n".join(_exprs(dashboard))
    assert [name for name in ENGINE_METRICS if name not in text] == []


def test_queries_watch_prometheus_and_alertmanager(dashboard: dict[str, Any]) -> None:
    text = "\n".join(_exprs(dashboard))
    assert [name for name in CHAIN_METRICS if name not in text] == []
    assert 'up{job=~"ftw-observe|alertmanager|prometheus"}' in text


def test_every_panel_says_what_healthy_is(dashboard: dict[str, Any]) -> None:
    vague = [p["title"] for p in _panels(dashboard) if "healthy" not in p["description"].lower()]
    assert vague == []


def test_every_alert_is_named_with_its_runbook_section(dashboard: dict[str, Any]) -> None:
    descriptions = " ".join(panel["description"] for panel in _panels(dashboard))
    for alert in ALERTS:
        assert re.search(rf"{alert} \((page|ticket); runbook docs/runbooks/", descriptions), alert


def test_stall_stat_turns_red_at_three_intervals(dashboard: dict[str, Any]) -> None:
    panel = _panel(dashboard, "Intervals since the last success")
    assert _steps(panel) == [(2.0, "orange"), (3.0, "red")]
    assert "ftw_observe_cycle_interval_seconds" in panel["targets"][0]["expr"]


def test_outbox_stat_turns_red_at_the_stuck_limit(dashboard: dict[str, Any]) -> None:
    panel = _panel(dashboard, "Oldest pending notification")
    assert _steps(panel)[-1] == (120.0, "red")


def test_watchdog_stat_turns_red_at_the_default_timeout(dashboard: dict[str, Any]) -> None:
    panel = _panel(dashboard, "Watchdog age")
    assert _steps(panel)[-1] == (180.0, "red")


def test_no_leader_and_no_replica_are_red(dashboard: dict[str, Any]) -> None:
    for title in ("Leaders", "Engine replicas up", "Alertmanager up"):
        panel = _panel(dashboard, title)
        base = panel["fieldConfig"]["defaults"]["thresholds"]["steps"][0]["color"]
        assert (base, _steps(panel)[0]) == ("red", (1.0, "green")), title


def test_stall_limit_line_is_three_intervals(dashboard: dict[str, Any]) -> None:
    panel = _panel(dashboard, "Time since the last cycle")
    limit = next(t for t in panel["targets"] if t["legendFormat"] == "stall limit")
    assert limit["expr"] == "3 * max(ftw_observe_cycle_interval_seconds)"


def test_fallbacks_add_a_series_only_when_nothing_else_answers(dashboard: dict[str, Any]) -> None:
    # A bare `or vector(0)` would add an unlabelled 0 beside every real series.
    fallbacks = [expr for expr in _exprs(dashboard) if "vector(0)" in expr]
    assert fallbacks
    assert [expr for expr in fallbacks if " or on() " not in expr] == []


def test_labelled_counters_that_may_be_absent_fall_back_to_none(
    dashboard: dict[str, Any],
) -> None:
    for metric in ("ftw_observe_notifications_total", "ftw_observe_heartbeats_total"):
        (expr,) = [expr for expr in _exprs(dashboard) if metric in expr]
        assert re.search(r'label_replace\(vector\(0\), "\w+", "none", "", ""\)$', expr), expr
