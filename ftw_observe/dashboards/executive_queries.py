"""PromQL of the executive summary: the last 30 days, and the same figures 30 days earlier.

Every query reads a fixed 30-day window ending now, or (`previous=True`) the 30 days before
it through `offset 30d`, so a figure and its previous-month twin differ only by that offset.
"""

from __future__ import annotations

from ftw_observe.rules import names

MONTH = "30d"
PREVIOUS = f" offset {MONTH}"
MONTH_MINUTES = 30 * 24 * 60
# The recorded 5-minute counts, summed every 5 minutes: consecutive windows, none counted twice.
BLOCK = "5m"
BLOCK_MINUTES = 5
# Outages whose page-level alerts clear and fire again within this step count as one. A month
# of 2-minute steps (21,600) stays within VictoriaMetrics' default 30,000 points per series.
EDGE_STEP = "2m"
PAGE_ALERTS = 'ALERTS{alertstate="firing",severity=~"page|critical"}'
# Always firing while the alert rules are evaluated: proof that "no incident" means none.
WATCHDOG = 'ALERTS{alertstate="firing",alertname="FTWObserveWatchdog"}'
LATENCY_BUCKETS = 'http_request_duration_seconds_bucket{job="marketplace"}'


def _shift(previous: bool) -> str:
    return PREVIOUS if previous else ""


def _per_slo(template: str) -> str:
    """Return a recorded 5-minute count summed over every instance of each SLO."""
    return f"sum by (service, slo) ({names.windowed(template, 300)})"


def availability(*, previous: bool = False) -> str:
    """Return each SLO's share of good events over the 30 days, all instances together."""
    shift = _shift(previous)
    errors = f"sum_over_time({_per_slo(names.ERRORS)}[{MONTH}:{BLOCK}]{shift})"
    events = f"sum_over_time({_per_slo(names.EVENTS)}[{MONTH}:{BLOCK}]{shift})"
    return f"1 - {errors} / ({events} > 0)"


def downtime_minutes(*, previous: bool = False) -> str:
    """Return each SLO's downtime in minutes: every 5 minutes weighted by its share of bad events.

    A 5-minute block with 2 % of its events bad counts 0.1 minutes, one with all bad counts 5,
    one without events counts nothing: (1 - SLI) x minutes, over the minutes that had traffic.
    """
    ratio = f"{_per_slo(names.ERRORS)} / ({_per_slo(names.EVENTS)} > 0)"
    return f"{BLOCK_MINUTES} * sum_over_time(({ratio})[{MONTH}:{BLOCK}]{_shift(previous)})"


def incidents(*, previous: bool = False) -> str:
    """Return how many times a service went from no page-level alert firing to one.

    That is the engine's unit of a page: all page-level alerts of a service are one incident
    while any of them fires. The count is 0 rather than nothing only when the always-firing
    watchdog shows the alert rules were evaluated in the window.
    """
    shift = _shift(previous)
    now = f"max by (service) ({PAGE_ALERTS})"
    before = f"max by (service) ({PAGE_ALERTS} offset {EDGE_STEP})"
    edges = f"sum(sum_over_time(({now} unless {before})[{MONTH}:{EDGE_STEP}]{shift}))"
    evaluated = f"0 * max(max_over_time({WATCHDOG}[{MONTH}]{shift}))"
    return f"{edges} or {evaluated}"


def p95_latency(*, previous: bool = False) -> str:
    """Return the API's 95th percentile request duration over the 30 days' histogram."""
    increase = f"increase({LATENCY_BUCKETS}[{MONTH}]{_shift(previous)})"
    return f"histogram_quantile(0.95, sum by (le) ({increase}))"


def budget_left(*, previous: bool = False) -> str:
    """Return each SLO's error budget left now, or 30 days ago: its lowest instance."""
    return f"min by (service, slo) ({names.BUDGET_REMAINING}{_shift(previous)})"
