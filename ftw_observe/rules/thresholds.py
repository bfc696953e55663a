"""Threshold alert rules, built from the `thresholds` of the spec files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ftw_observe.spec.model import ServiceSpec
from ftw_observe.spec.thresholds import Comparison, Level, Unit

_HUMANIZE = {"ratio": "humanizePercentage", "seconds": "humanizeDuration"}


@dataclass(frozen=True)
class ThresholdAlert:
    """A threshold alert of a spec, its group and service label resolved against its file."""

    name: str
    group: str
    service: str
    expr: str
    comparison: Comparison
    unit: Unit
    levels: tuple[Level, ...]
    subject: str
    description: str
    runbook: str | None = None
    dashboard: str | None = None


def threshold_alerts(specs: Iterable[ServiceSpec]) -> tuple[ThresholdAlert, ...]:
    """Return every threshold alert of the specs, in file order then spec order."""
    return tuple(
        ThresholdAlert(
            name=alert.name,
            group=alert.group or alert.service or spec.service,
            service=alert.service or spec.service,
            expr=alert.expr,
            comparison=alert.comparison,
            unit=alert.unit,
            levels=tuple(alert.levels),
            subject=alert.subject,
            description=alert.description,
            runbook=alert.runbook,
            dashboard=alert.dashboard,
        )
        for spec in specs
        for alert in spec.thresholds
    )


def threshold_rule_groups(
    alerts: Sequence[ThresholdAlert],
    *,
    runbook_url: str,
    dashboard_url: str | None,
    panel_ids: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Return the Prometheus rule groups of threshold alerts; no dashboard link if None."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        rules = groups.setdefault(alert.group, [])
        for level in alert.levels:
            rules.append(_rule(alert, level, runbook_url, dashboard_url, panel_ids or {}))
    return [{"name": f"ftw-thresholds-{name}", "rules": rules} for name, rules in groups.items()]


def threshold_labels(alert: ThresholdAlert, level: Level) -> dict[str, str]:
    """Return the labels the rule of one alert at one level sets (besides its alertname)."""
    return {"severity": level.severity, "service": alert.service}


def kebab(name: str) -> str:
    """Return an alert name in lower-kebab form, the anchor of its runbook section."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _rule(
    alert: ThresholdAlert,
    level: Level,
    runbook_url: str,
    dashboard_url: str | None,
    panel_ids: Mapping[str, int],
) -> dict[str, Any]:
    """Build one alerting rule of an alert at one level."""
    anchor = kebab(alert.name)
    separator = "\n" if "\n" in alert.expr else " "
    annotations = {
        "summary": _summary(alert, level),
        "description": alert.description,
        "runbook_url": alert.runbook or runbook_url.format(alert=anchor),
    }
    if alert.dashboard is not None:
        annotations["dashboard_url"] = alert.dashboard
    elif dashboard_url is not None:
        panel = panel_ids.get(anchor, "")
        annotations["dashboard_url"] = dashboard_url.format(alert=anchor, panel=panel)
    return {
        "alert": alert.name,
        "expr": f"{alert.expr}{separator}{alert.comparison} {level.threshold}",
        "for": level.for_,
        "labels": threshold_labels(alert, level),
        "annotations": annotations,
    }


def _summary(alert: ThresholdAlert, level: Level) -> str:
    """Return the one-line summary: the value humanized, against the level's threshold."""
    if alert.unit == "state":
        return f"{alert.subject} for at least {level.for_}"
    value = f"{{{{ $value | {_HUMANIZE[alert.unit]} }}}}"
    direction = "above" if alert.comparison == ">" else "below"
    return f"{alert.subject} is {value} ({direction} {_human(level.threshold, alert.unit)})"


def _human(threshold: Decimal, unit: Unit) -> str:
    """Write a threshold the way its humanized value reads: 0.02 as 2%, 1 as 1s."""
    if unit == "ratio":
        return f"{(threshold * 100).normalize():f}%"
    return f"{threshold.normalize():f}s"
