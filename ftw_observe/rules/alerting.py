"""Alerting rules of one SLO: a rule per burn-rate tier, missing data, budget exhausted."""

from __future__ import annotations

from typing import Any

from ftw_observe.burnrate import TIERS, Tier, display_number, promql_number
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.durations import format_duration
from ftw_observe.rules import annotations as notes
from ftw_observe.rules import names
from ftw_observe.rules.identity import identity_labels, identity_selector
from ftw_observe.rules.recording import burn_expression
from ftw_observe.rules.sli import presence_selectors
from ftw_observe.spec.model import ServiceSpec, SLOSpec

Rule = dict[str, Any]


def _alert(
    name: str, expr: str, for_: int, labels: dict[str, str], annotations: dict[str, str]
) -> Rule:
    rule: Rule = {"alert": name, "expr": expr}
    if for_:
        rule["for"] = format_duration(for_)
    rule["labels"] = labels
    rule["annotations"] = annotations
    return rule


def burn_rate_alert(service: ServiceSpec, slo: SLOSpec, tier: Tier, deploy: DeployConfig) -> Rule:
    """Return the alerting rule of one burn-rate tier."""
    options = slo.alerting.tier(tier.name)
    of = identity_selector(service, slo)
    factor = tier.factor(slo.period)
    threshold = promql_number(factor)
    long_burn = burn_expression(slo, tier.long, of)
    short_burn = burn_expression(slo, tier.short, of)
    expr = f"{long_burn} > {threshold} and {short_burn} > {threshold}"
    # Both guards read the long window: it holds the evidence, while the short window only
    # tells whether the burn is still going on.
    if slo.alerting.min_events:
        events = names.windowed(names.EVENTS, tier.long)
        expr += f" and {events}{of} >= {slo.alerting.min_events}"
    min_errors = slo.min_errors(tier.name)
    if min_errors:
        errors = names.windowed(names.ERRORS, tier.long)
        expr += f" and {errors}{of} >= {min_errors}"
    share = display_number(tier.budget_share * 100)
    period = format_duration(slo.period)
    ratio = display_number(tier.error_ratio_threshold(slo.period, slo.error_budget) * 100)
    labels = {
        "severity": options.severity or tier.severity,
        "tier": tier.name,
        "long_window": tier.long_window,
        "short_window": tier.short_window,
        **slo.alerting.labels,
        **options.labels,
    }
    annotations = {
        "summary": (
            f"{service.service} {slo.name}{notes.instance_text(slo)}: error budget burning "
            f'{{{{ $value | printf "%.1f" }}}}x too fast over {tier.long_window} '
            f"(threshold {display_number(factor)}x)"
        ),
        "description": (
            f"{slo.description.strip()} Objective {slo.objective:g} % over {period}. "
            f"Both the {tier.long_window} and {tier.short_window} error ratios are above "
            f"{ratio} %: at this rate {share} % of the {period} error budget burns within "
            f"{tier.long_window}."
        ),
        "burn_rate": '{{ $value | printf "%.2f" }}',
        "burn_rate_short": notes.burn_rate(service, slo, tier.short_window),
        "burn_rate_threshold": display_number(factor),
        "remaining_budget": notes.remaining_budget(service, slo),
        "time_to_exhaustion": notes.time_to_exhaustion(service, slo, tier.long_window),
        **notes.slo_links(service, slo, deploy, tier.name),
        **slo.alerting.annotations,
    }
    return _alert(names.BURN_ALERT, expr, options.for_, labels, annotations)


def absent_alerts(service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig) -> list[Rule]:
    """Return one missing-data alert per selector the SLI cannot be measured without."""
    options = slo.alerting.missing_data
    rules = []
    for selector in presence_selectors(slo):
        metric = selector.split("{", 1)[0]
        labels = {"severity": options.severity, "metric": metric, **slo.alerting.labels}
        annotations = {
            "summary": f"{service.service} {slo.name}: no samples of {metric}",
            "description": (
                f"Prometheus has no series matching {selector} for "
                f"{format_duration(options.for_)}, so the SLO cannot be measured and its burn-rate "
                "alerts cannot fire. Check that the target is scraped (`up`) and still exports "
                "the metric."
            ),
            **notes.slo_links(service, slo, deploy),
        }
        rules.append(
            _alert(names.ABSENT_ALERT, f"absent({selector})", options.for_, labels, annotations)
        )
    return rules


def exhausted_alert(service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig) -> Rule:
    """Return the alert that fires when the period's error budget is spent."""
    options = slo.alerting.budget_exhausted
    of = identity_selector(service, slo)
    expr = f"{names.BUDGET_REMAINING}{of} <= 0"
    if slo.alerting.min_events and slo.sli.raw is None:
        expr += f" and {names.PERIOD_EVENTS}{of} >= {slo.alerting.min_events}"
    period = format_duration(slo.period)
    labels = {"severity": options.severity, **slo.alerting.labels}
    annotations = {
        "summary": (
            f"{service.service} {slo.name}{notes.instance_text(slo)}: the {period} error budget "
            "is spent ({{ $value | humanizePercentage }} left)"
        ),
        "description": (
            f"{slo.description.strip()} Errors over the last {period} exceed the "
            f"{promql_number(slo.error_budget * 100)} % the {slo.objective:g} % objective allows. "
            "Prioritise reliability work until the budget recovers."
        ),
        **notes.slo_links(service, slo, deploy),
    }
    return _alert(names.EXHAUSTED_ALERT, expr, options.for_, labels, annotations)


def alerting_rules(
    service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig | None = None
) -> list[Rule]:
    """Return every alerting rule of one SLO, fastest tier first, each naming its SLO.

    Their links point at `deploy`'s engine and Grafana (its defaults if None).
    """
    if not slo.alerting.enabled:
        return []
    deploy = deploy or DeployConfig()
    rules = [
        burn_rate_alert(service, slo, t, deploy) for t in TIERS if slo.alerting.tier(t.name).enabled
    ]
    if slo.alerting.missing_data.enabled:
        rules.extend(absent_alerts(service, slo, deploy))
    if slo.alerting.budget_exhausted.enabled:
        rules.append(exhausted_alert(service, slo, deploy))
    for rule in rules:
        rule["labels"] = {**identity_labels(service, slo), **rule["labels"]}
    return rules
