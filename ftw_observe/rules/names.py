"""Names of the series the compiler records: one uniform set for every SLO.

Every series carries the identity labels `service`, `slo` and `team` (plus the SLO's
`group_by` labels), so one dashboard or one engine query serves every SLO.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ftw_observe.burnrate import EXACT_SPAN
from ftw_observe.durations import format_duration
from ftw_observe.model import AlertKey, InstanceKey

ERRORS = "ftw_slo:errors:increase{window}"
EVENTS = "ftw_slo:events:increase{window}"
ERROR_RATIO = "ftw_slo:error_ratio:rate{window}"
BURN_RATE = "ftw_slo:burn_rate:rate{window}"

# The share of a window (1h and longer) that has data: recorded or backfilled, scraped.
COVERAGE = "ftw_slo:coverage:window{window}"

PERIOD_ERRORS = "ftw_slo:errors:period"
PERIOD_EVENTS = "ftw_slo:events:period"
PERIOD_ERROR_RATIO = "ftw_slo:error_ratio:period"
PERIOD_COVERAGE = "ftw_slo:period:coverage"

OBJECTIVE = "ftw_slo:objective:ratio"
ERROR_BUDGET = "ftw_slo:error_budget:ratio"
PERIOD_DAYS = "ftw_slo:period:days"
CURRENT_BURN_RATE = "ftw_slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "ftw_slo:period_burn_rate:ratio"
BUDGET_REMAINING = "ftw_slo:error_budget_remaining:ratio"
INFO = "ftw_slo_info"

BURN_ALERT = "SLOErrorBudgetBurn"
ABSENT_ALERT = "SLOMetricAbsent"
EXHAUSTED_ALERT = "SLOErrorBudgetExhausted"

# The engine raises these itself (no rule): it cannot read Prometheus, or Alertmanager's
# watchdog stopped reaching it. Prometheus down trips both: they share one incident.
META_ALERT = "FTWObservePrometheusUnreachable"
META_ALERT_LABELS = {
    "alertname": META_ALERT,
    "service": "ftw-observe",
    "severity": "critical",
    "tier": "meta",
}
META_KEY = AlertKey(InstanceKey("ftw-observe", "prometheus"), "meta")
WATCHDOG_MISSING_ALERT = "FTWObserveWatchdogMissing"
WATCHDOG_MISSING_LABELS = {
    "alertname": WATCHDOG_MISSING_ALERT,
    "service": "ftw-observe",
    "severity": "page",
    "tier": "meta",
}
WATCHDOG_MISSING_KEY = AlertKey(InstanceKey("ftw-observe", "watchdog"), "meta")
# Always firing in Prometheus, sent by Alertmanager to the engine's webhook every minute: its
# arrival proves the Prometheus → Alertmanager → engine chain works. Never routed to people.
WATCHDOG_ALERT = "FTWObserveWatchdog"
# FTW_WATCHDOG_TIMEOUT_SECONDS by default: two repeats of the watchdog may go missing.
WATCHDOG_TIMEOUT_SECONDS = 180
# The runbook of the alerts about FTW Observe itself, one section per alert.
ENGINE_RUNBOOK = "http://localhost:8080/runbooks/ftw-observe#{anchor}"
SELF_PREFIX = "FTWObserve"


def runbook_anchor(alertname: str) -> str:
    """Return the anchor of an alert's runbook section: `FTWObserveNoLeader` → `no-leader`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", alertname.removeprefix(SELF_PREFIX)).lower()


def engine_runbook(alertname: str) -> str:
    """Return the runbook link of an alert about FTW Observe itself.

    >>> engine_runbook("FTWObserveWatchdogMissing")
    'http://localhost:8080/runbooks/ftw-observe#watchdog-missing'
    """
    return ENGINE_RUNBOOK.format(anchor=runbook_anchor(alertname))


def windowed(template: str, seconds: int) -> str:
    """Return a per-window series name: `windowed(ERRORS, 300)` → `ftw_slo:errors:increase5m`."""
    return template.format(window=format_duration(seconds))


def recorded_counts(windows: Iterable[int]) -> dict[str, tuple[str, str]]:
    """Map each recorded count and ratio series to (kind, window), the period's included.

    The coverage of the period and of each long window (the share of it that has data) is
    read with them.

    >>> recorded_counts([300])["ftw_slo:events:increase5m"]
    ('events', '5m')
    """
    found = {}
    for kind, template in (("errors", ERRORS), ("events", EVENTS), ("error_ratio", ERROR_RATIO)):
        for seconds in windows:
            found[windowed(template, seconds)] = (kind, format_duration(seconds))
    for seconds in windows:
        if seconds >= EXACT_SPAN:
            found[windowed(COVERAGE, seconds)] = ("coverage", format_duration(seconds))
    found[PERIOD_ERRORS] = ("errors", "period")
    found[PERIOD_EVENTS] = ("events", "period")
    found[PERIOD_ERROR_RATIO] = ("error_ratio", "period")
    found[PERIOD_COVERAGE] = ("coverage", "period")
    return found
