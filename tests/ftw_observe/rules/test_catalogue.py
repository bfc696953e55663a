"""The alert catalogue: every label set the specs, the threshold rules and the engine give."""

from __future__ import annotations

import doctest
from pathlib import Path

from ftw_observe.rules import catalogue as catalogue_module
from ftw_observe.rules.catalogue import alert_catalogue
from ftw_observe.rules.thresholds import threshold_alerts
from ftw_observe.spec.load import load_specs

REPO = Path(__file__).resolve().parents[3]
SPECS = [item.spec for item in load_specs([REPO / "slo"])]
ALERTS = threshold_alerts(SPECS)


def names(slo: str) -> list[tuple[str, str]]:
    return sorted(
        (labels["alertname"], labels.get("tier", labels["severity"]))
        for labels in alert_catalogue(SPECS)
        if labels.get("slo") == slo
    )


def test_an_slo_brings_its_enabled_tiers_its_missing_data_and_its_budget_alert():
    assert names("api-availability") == [
        ("SLOErrorBudgetBurn", "page-1h"),
        ("SLOErrorBudgetBurn", "page-6h"),
        ("SLOErrorBudgetBurn", "ticket-1d"),
        ("SLOErrorBudgetBurn", "ticket-3d"),
        ("SLOErrorBudgetExhausted", "ticket"),
        ("SLOMetricAbsent", "ticket"),
    ]
    assert ("SLOErrorBudgetBurn", "page-1h") not in names("api-latency-p50")  # disabled


def test_burn_alerts_carry_the_labels_their_rules_set():
    page = next(
        labels
        for labels in alert_catalogue(SPECS)
        if labels.get("slo") == "api-availability" and labels.get("tier") == "page-1h"
    )

    assert page == {
        "alertname": "SLOErrorBudgetBurn",
        "service": "marketplace",
        "slo": "api-availability",
        "team": "marketplace",
        "severity": "page",
        "tier": "page-1h",
        "long_window": "1h",
        "short_window": "5m",
    }


def test_group_labels_stand_for_some_value_of_the_series():
    grouped = [
        labels for labels in alert_catalogue(SPECS) if labels.get("slo") == "api-latency-p95"
    ]

    assert grouped
    assert {labels["route"] for labels in grouped} == {"{{ $labels.route }}"}


def test_every_threshold_level_and_the_engine_meta_alert_are_in_it():
    found = alert_catalogue(SPECS)
    thresholds = {(labels["alertname"], labels["severity"]) for labels in found}

    for alert in ALERTS:
        for level in alert.levels:
            assert (alert.name, level.severity) in thresholds
    assert {
        "alertname": "FTWObservePrometheusUnreachable",
        "service": "ftw-observe",
        "severity": "critical",
        "tier": "meta",
    } in found


def test_each_label_set_appears_once():
    found = alert_catalogue([*SPECS, *SPECS])

    assert len(found) == len({tuple(sorted(labels.items())) for labels in found})
    assert len(found) == len(alert_catalogue(SPECS))


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(catalogue_module).failed == 0


def test_the_self_monitoring_pages_and_ticket_are_in_it_but_not_the_watchdog():
    found = alert_catalogue(SPECS)
    own = {
        labels["alertname"]: labels["severity"]
        for labels in found
        if labels.get("component") == "ftw-observe"
    }

    assert own == {
        "FTWObserveEngineDown": "page",
        "FTWObserveCycleStalled": "page",
        "FTWObserveNoLeader": "page",
        "FTWObserveOutboxStuck": "page",
        "FTWObserveDeliveriesRejected": "page",
        "FTWObserveWebhookFailing": "page",
        "FTWObserveAlertsDropped": "page",
        "FTWObserveAlertmanagerDown": "page",
        "FTWObserveRuleEvaluationFailures": "ticket",
    }
    assert {
        "alertname": "FTWObserveEngineDown",
        "component": "ftw-observe",
        "severity": "page",
        "service": "ftw-observe",
    } in found
