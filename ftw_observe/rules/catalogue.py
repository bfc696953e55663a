"""Every alert the engine can raise or receive, as the label sets its rules give them.

The catalogue is what a silence is judged against: one that matches every entry would mute
every page and ticket of every SLO, threshold and self-monitoring rule (see
`ftw_observe.matching.coverage`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ftw_observe.rules import names, thresholds
from ftw_observe.rules.alerting import alerting_rules
from ftw_observe.rules.self_monitoring import (
    SelfMonitoringJobs,
    self_alerts,
    self_monitoring_labels,
)
from ftw_observe.spec.model import ServiceSpec

AlertLabels = Mapping[str, str]


def series_value(label: str) -> str:
    """Return the stand-in for a label whose value comes from the series, as a rule writes it.

    Such a value is unknown until the alert fires (a route, a job); the template stands for
    "some non-empty value", which `.+` matches and `=marketplace` does not.
    """
    return f"{{{{ $labels.{label} }}}}"


def slo_alerts(service: ServiceSpec) -> list[dict[str, str]]:
    """Return the label sets of every alert of a service's SLOs: tiers, missing data, budget."""
    found = []
    for slo in service.slos:
        group = {label: series_value(label) for label in slo.group_by}
        for rule in alerting_rules(service, slo):
            found.append({"alertname": str(rule["alert"]), **group, **rule["labels"]})
    return found


def threshold_alerts(specs: Sequence[ServiceSpec]) -> list[dict[str, str]]:
    """Return the label sets of every level of every threshold alert of the specs."""
    return [
        {"alertname": alert.name, **thresholds.threshold_labels(alert, level)}
        for alert in thresholds.threshold_alerts(specs)
        for level in alert.levels
    ]


def self_monitoring_alerts() -> list[dict[str, str]]:
    """Return the label sets of the self-monitoring alerts that reach a person.

    The watchdog is left out: it always fires and never notifies anyone, so a silence that
    spares only the watchdog still mutes every page.
    """
    return [
        {"alertname": alert.name, **self_monitoring_labels(alert)}
        for alert in self_alerts(SelfMonitoringJobs())
        if alert.severity != "none"
    ]


def alert_catalogue(specs: Iterable[ServiceSpec]) -> tuple[dict[str, str], ...]:
    """Return every distinct alert label set the specs, the rules and the engine give.

    >>> catalogue = alert_catalogue([])  # no specs: self-monitoring and the engine's own
    >>> len(catalogue)
    11
    >>> {"alertname": "FTWObservePrometheusUnreachable", "service": "ftw-observe",
    ...  "severity": "critical", "tier": "meta"} in catalogue
    True
    """
    specs = list(specs)
    found: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    entries = [label_set for service in specs for label_set in slo_alerts(service)]
    entries += threshold_alerts(specs)
    entries += self_monitoring_alerts()
    entries.append(dict(names.META_ALERT_LABELS))
    entries.append(dict(names.WATCHDOG_MISSING_LABELS))
    for labels in entries:
        found.setdefault(tuple(sorted(labels.items())), labels)
    return tuple(found.values())
