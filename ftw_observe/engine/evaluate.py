"""Turn recorded SLO series, read at one pinned time, into evaluations and alert conditions.

The engine reads the series the generated rules record (`ftw_slo:*`) with one query per cycle:
errors and events of every window come from the same instant, so the SLI never exceeds 1 and
every instance of a grouped SLO is read, not just the first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ftw_observe import budget
from ftw_observe.burnrate import TIERS, WINDOWS, Tier
from ftw_observe.durations import format_duration
from ftw_observe.model import Evaluation, InstanceKey, WindowBurn
from ftw_observe.prometheus import Sample
from ftw_observe.rules import names
from ftw_observe.spec.model import ServiceSpec, SLOSpec

PERIOD = "period"
EXHAUSTION_WINDOW = "1h"  # the burn rate time to exhaustion is projected from
_SERIES = names.recorded_counts(WINDOWS)  # series name → (kind, window)
_RATIOS = [name for name, (kind, _) in _SERIES.items() if kind == "error_ratio"]
_COUNTED = [name for name in _SERIES if name not in _RATIOS]
_WINDOW_NAMES = (*(format_duration(w) for w in WINDOWS), PERIOD)  # in evaluations' order


@dataclass(frozen=True)
class Target:
    """An SLO the engine evaluates, with the spec of its service."""

    service: ServiceSpec
    slo: SLOSpec


def targets(specs: Iterable[ServiceSpec]) -> list[Target]:
    """Return every SLO of the given specs, in spec order."""
    return [Target(service, slo) for service in specs for slo in service.slos]


def series_query(targets_: Sequence[Target]) -> str:
    """Return the one query that reads what these SLOs' instances are evaluated from.

    Counts and coverage for every SLO; error ratios only for raw SLIs, which record no counts
    (where counts exist, the ratio is theirs and would be a third of the read for nothing).
    """
    services = sorted({t.service.service for t in targets_})
    query = f'{{__name__=~"{_pattern(_COUNTED)}",service=~"{_pattern(services)}"}}'
    raw: dict[str, list[str]] = defaultdict(list)
    for target in targets_:
        if target.slo.sli.raw is not None:
            raw[target.service.service].append(target.slo.name)
    for service, slos in sorted(raw.items()):
        query += (
            f' or {{__name__=~"{_pattern(_RATIOS)}",service="{service}",slo=~"{_pattern(slos)}"}}'
        )
    return query


def _pattern(values: Iterable[str]) -> str:
    """Return a regex of these exact values, spelled for a double-quoted PromQL string."""
    escaped = "|".join(re.escape(value) for value in sorted(set(values)))
    return escaped.replace("\\", "\\\\")


@dataclass
class _Readings:
    errors: dict[str, float]
    events: dict[str, float]
    ratios: dict[str, float]
    coverage: dict[str, float]


# Where each kind of recorded series goes in an instance's readings.
_FIELDS = {"errors": "errors", "events": "events", "error_ratio": "ratios", "coverage": "coverage"}


def _group(target: Target, labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, labels.get(name, "")) for name in target.slo.group_by)


def collect(targets_: Sequence[Target], samples: Iterable[Sample]) -> dict[InstanceKey, _Readings]:
    """Sort samples into per-instance readings, keyed by window."""
    wanted = {(t.service.service, t.slo.name): t for t in targets_}
    readings: dict[InstanceKey, _Readings] = defaultdict(lambda: _Readings({}, {}, {}, {}))
    for sample in samples:
        labels = sample.labels
        target = wanted.get((labels.get("service", ""), labels.get("slo", "")))
        series = _SERIES.get(labels.get("__name__", ""))
        if target is None or series is None:
            continue
        kind, window = series
        key = InstanceKey(target.service.service, target.slo.name, _group(target, labels))
        getattr(readings[key], _FIELDS[kind])[window] = sample.value
    return dict(readings)


def _burn(window: str, readings: _Readings, error_budget: float) -> WindowBurn:
    errors, events = readings.errors.get(window), readings.events.get(window)
    if errors is not None and events is not None:
        ratio = budget.Counts(errors, events).error_ratio
    else:
        ratio = readings.ratios.get(window)
    burn = None if ratio is None else (ratio / error_budget if error_budget else None)
    coverage = readings.coverage.get(window)
    if coverage is not None:
        coverage = min(max(coverage, 0.0), 1.0)
    return WindowBurn(window, errors, events, ratio, burn, coverage)


def tier_condition(target: Target, tier: Tier, windows: dict[str, WindowBurn]) -> bool:
    """Tell whether a tier's burn-rate condition holds: the same test the generated rule makes."""
    factor = float(tier.factor(target.slo.period))
    long, short = windows.get(tier.long_window), windows.get(tier.short_window)
    if long is None or short is None or long.burn_rate is None or short.burn_rate is None:
        return False
    if not (long.burn_rate > factor and short.burn_rate > factor):
        return False
    min_events = target.slo.alerting.min_events
    if min_events and (long.events is None or long.events < min_events):
        return False
    min_errors = target.slo.min_errors(tier.name)
    return not min_errors or (long.errors is not None and long.errors >= min_errors)


def enabled_tiers(target: Target) -> list[Tier]:
    """Return the tiers the SLO alerts on."""
    if not target.slo.alerting.enabled:
        return []
    return [tier for tier in TIERS if target.slo.alerting.tier(tier.name).enabled]


def evaluate_instance(
    target: Target, key: InstanceKey, readings: _Readings, at: datetime
) -> tuple[Evaluation, dict[str, bool]]:
    """Return an instance's evaluation and, per enabled tier, whether its condition holds."""
    slo = target.slo
    error_budget = float(slo.error_budget)
    windows = {name: _burn(name, readings, error_budget) for name in _WINDOW_NAMES}
    conditions = {
        tier.name: tier_condition(target, tier, windows) for tier in enabled_tiers(target)
    }
    period = windows[PERIOD]
    counts = (
        budget.Counts(period.errors, period.events)
        if period.errors is not None and period.events is not None
        else None
    )
    remaining = None if period.burn_rate is None else 1.0 - period.burn_rate
    if counts is not None:
        remaining = budget.remaining_fraction(counts, slo.objective_ratio)
    coverage = period.coverage
    evaluation = Evaluation(
        key=key,
        evaluated_at=at,
        status=budget.status(
            readable=True,
            period=counts,
            remaining=remaining,
            alerting=any(conditions.values()),
            measured_seconds=None if coverage is None else coverage * slo.period,
        ),
        objective=slo.objective,
        period_seconds=slo.period,
        sli=None if period.error_ratio is None else 1.0 - period.error_ratio,
        errors=period.errors,
        events=period.events,
        remaining=remaining,
        remaining_minutes=None
        if remaining is None
        else budget.outage_minutes(remaining, slo.objective_ratio, slo.period),
        seconds_to_exhaustion=budget.seconds_to_exhaustion(
            remaining, windows[EXHAUSTION_WINDOW].burn_rate, slo.period
        ),
        windows=tuple(windows.values()),
        detail="" if period.error_ratio is not None else "no events in the period yet",
        coverage=coverage,
    )
    return evaluation, conditions


def no_data(target: Target, at: datetime, detail: str) -> Evaluation:
    """Return the evaluation of an SLO none of whose series could be found."""
    slo = target.slo
    return Evaluation(
        key=InstanceKey(target.service.service, slo.name),
        evaluated_at=at,
        status=budget.Status.NO_DATA,
        objective=slo.objective,
        period_seconds=slo.period,
        sli=None,
        errors=None,
        events=None,
        remaining=None,
        remaining_minutes=None,
        seconds_to_exhaustion=None,
        detail=detail,
    )


def unknown(previous: Evaluation, at: datetime, detail: str) -> Evaluation:
    """Return the last known figures of an instance, marked unknown: never a stale "ok"."""
    return replace(previous, evaluated_at=at, status=budget.Status.UNKNOWN, detail=detail)
