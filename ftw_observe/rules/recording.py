"""Recording rules of one SLO: counts, ratios and burn rates per window, and metadata."""

from __future__ import annotations

from typing import Any

from ftw_observe.burnrate import WINDOWS, promql_number
from ftw_observe.durations import format_duration
from ftw_observe.rules import names
from ftw_observe.rules.sli import window_queries
from ftw_observe.spec.model import ServiceSpec, SLOSpec

# Step of the subquery that sums 5-minute counts over the period: equal to the count's window,
# so every event is counted once and a quiet interval adds 0/0 to nothing.
PERIOD_STEP = 300

Rule = dict[str, Any]


def identity_labels(service: ServiceSpec, slo: SLOSpec) -> dict[str, str]:
    """Return the labels every series and alert of an SLO carries."""
    return {
        "service": service.service,
        "slo": slo.name,
        "team": service.team,
        **service.labels,
        **slo.labels,
    }


def identity_selector(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return the matchers that select one SLO's recorded series."""
    return f'{{service="{service.service}",slo="{slo.name}"}}'


def _record(name: str, expr: str, labels: dict[str, str]) -> Rule:
    return {"record": name, "expr": expr, "labels": dict(labels)}


def burn_expression(slo: SLOSpec, seconds: int, of: str) -> str:
    """Return an SLO's burn rate over one window, from the window's first recorded series.

    Alerts read this rather than the recorded burn rate, which is two records further down
    the chain: a ruler that sees a record only from its next evaluation on (vmalert, writing
    through remote write) would lag one evaluation per level. The value is the same.
    """
    budget = promql_number(slo.error_budget)
    if window_queries(slo, format_duration(seconds)).ratio is not None:
        return f"{names.windowed(names.ERROR_RATIO, seconds)}{of} / {budget}"
    errors = names.windowed(names.ERRORS, seconds)
    events = names.windowed(names.EVENTS, seconds)
    return f"{errors}{of} / ({events}{of} > 0) / {budget}"


def recording_rules(service: ServiceSpec, slo: SLOSpec) -> list[Rule]:
    """Return the recording rules of one SLO, in evaluation order."""
    labels = identity_labels(service, slo)
    of = identity_selector(service, slo)
    budget = promql_number(slo.error_budget)
    rules: list[Rule] = []
    raw_ratio = slo.sli.raw is not None and slo.sli.raw.error_ratio is not None
    for seconds in WINDOWS:
        window = format_duration(seconds)
        queries = window_queries(slo, window)
        ratio_name = names.windowed(names.ERROR_RATIO, seconds)
        if queries.ratio is not None:
            rules.append(_record(ratio_name, queries.ratio, labels))
        else:
            assert queries.errors is not None
            assert queries.events is not None
            errors = names.windowed(names.ERRORS, seconds)
            events = names.windowed(names.EVENTS, seconds)
            rules.append(_record(errors, queries.errors, labels))
            rules.append(_record(events, queries.events, labels))
            rules.append(_record(ratio_name, f"{errors}{of} / ({events}{of} > 0)", labels))
        burn = f"{ratio_name}{of} / {budget}"
        rules.append(_record(names.windowed(names.BURN_RATE, seconds), burn, labels))
    rules.extend(_period_rules(slo, of, labels, raw_ratio))
    rules.extend(_metadata_rules(slo, of, labels))
    return rules


def coverage_expression(slo: SLOSpec, series: str, of: str) -> str:
    """Return the share of an SLO's period that has data: its 5-minute steps with a sample.

    A quiet step still records a count of 0 and is covered; a step without any sample (no
    scrape, no Prometheus, before the SLO existed) is not. The subquery's steps include both
    ends of the period, one more than it holds: the clamp keeps a full period at 1.
    """
    span = f"[{format_duration(slo.period)}:{format_duration(PERIOD_STEP)}]"
    steps = slo.period // PERIOD_STEP
    return f"clamp_max(count_over_time({series}{of}{span}) / {steps}, 1)"


def _period_rules(slo: SLOSpec, of: str, labels: dict[str, str], raw_ratio: bool) -> list[Rule]:
    span = f"[{format_duration(slo.period)}:{format_duration(PERIOD_STEP)}]"
    if raw_ratio:
        ratio = names.windowed(names.ERROR_RATIO, PERIOD_STEP)
        return [
            _record(names.PERIOD_ERROR_RATIO, f"avg_over_time({ratio}{of}{span})", labels),
            _record(names.PERIOD_COVERAGE, coverage_expression(slo, ratio, of), labels),
        ]
    errors = names.windowed(names.ERRORS, PERIOD_STEP)
    events = names.windowed(names.EVENTS, PERIOD_STEP)
    return [
        _record(names.PERIOD_ERRORS, f"sum_over_time({errors}{of}{span})", labels),
        _record(names.PERIOD_EVENTS, f"sum_over_time({events}{of}{span})", labels),
        _record(
            names.PERIOD_ERROR_RATIO,
            f"{names.PERIOD_ERRORS}{of} / ({names.PERIOD_EVENTS}{of} > 0)",
            labels,
        ),
        _record(names.PERIOD_COVERAGE, coverage_expression(slo, events, of), labels),
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
        _record(names.OBJECTIVE, f"vector({promql_number(slo.objective_ratio)})", labels),
        _record(names.ERROR_BUDGET, f"vector({budget})", labels),
        _record(names.PERIOD_DAYS, f"vector({slo.period_days})", labels),
        _record(
            names.CURRENT_BURN_RATE, f"{names.windowed(names.BURN_RATE, WINDOWS[0])}{of}", labels
        ),
        _record(names.PERIOD_BURN_RATE, f"{names.PERIOD_ERROR_RATIO}{of} / {budget}", labels),
        _record(names.BUDGET_REMAINING, f"1 - {names.PERIOD_BURN_RATE}{of}", labels),
        _record(names.INFO, "vector(1)", info),
    ]
