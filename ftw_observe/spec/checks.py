"""Checks that relate spec fields to each other, each issue naming the field at fault."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ftw_observe.burnrate import TIER_NAMES, TIERS, display_number
from ftw_observe.durations import format_duration
from ftw_observe.spec.contract import known_buckets
from ftw_observe.spec.issues import Path
from ftw_observe.spec.model import RESERVED_LABELS, LatencySLI, SLOSpec
from ftw_observe.spec.selectors import Selector
from ftw_observe.spec.thresholds import ThresholdSpec

DAY = 86_400
Finding = tuple[Path, str]


def check_slo(slo: SLOSpec) -> Iterator[Finding]:
    """Yield the cross-field problems of one SLO as (field path within the SLO, message)."""
    yield from _check_sli(slo)
    if slo.period % DAY or slo.period < DAY:
        yield (
            ("period",),
            (f"{format_duration(slo.period)} is not a whole number of days (use 7d, 28d, 30d, …)"),
        )
    seen: set[str] = set()
    for i, label in enumerate(slo.group_by):
        if label in RESERVED_LABELS:
            yield ("group_by", i), f"{label!r} is set by FTW Observe; group by another label"
        if label in seen:
            yield ("group_by", i), f"{label!r} is listed twice"
        seen.add(label)
    for label in sorted(set(slo.labels) & seen):
        yield ("labels", label), f"{label!r} is also a group_by label"
    yield from _check_alerting(slo)


def _check_sli(slo: SLOSpec) -> Iterator[Finding]:
    sli, at = slo.sli, ("sli",)
    kinds = [kind for kind in ("ratio", "latency", "raw") if getattr(sli, kind) is not None]
    if len(kinds) != 1:
        yield (
            at,
            "give exactly one of ratio, latency or raw"
            + (f" (found {', '.join(kinds)})" if kinds else ""),
        )
    if sli.ratio is not None and (sli.ratio.errors is None) == (sli.ratio.good is None):
        yield (*at, "ratio"), "give exactly one of errors or good, with total"
    if sli.raw is not None:
        pair = sli.raw.errors is not None and sli.raw.total is not None
        partial = (sli.raw.errors is None) != (sli.raw.total is None)
        if partial or pair == (sli.raw.error_ratio is not None):
            yield (*at, "raw"), "give errors and total together, or error_ratio alone"
        if sli.raw.error_ratio is not None:
            yield from _check_counted_guards(slo)
    if sli.latency is not None:
        yield from _check_latency(sli.latency, (*at, "latency"))


def _check_counted_guards(slo: SLOSpec) -> Iterator[Finding]:
    """Yield the guards a raw error_ratio SLI cannot honour: it counts neither events nor errors."""
    alerting = slo.alerting
    guards: list[tuple[Path, int | None]] = [
        (("alerting", "min_events"), alerting.min_events),
        (("alerting", "min_errors"), alerting.min_errors),
    ]
    guards += [
        (("alerting", "tiers", name, "min_errors"), options.min_errors)
        for name, options in alerting.tiers.items()
    ]
    for path, value in guards:
        if value:
            yield (
                path,
                "a raw error_ratio SLI has no event counts; give raw errors and total instead",
            )


def _check_latency(latency: LatencySLI, at: Path) -> Iterator[Finding]:
    metric = Selector.parse(latency.histogram).metric
    for suffix in ("_bucket", "_count", "_sum"):
        if metric.endswith(suffix):
            yield (
                (*at, "histogram"),
                f"name the histogram without {suffix}: {metric[: -len(suffix)]}",
            )
            return
    buckets = tuple(latency.buckets) if latency.buckets else known_buckets(metric)
    if buckets is None:
        yield (
            (*at, "buckets"),
            (f"{metric} is not a histogram FTW Observe knows: list its bucket boundaries here"),
        )
        return
    if latency.threshold not in buckets:
        listed = ", ".join(f"{b:g}" for b in buckets)
        yield (
            (*at, "threshold"),
            (
                f"{latency.threshold:g} s is not a bucket boundary of {metric} ({listed}); "
                "a threshold between buckets cannot be measured exactly"
            ),
        )


def _check_alerting(slo: SLOSpec) -> Iterator[Finding]:
    at: Path = ("alerting",)
    for name in slo.alerting.tiers:
        if name not in TIER_NAMES:
            yield (*at, "tiers", name), f"unknown tier; the tiers are {', '.join(TIER_NAMES)}"
    if not slo.alerting.enabled:
        return
    budget = slo.error_budget
    for tier in TIERS:
        if not slo.alerting.tier(tier.name).enabled:
            continue
        where = (*at, "tiers", tier.name) if tier.name in slo.alerting.tiers else at
        disable = f"set alerting.tiers.{tier.name}.enabled: false"
        if tier.long > slo.period:
            yield (
                where,
                (
                    f"tier {tier.name} reads a {tier.long_window} window, longer than the "
                    f"{format_duration(slo.period)} period; {disable}"
                ),
            )
        elif not tier.reachable(slo.period, budget):
            factor = display_number(tier.factor(slo.period))
            ratio = display_number(tier.error_ratio_threshold(slo.period, budget) * 100)
            yield (
                where,
                (
                    f"tier {tier.name} can never fire: at objective {slo.objective:g} % it needs "
                    f"an error ratio of {ratio} % ({factor} x the error budget); {disable}"
                ),
            )


def check_thresholds(thresholds: Sequence[ThresholdSpec]) -> Iterator[Finding]:
    """Yield the cross-field problems of a file's threshold alerts, each at its field."""
    seen: dict[str, int] = {}
    for index, alert in enumerate(thresholds):
        at: Path = ("thresholds", index)
        if alert.name in seen:
            yield (
                (*at, "name"),
                f"duplicate alert name {alert.name!r} (also thresholds[{seen[alert.name]}])",
            )
        seen.setdefault(alert.name, index)
        severities = [level.severity for level in alert.levels]
        for position, severity in enumerate(severities):
            if severity in severities[:position]:
                yield (*at, "levels", position, "severity"), f"{severity!r} is listed twice"
        if alert.group is None and alert.service is not None and "{{" in alert.service:
            yield (*at, "group"), "name the rule group: the service comes from the series"
        if (alert.unit == "state") != (alert.comparison == "=="):
            yield (
                (*at, "comparison"),
                "a state (0/1) alert compares with ==, a ratio or seconds alert with > or <",
            )
