"""Recording rules of one SLO: counts, ratios and burn rates per window, the period, metadata.

An SLO has two groups. Its main group records every burn-rate window and raises the burn
alerts, at the global evaluation interval: windows up to an hour count the raw counters, longer
ones add up recorded parts (see `ftw_observe.rules.windows`). Its budget group records what
moves slowly or not at all (coverage, the period, the budget, metadata) every minute.
"""

from __future__ import annotations

from ftw_observe.burnrate import RAW_WINDOWS, WINDOWS, promql_number
from ftw_observe.durations import format_duration
from ftw_observe.rules import names
from ftw_observe.rules.identity import Rule, identity_labels, identity_selector, record
from ftw_observe.rules.sli import window_queries
from ftw_observe.rules.windows import coverage_rules, period_counts, raw_ratio, window_counts
from ftw_observe.spec.model import ServiceSpec, SLOSpec

BUDGET_INTERVAL = 60  # seconds between evaluations of an SLO's budget group


def burn_expression(slo: SLOSpec, seconds: int, of: str) -> str:
    """Return an SLO's burn rate over one window, from the window's first recorded series.

    Alerts read this rather than the recorded burn rate, which is two records further down
    the chain: a ruler that sees a record only from its next evaluation on (vmalert, writing
    through remote write) would lag one evaluation per level. The value is the same.
    """
    budget = promql_number(slo.error_budget)
    if raw_ratio(slo):
        return f"{names.windowed(names.ERROR_RATIO, seconds)}{of} / {budget}"
    errors = names.windowed(names.ERRORS, seconds)
    events = names.windowed(names.EVENTS, seconds)
    return f"{errors}{of} / ({events}{of} > 0) / {budget}"


def _raw_window(slo: SLOSpec, seconds: int, of: str, labels: dict[str, str]) -> list[Rule]:
    window = format_duration(seconds)
    ratio = names.windowed(names.ERROR_RATIO, seconds)
    events = names.windowed(names.EVENTS, seconds)
    queries = window_queries(slo, window, f"{events}{of}")
    if queries.ratio is not None:
        return [record(ratio, queries.ratio, labels)]
    assert queries.errors is not None
    assert queries.events is not None
    errors = names.windowed(names.ERRORS, seconds)
    return [
        record(events, queries.events, labels),
        record(errors, queries.errors, labels),
        record(ratio, f"{errors}{of} / ({events}{of} > 0)", labels),
    ]


def recording_rules(service: ServiceSpec, slo: SLOSpec) -> list[Rule]:
    """Return the recording rules of an SLO's main group, in evaluation order."""
    labels = identity_labels(service, slo)
    of = identity_selector(service, slo)
    budget = promql_number(slo.error_budget)
    rules: list[Rule] = []
    for seconds in WINDOWS:
        if seconds in RAW_WINDOWS:
            rules.extend(_raw_window(slo, seconds, of, labels))
        else:
            rules.extend(window_counts(slo, seconds, of, labels))
        burn = f"{names.windowed(names.ERROR_RATIO, seconds)}{of} / {budget}"
        rules.append(record(names.windowed(names.BURN_RATE, seconds), burn, labels))
    return rules


def budget_rules(service: ServiceSpec, slo: SLOSpec) -> list[Rule]:
    """Return the recording rules of an SLO's budget group, in evaluation order."""
    labels = identity_labels(service, slo)
    of = identity_selector(service, slo)
    return [
        *coverage_rules(slo, of, labels),
        *period_counts(slo, of, labels),
        *_metadata_rules(slo, of, labels),
    ]


def _metadata_rules(slo: SLOSpec, of: str, labels: dict[str, str]) -> list[Rule]:
    budget = promql_number(slo.error_budget)
    info = {
        **labels,
        "objective": promql_number(slo.objective_ratio * 100),
        "period": format_duration(slo.period),
        "sli": next(k for k in ("ratio", "latency", "raw") if getattr(slo.sli, k) is not None),
    }
    return [
        record(names.OBJECTIVE, f"vector({promql_number(slo.objective_ratio)})", labels),
        record(names.ERROR_BUDGET, f"vector({budget})", labels),
        record(names.PERIOD_DAYS, f"vector({slo.period_days})", labels),
        record(
            names.CURRENT_BURN_RATE, f"{names.windowed(names.BURN_RATE, WINDOWS[0])}{of}", labels
        ),
        record(names.PERIOD_BURN_RATE, f"{names.PERIOD_ERROR_RATIO}{of} / {budget}", labels),
        record(names.BUDGET_REMAINING, f"1 - {names.PERIOD_BURN_RATE}{of}", labels),
        record(names.INFO, "vector(1)", info),
    ]
