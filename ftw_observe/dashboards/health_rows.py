"""Rows of the self-monitoring dashboard on the way out: outbox, deliveries and the chain.

The chain is Alertmanager's webhook, the watchdog, the heartbeats, and the Prometheus and
Alertmanager that carry the alerts.
"""

from __future__ import annotations

from ftw_observe.dashboards.health_queries import (
    ALERTMANAGER_JOB,
    ANY,
    ENGINE_JOB,
    OLDEST_PENDING,
    OUTBOX_STUCK_SECONDS,
    PROMETHEUS_JOB,
    RATE,
    UP,
    WATCHDOG_AGE,
    WATCHDOG_LATE_SECONDS,
    WATCHDOG_TIMEOUT_SECONDS,
    or_none,
    watched_by,
)
from ftw_observe.dashboards.layout import Row
from ftw_observe.dashboards.panels import Query, Style, above, timeseries_panel


def deliveries_row() -> Row:
    """Return the outbox and delivery row."""
    latency = (
        "histogram_quantile(0.95, sum by (receiver, le) "
        f"(rate(ftw_observe_notification_latency_seconds_bucket{RATE})))"
    )
    return Row(
        "Outbox and deliveries",
        (
            timeseries_panel(
                "Outbox depth",
                "Notifications waiting for delivery (highest report of any replica); "
                "healthy is 0 between incidents and drains within seconds after one. "
                f"{watched_by('FTWObserveOutboxStuck')}",
                "none",
                [Query("max(ftw_observe_outbox_pending)", "pending")],
                style=Style(width=6, height=7, decimals=0),
            ),
            timeseries_panel(
                "Oldest pending notification age",
                "Age of the oldest notification waiting for delivery, 0 when none waits; "
                f"healthy is a few seconds. Red line at {OUTBOX_STUCK_SECONDS:g} s, where the "
                f"alert fires. {watched_by('FTWObserveOutboxStuck')}",
                "s",
                [Query(OLDEST_PENDING, "oldest pending")],
                above(OUTBOX_STUCK_SECONDS / 2, OUTBOX_STUCK_SECONDS),
                Style(width=6, height=7),
            ),
            timeseries_panel(
                "Deliveries by receiver and outcome",
                "Delivery attempts per second by receiver and outcome; healthy is delivered "
                "only. retry is a temporary failure that will be tried again, rejected a "
                'permanent one (the notification is lost). One series "none" at 0 until '
                f"the first delivery. {watched_by('FTWObserveDeliveriesRejected')}",
                "cps",
                [
                    Query(
                        or_none(
                            "sum by (receiver, outcome) "
                            f"(rate(ftw_observe_notifications_total{RATE}))",
                            "receiver",
                        ),
                        "{{receiver}} {{outcome}}",
                    )
                ],
                style=Style(width=6, height=7),
            ),
            timeseries_panel(
                "Delivery latency p95",
                "95th percentile time from an alert transition to its delivery, by receiver; "
                'healthy is a few seconds. Gaps between deliveries; one series "none" at '
                f"0 until the first delivery. {watched_by('FTWObserveOutboxStuck')}",
                "s",
                [Query(or_none(latency, "receiver"), "{{receiver}}")],
                style=Style(width=6, height=7),
            ),
        ),
    )


def chain_row() -> Row:
    """Return the row of the webhook, the watchdog and the heartbeats."""
    style = Style(width=6, height=7)
    return Row(
        "Webhook, watchdog and heartbeats",
        (
            timeseries_panel(
                "Webhook calls by outcome",
                "Alertmanager's calls of the engine's webhook per second by outcome; healthy "
                "is accepted only (the watchdog alone makes one a minute). unauthorized "
                "points to a token file that differs between the two sides. "
                f"{watched_by('FTWObserveWebhookFailing')}",
                "reqps",
                [
                    Query(
                        f"sum by (outcome) (rate(ftw_observe_webhook_requests_total{RATE}))",
                        "{{outcome}}",
                    )
                ],
                style=style,
            ),
            timeseries_panel(
                "Webhook alerts rejected by reason",
                "Alerts of accepted webhook calls refused on their own (invalid status, "
                "labels, annotations or characters), per second by reason; healthy is 0. "
                "Alertmanager never sends such alerts: a rate here means another sender "
                "posts to the webhook. No alert watches it; the engine logs each one.",
                "cps",
                [
                    Query(
                        f"sum by (reason) (rate(ftw_observe_webhook_alerts_rejected_total{RATE}))",
                        "{{reason}}",
                    )
                ],
                above(ANY),
                style,
            ),
            timeseries_panel(
                "Watchdog age",
                "Time since the always-firing FTWObserveWatchdog last reached any replica "
                "through Prometheus, Alertmanager and the webhook; healthy is under a minute "
                f"and saw-toothed. Red line at {WATCHDOG_TIMEOUT_SECONDS:g} s, the default "
                f"FTW_WATCHDOG_TIMEOUT_SECONDS. {watched_by('FTWObserveWatchdogMissing')}",
                "s",
                [Query(WATCHDOG_AGE, "since the watchdog")],
                above(WATCHDOG_LATE_SECONDS, WATCHDOG_TIMEOUT_SECONDS),
                style,
            ),
            timeseries_panel(
                "Heartbeats by outcome",
                "Pings of the external dead man's switch (FTW_HEARTBEAT_URL) per second, by "
                "outcome: the leader sends one after each cycle that read Prometheus and saw "
                "a recent watchdog. Healthy is sent only, or 0 when no URL is set. failed "
                "means the switch did not answer; it pages on its own when pings stop. One "
                'series "none" at 0 while the counter is absent.',
                "cps",
                [
                    Query(
                        or_none(
                            f"sum by (outcome) (rate(ftw_observe_heartbeats_total{RATE}))",
                            "outcome",
                        ),
                        "{{outcome}}",
                    )
                ],
                style=style,
            ),
        ),
    )


def prometheus_row() -> Row:
    """Return the row of Prometheus and Alertmanager."""
    jobs = "|".join((ENGINE_JOB, ALERTMANAGER_JOB, PROMETHEUS_JOB))
    style = Style(width=6, height=7)
    return Row(
        "Prometheus and Alertmanager",
        (
            timeseries_panel(
                "Targets up",
                "1 while Prometheus scrapes a target of the engine, Alertmanager or "
                "Prometheus itself; healthy is every line at 1. "
                f"{watched_by('FTWObserveEngineDown')} "
                f"{watched_by('FTWObserveAlertmanagerDown')}",
                "none",
                [Query(f'up{{job=~"{jobs}"}}', "{{job}} {{instance}}")],
                UP,
                Style(width=6, height=7, decimals=0),
                stepped=True,
            ),
            timeseries_panel(
                "Rule evaluation failures",
                "Failed rule evaluations per second by rule group; healthy is 0. While a "
                "group fails, its alerts and recorded series are missing. "
                f"{watched_by('FTWObserveRuleEvaluationFailures', 'ticket')}",
                "cps",
                [
                    Query(
                        "sum by (rule_group) "
                        f"(rate(prometheus_rule_evaluation_failures_total{RATE}))",
                        "{{rule_group}}",
                    )
                ],
                above(ANY),
                style,
            ),
            timeseries_panel(
                "Alerts Prometheus failed to send",
                "Alerts Prometheus dropped and errors sending them to Alertmanager, per "
                f"second; healthy is 0. {watched_by('FTWObserveAlertsDropped')}",
                "cps",
                [
                    Query(f"sum(rate(prometheus_notifications_dropped_total{RATE}))", "dropped"),
                    Query(f"sum(rate(prometheus_notifications_errors_total{RATE}))", "errors"),
                ],
                above(ANY),
                style,
            ),
            timeseries_panel(
                "Alertmanager notifications failed",
                "Notifications Alertmanager failed to send per second by integration; "
                "healthy is 0. webhook is the path to the engine, pagerduty and slack the "
                f"direct path of these alerts. {watched_by('FTWObserveWebhookFailing')}",
                "cps",
                [
                    Query(
                        "sum by (integration) "
                        f"(rate(alertmanager_notifications_failed_total{RATE}))",
                        "{{integration}}",
                    )
                ],
                above(ANY),
                style,
            ),
        ),
    )
