"""Compile a service spec into Prometheus rule groups: two groups per SLO."""

from __future__ import annotations

from typing import Any

from ftw_observe.deploy.model import DeployConfig
from ftw_observe.durations import format_duration
from ftw_observe.rules import names
from ftw_observe.rules.alerting import alerting_rules
from ftw_observe.rules.recording import BUDGET_INTERVAL, budget_rules, recording_rules
from ftw_observe.rules.sloth import sloth_labels, sloth_rules
from ftw_observe.spec.model import ServiceSpec, SLOSpec

# What the rule files of SLOs say about themselves, under their generated-file header.
SLO_RULES_NOTE = """\
Windows over 1h and the period add up this file's own recorded counts of shorter windows,
read at whole offsets (6h = 2h + 2h offset 2h + 2h offset 4h). A part from before these rules
were loaded was never recorded: until the rules are as old as a window, the window holds only
the hours since, and ftw_slo:coverage:window<w> (ftw_slo:period:coverage) says how much of it
has data. `ftw-observe backfill` records the parts over the days before."""


def group_name(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return the name of an SLO's main rule group."""
    return f"ftw-slo-{service.service}-{slo.name}"


def budget_group_name(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return the name of an SLO's budget rule group."""
    return f"{group_name(service, slo)}-budget"


def compile_slo(
    service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig | None = None
) -> list[dict[str, Any]]:
    """Return one SLO's rule groups: its main group, then its budget group.

    Rules in a group run in order at one evaluation time, so each alert sees the ratios
    recorded a moment before it, never a cycle old. The burn alerts are in the main group,
    beside the windows they read; the budget-exhausted alert is in the budget group.
    """
    alerts = alerting_rules(service, slo, deploy)
    budget = budget_rules(service, slo)
    if service.compat.sloth:
        budget.extend(sloth_rules(service, slo))
        for alert in alerts:
            alert["labels"].update(sloth_labels(service, slo))
            if "tier" in alert["labels"]:
                alert["labels"]["sloth_severity"] = alert["labels"]["severity"]
    exhausted = [alert for alert in alerts if alert["alert"] == names.EXHAUSTED_ALERT]
    burning = [alert for alert in alerts if alert["alert"] != names.EXHAUSTED_ALERT]
    return [
        {"name": group_name(service, slo), "rules": recording_rules(service, slo) + burning},
        {
            "name": budget_group_name(service, slo),
            "interval": format_duration(BUDGET_INTERVAL),
            "rules": budget + exhausted,
        },
    ]


def compile_service(service: ServiceSpec, deploy: DeployConfig | None = None) -> dict[str, Any]:
    """Return the rule file document for a service spec; its links point at `deploy`'s URLs."""
    return {
        "groups": [group for slo in service.slos for group in compile_slo(service, slo, deploy)]
    }
