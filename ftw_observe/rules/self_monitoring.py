"""Alerts on FTW Observe itself: the engine, Alertmanager and Prometheus's way to them.

They carry `component="ftw-observe"`, which Alertmanager routes straight to PagerDuty and
Slack (never through the engine), so they arrive while every engine replica is dead. The
watchdog is the exception: it always fires and goes to the engine, which pages when it stops
arriving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ftw_observe.rules import names
from ftw_observe.rules.names import runbook_anchor

Severity = Literal["page", "ticket", "none"]

COMPONENT = "ftw-observe"
SERVICE = "ftw-observe"
GROUP = "ftw-observe-self-monitoring"
WATCHDOG = names.WATCHDOG_ALERT
ALERTMANAGER_DOWN = "FTWObserveAlertmanagerDown"
# The limits of the alerts, which the health dashboard draws as its thresholds.
STALL_INTERVALS = 3
OUTBOX_STUCK_SECONDS = 120
# Raised by the engine itself, not by a rule; their runbook sections live beside the rules'.
ENGINE_RAISED = (names.WATCHDOG_MISSING_ALERT, names.META_ALERT)


@dataclass(frozen=True)
class SelfMonitoringJobs:
    """The scrape job names of the parts the rules watch.

    Usage::

        groups = self_monitoring_rule_groups(
            runbook_url="http://localhost:8080/runbooks/ftw-observe#{alert}",
            jobs=SelfMonitoringJobs(engine="observe"),
        )
    """

    engine: str = "ftw-observe"
    alertmanager: str = "alertmanager"
    prometheus: str = "prometheus"


@dataclass(frozen=True)
class SelfAlert:
    """One self-monitoring alert: its rule and the words it pages with."""

    name: str
    severity: Severity
    expr: str
    for_: str
    summary: str
    description: str


def _down(job: str) -> str:
    """Return an expression that holds when every target of `job` is down or none exists."""
    return f'sum by (job) (up{{job="{job}"}}) == 0 or absent(up{{job="{job}"}})'


def _up_throughout(job: str, window: str) -> str:
    """Return a guard that holds when some target of `job` was up at every step of `window`."""
    return f'min_over_time(sum(up{{job="{job}"}})[{window}:15s]) > 0'


def self_alerts(jobs: SelfMonitoringJobs) -> tuple[SelfAlert, ...]:
    """Return every self-monitoring alert, the watchdog first, for these job names."""
    engine, prom = f'job="{jobs.engine}"', f'job="{jobs.prometheus}"'
    rejected = f'ftw_observe_notifications_total{{{engine},outcome="rejected"}}'
    dropped = f"prometheus_notifications_dropped_total{{{prom}}}"
    errors = f"prometheus_notifications_errors_total{{{prom}}}"
    return (
        SelfAlert(
            name=WATCHDOG,
            severity="none",
            expr="vector(1)",
            for_="0s",
            summary="Always firing: proves alerts flow from Prometheus through Alertmanager "
            "to FTW Observe",
            description="Meant to fire always. Alertmanager sends it to the engine's webhook "
            "every minute; the engine pages FTWObserveWatchdogMissing when it stops arriving. "
            "Never silence or inhibit it.",
        ),
        SelfAlert(
            name="FTWObserveEngineDown",
            severity="page",
            expr=_down(jobs.engine),
            for_="1m",
            summary=f"No FTW Observe engine replica answers Prometheus (job {jobs.engine})",
            description="Every engine target is down or none is scraped: no SLO is evaluated "
            "and no page is delivered through the engine. Check the engine processes, their "
            "logs and /healthz.",
        ),
        SelfAlert(
            name="FTWObserveCycleStalled",
            severity="page",
            # max_over_time remembers the last success across a restart or a failover: a
            # replica that has not finished its first cycle yet reports 0. A restarted engine
            # waits out its lease before its first cycle: FTWObserveEngineDown had that outage.
            expr="(\n  time() - max(max_over_time("
            f"ftw_observe_last_success_timestamp_seconds{{{engine}}}[1h]))\n"
            f"  > {STALL_INTERVALS} * max(ftw_observe_cycle_interval_seconds{{{engine}}})\n)\n"
            f"and on () {_up_throughout(jobs.engine, '2m')}",
            for_="1m",
            summary="FTW Observe has not finished a successful evaluation cycle for "
            "{{ $value | humanizeDuration }} (3 evaluation intervals)",
            description="The engine runs but SLOs are not evaluated: burn-rate alerts cannot "
            "fire. Check the leader's log for failing cycles, "
            "ftw_observe_cycles_total by outcome, and whether Prometheus answers.",
        ),
        SelfAlert(
            name="FTWObserveNoLeader",
            severity="page",
            expr=f"max(ftw_observe_leader{{{engine}}}) < 1",
            for_="1m",
            summary="No FTW Observe replica holds the lease: nothing evaluates or notifies",
            description="Every replica answers but none leads, so no cycle runs and the "
            "outbox is not delivered. Check the lease table in the engine's database, the "
            "replicas' logs (lease check failed) and their clocks.",
        ),
        SelfAlert(
            name="FTWObserveOutboxStuck",
            severity="page",
            expr=f"max(ftw_observe_outbox_oldest_pending_age_seconds{{{engine}}}) "
            f"> {OUTBOX_STUCK_SECONDS}",
            for_="0s",
            summary="The oldest notification in FTW Observe's outbox has waited "
            "{{ $value | humanizeDuration }} (above 2m)",
            description="Pages and tickets are queued but not delivered. Check /api/"
            "notifications, ftw_observe_notifications_total by receiver and outcome, and "
            "whether PagerDuty and Slack answer.",
        ),
        SelfAlert(
            name="FTWObserveDeliveriesRejected",
            severity="page",
            # A replica's first rejection for a receiver creates its series at 1, which
            # increase() cannot see: a series that did not exist 10 minutes ago counts too.
            expr=f"sum by (receiver) (\n  increase({rejected}[10m]) > 0\n  or\n"
            f"  ({rejected} unless {rejected} offset 10m)\n) > 0",
            for_="0s",
            summary="Receiver {{ $labels.receiver }} refuses FTW Observe's notifications "
            '({{ $value | printf "%.0f" }} rejected in the last 10 minutes)',
            description="A receiver answered a delivery with a permanent error, so that "
            "notification is lost. Check /api/notifications for the rejection, the routing "
            "key or bot token, and the channel.",
        ),
        SelfAlert(
            name="FTWObserveWebhookFailing",
            severity="page",
            # While an engine is dead or just restarted, FTWObserveEngineDown is the page: this
            # one is for a link that fails while the engine answers Prometheus.
            expr="sum(increase(alertmanager_notifications_failed_total"
            f'{{job="{jobs.alertmanager}",integration="webhook"}}[3m])) > 0\n'
            f"and on () {_up_throughout(jobs.engine, '5m')}",
            for_="1m",
            summary="Alertmanager fails to post alerts to FTW Observe's webhook "
            '({{ $value | printf "%.0f" }} failed in the last 3 minutes)',
            description="Threshold alerts and the watchdog do not reach the engine. Check "
            "the engine's /healthz, the webhook token file both sides read, and "
            "Alertmanager's log.",
        ),
        SelfAlert(
            name="FTWObserveAlertsDropped",
            severity="page",
            # Failed sends count when they recur minutes apart: a restart of Alertmanager
            # fails a send or two at one moment. An Alertmanager that is gone fails every
            # resend: that is FTWObserveAlertmanagerDown and the engine's watchdog page, and
            # this one would only reach the Alertmanager that is back.
            expr=f"(\n  sum by (instance) (increase({dropped}[5m])) > 0\n  or\n  "
            f"min by (instance) (prometheus_notifications_alertmanagers_discovered{{{prom}}}) < 1"
            f"\n  or\n  (\n    sum by (instance) (increase({errors}[2m])) > 0\n    and\n"
            f"    sum by (instance) (increase({errors}[2m] offset 3m)) > 0\n  )\n)\n"
            f"and on () {_up_throughout(jobs.alertmanager, '5m')}",
            for_="1m",
            summary="Prometheus {{ $labels.instance }} cannot deliver alerts to Alertmanager",
            description="Prometheus dropped alerts, keeps failing to send them, or knows no "
            "Alertmanager: rule alerts, the watchdog included, are lost. Check Prometheus's "
            "/status (Alertmanagers), its log (Error sending alert) and Alertmanager's "
            "/-/ready.",
        ),
        SelfAlert(
            name=ALERTMANAGER_DOWN,
            severity="page",
            expr=_down(jobs.alertmanager),
            for_="1m",
            summary=f"No Alertmanager answers Prometheus (job {jobs.alertmanager})",
            description="Every Alertmanager target is down or none is scraped: rule alerts "
            "go nowhere. With a single Alertmanager this page cannot travel through it; the "
            "engine's FTWObserveWatchdogMissing page covers it.",
        ),
        SelfAlert(
            name="FTWObserveRuleEvaluationFailures",
            severity="ticket",
            expr="sum by (instance, rule_group) (increase("
            f"prometheus_rule_evaluation_failures_total{{{prom}}}[10m])) > 0",
            for_="0s",
            summary="Prometheus rule group {{ $labels.rule_group }} fails its evaluations "
            '({{ $value | printf "%.0f" }} failed in the last 10 minutes)',
            description="Alerts and recorded series of that group are missing while it "
            "fails. Check Prometheus's /rules page for the error and its log.",
        ),
    )


def self_monitoring_labels(alert: SelfAlert) -> dict[str, str]:
    """Return the labels the rule of one alert sets (besides its alertname)."""
    return {"component": COMPONENT, "severity": alert.severity, "service": SERVICE}


def self_monitoring_rule_groups(
    *, runbook_url: str, jobs: SelfMonitoringJobs | None = None
) -> list[dict[str, Any]]:
    """Return the Prometheus rule group of every self-monitoring alert.

    `runbook_url` holds `{alert}`, replaced by the anchor of the alert's section.
    """
    rules = [_rule(alert, runbook_url) for alert in self_alerts(jobs or SelfMonitoringJobs())]
    return [{"name": GROUP, "rules": rules}]


def _rule(alert: SelfAlert, runbook_url: str) -> dict[str, Any]:
    """Build the alerting rule of one alert."""
    return {
        "alert": alert.name,
        "expr": alert.expr,
        "for": alert.for_,
        "labels": self_monitoring_labels(alert),
        "annotations": {
            "summary": alert.summary,
            "description": alert.description,
            "runbook_url": runbook_url.format(alert=runbook_anchor(alert.name)),
        },
    }
