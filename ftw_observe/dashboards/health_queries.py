"""The self-monitoring dashboard's queries, limits and the sentence naming each alert.

The limits are the alerts': FTWObserveCycleStalled after 3 evaluation intervals,
FTWObserveOutboxStuck above 2 minutes, FTWObserveWatchdogMissing after
FTW_WATCHDOG_TIMEOUT_SECONDS (default 180).
"""

from __future__ import annotations

import re

from ftw_observe.dashboards.panels import Thresholds
from ftw_observe.rules import names, self_monitoring

RATE = "[$__rate_interval]"
RUNBOOK = "docs/runbooks/ftw-observe.md"
ENGINE_JOB = self_monitoring.SelfMonitoringJobs().engine
ALERTMANAGER_JOB = self_monitoring.SelfMonitoringJobs().alertmanager
PROMETHEUS_JOB = self_monitoring.SelfMonitoringJobs().prometheus
STALL_INTERVALS = float(self_monitoring.STALL_INTERVALS)
OUTBOX_STUCK_SECONDS = float(self_monitoring.OUTBOX_STUCK_SECONDS)
WATCHDOG_TIMEOUT_SECONDS = float(names.WATCHDOG_TIMEOUT_SECONDS)
# Alertmanager repeats the watchdog every minute: past 90 s one repeat went missing.
WATCHDOG_LATE_SECONDS = 90.0
ANY = 0.0001
UP = Thresholds("red", ((1.0, "green"),))

INTERVAL = "max(ftw_observe_cycle_interval_seconds)"
# max_over_time keeps the last success across a restart or failover, as the alert does: a
# replica that has not finished its first cycle reports 0.
SUCCESS_AGE = "time() - max(max_over_time(ftw_observe_last_success_timestamp_seconds[1h]))"
WATCHDOG_AGE = "time() - max(ftw_observe_watchdog_last_received_timestamp_seconds)"
OLDEST_PENDING = "max(ftw_observe_outbox_oldest_pending_age_seconds)"
LEADERS = "sum(ftw_observe_leader) or on() vector(0)"


def watched_by(alert: str, severity: str = "page") -> str:
    """Return the sentence naming the alert that watches a panel and its runbook section."""
    anchor = re.sub(r"(?<!^)(?=[A-Z])", "-", alert.removeprefix("FTWObserve")).lower()
    return f"Watched by {alert} ({severity}; runbook {RUNBOOK}#{anchor})."


def or_none(expr: str, label: str) -> str:
    """Return `expr`, or one series at 0 with `label="none"` while its metric is absent."""
    return f'{expr} or on() label_replace(vector(0), "{label}", "none", "", "")'


def up_count(job: str) -> str:
    """Return the number of targets of `job` that answer, 0 when none is scraped."""
    return f'sum(up{{job="{job}"}}) or on() vector(0)'
