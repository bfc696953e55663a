"""Self-monitoring: is FTW Observe itself able to evaluate SLOs and page someone?

One row of stats coloured like the alerts that watch them, then the engine's cycles, its
leadership, the outbox and deliveries, Alertmanager's webhook with the watchdog and
heartbeats, and the Prometheus and Alertmanager on the way. Every panel names the alert that
watches it and that alert's runbook section in `docs/runbooks/ftw-observe.md`.

Labelled counters appear only once a label set was used (no delivery yet, no heartbeat yet):
those queries fall back to one series at 0 labelled "none", so the panel says so plainly.
"""

from __future__ import annotations

from ftw_observe.dashboards.health_queries import (
    ALERTMANAGER_JOB,
    ENGINE_JOB,
    INTERVAL,
    LEADERS,
    OLDEST_PENDING,
    OUTBOX_STUCK_SECONDS,
    RATE,
    STALL_INTERVALS,
    SUCCESS_AGE,
    UP,
    WATCHDOG_AGE,
    WATCHDOG_LATE_SECONDS,
    WATCHDOG_TIMEOUT_SECONDS,
    up_count,
    watched_by,
)
from ftw_observe.dashboards.health_rows import chain_row, deliveries_row, prometheus_row
from ftw_observe.dashboards.layout import Plan, Row
from ftw_observe.dashboards.panels import (
    Query,
    Style,
    Thresholds,
    above,
    stat_panel,
    timeseries_panel,
)

UID = "ftw-observe-health"


def _glance() -> Row:
    style, count = Style(width=4, height=5), Style(width=4, height=5, decimals=0)
    return Row(
        "At a glance",
        (
            stat_panel(
                "Engine replicas up",
                "Engine replicas Prometheus scrapes successfully; healthy is every replica "
                f"you run (at least 1). {watched_by('FTWObserveEngineDown')}",
                "none",
                [Query(up_count(ENGINE_JOB), "replicas up")],
                UP,
                count,
            ),
            stat_panel(
                "Leaders",
                "Replicas that hold the lease and evaluate; healthy is exactly 1 (0 means "
                "nothing evaluates or delivers, 2 is a brief overlap during a failover). "
                f"{watched_by('FTWObserveNoLeader')}",
                "none",
                [Query(LEADERS, "leaders")],
                Thresholds("red", ((1.0, "green"), (2.0, "orange"))),
                count,
            ),
            stat_panel(
                "Intervals since the last success",
                "Time since the last successful evaluation cycle, in evaluation intervals "
                "(ftw_observe_cycle_interval_seconds); healthy is below 1. Red from "
                f"{STALL_INTERVALS:g}, where the alert fires. "
                f"{watched_by('FTWObserveCycleStalled')}",
                "none",
                [Query(f"({SUCCESS_AGE}) / {INTERVAL}", "intervals")],
                above(STALL_INTERVALS - 1, STALL_INTERVALS),
                Style(width=4, height=5, decimals=1),
            ),
            stat_panel(
                "Oldest pending notification",
                "How long the oldest notification in the outbox has waited for delivery, 0 "
                f"when the outbox is empty; healthy is a few seconds. Red above "
                f"{OUTBOX_STUCK_SECONDS:g} s. {watched_by('FTWObserveOutboxStuck')}",
                "s",
                [Query(OLDEST_PENDING, "oldest pending")],
                above(OUTBOX_STUCK_SECONDS / 2, OUTBOX_STUCK_SECONDS),
                style,
            ),
            stat_panel(
                "Watchdog age",
                "Time since Alertmanager's always-firing FTWObserveWatchdog last reached any "
                "replica; healthy is under a minute (Alertmanager repeats it every minute). "
                "Decades mean it never arrived. Red from "
                f"{WATCHDOG_TIMEOUT_SECONDS:g} s, the default FTW_WATCHDOG_TIMEOUT_SECONDS. "
                f"{watched_by('FTWObserveWatchdogMissing')}",
                "s",
                [Query(WATCHDOG_AGE, "since the watchdog")],
                above(WATCHDOG_LATE_SECONDS, WATCHDOG_TIMEOUT_SECONDS),
                style,
            ),
            stat_panel(
                "Alertmanager up",
                "Alertmanager instances Prometheus scrapes successfully; healthy is at least "
                f"1. {watched_by('FTWObserveAlertmanagerDown')}",
                "none",
                [Query(up_count(ALERTMANAGER_JOB), "alertmanagers up")],
                UP,
                count,
            ),
        ),
    )


def _cycles() -> Row:
    bucket = f"sum by (le) (rate(ftw_observe_cycle_duration_seconds_bucket{RATE}))"
    style = Style(width=8, height=7)
    return Row(
        "Evaluation cycles",
        (
            timeseries_panel(
                "Cycle duration",
                "Median and 95th percentile time to evaluate every SLO once, against the "
                "evaluation interval; healthy is well below the interval. A cycle longer "
                "than the interval delays the next one. "
                f"{watched_by('FTWObserveCycleStalled')}",
                "s",
                [
                    Query(f"histogram_quantile(0.5, {bucket})", "p50"),
                    Query(f"histogram_quantile(0.95, {bucket})", "p95"),
                    Query(INTERVAL, "evaluation interval"),
                ],
                style=style,
            ),
            timeseries_panel(
                "Time since the last cycle",
                "Time since the last successful cycle against the stall limit of "
                f"{STALL_INTERVALS:g} evaluation intervals, and since the last cycle of any "
                "outcome; healthy is both below one interval. A growing success age with "
                "a flat cycle age means cycles run but fail. "
                f"{watched_by('FTWObserveCycleStalled')}",
                "s",
                [
                    Query(SUCCESS_AGE, "since the last success"),
                    Query(
                        "time() - max(ftw_observe_last_cycle_timestamp_seconds)", "since any cycle"
                    ),
                    Query(f"{STALL_INTERVALS:g} * {INTERVAL}", "stall limit"),
                ],
                style=style,
            ),
            timeseries_panel(
                "Cycles by outcome",
                "Evaluation cycles per second by outcome; healthy is only success, one per "
                "interval. prometheus_error means Prometheus did not answer (the engine "
                "pages FTWObservePrometheusUnreachable), error a failure of the engine or "
                f"its database. {watched_by('FTWObserveCycleStalled')}",
                "cps",
                [Query(f"sum by (outcome) (rate(ftw_observe_cycles_total{RATE}))", "{{outcome}}")],
                style=style,
            ),
        ),
    )


def _leadership() -> Row:
    return Row(
        "Leadership",
        (
            timeseries_panel(
                "Leader by replica",
                "1 for the replica that holds the lease and evaluates, 0 on standby; healthy "
                "is one replica at 1. A change of replica is a failover. "
                f"{watched_by('FTWObserveNoLeader')}",
                "none",
                [Query("max by (instance) (ftw_observe_leader)", "{{instance}}")],
                style=Style(width=12, height=7, decimals=0),
                stepped=True,
            ),
            timeseries_panel(
                "Leaders and replicas",
                "Replicas that lead against replicas that answer Prometheus; healthy is 1 "
                "leader and every replica up. "
                f"{watched_by('FTWObserveNoLeader')} {watched_by('FTWObserveEngineDown')}",
                "none",
                [Query(LEADERS, "leaders"), Query(up_count(ENGINE_JOB), "replicas up")],
                UP,
                Style(width=12, height=7, decimals=0),
                stepped=True,
            ),
        ),
    )


def build() -> Plan:
    """Return the self-monitoring dashboard."""
    return Plan(
        uid=UID,
        title="FTW Observe — self-monitoring",
        description="Whether FTW Observe can evaluate SLOs and page: engine replicas, cycles, "
        "leadership, outbox and deliveries, Alertmanager's webhook, the watchdog, heartbeats, "
        "and the Prometheus and Alertmanager on the way.",
        rows=(_glance(), _cycles(), _leadership(), deliveries_row(), chain_row(), prometheus_row()),
        time_from="now-1h",
    )
