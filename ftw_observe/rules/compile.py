"""Compile a service spec into Prometheus rule groups: one group per SLO."""

from __future__ import annotations

from typing import Any

from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules.alerting import alerting_rules
from ftw_observe.rules.recording import recording_rules
from ftw_observe.rules.sloth import sloth_labels, sloth_rules
from ftw_observe.spec.model import ServiceSpec, SLOSpec


def group_name(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return the rule group name of an SLO."""
    return f"ftw-slo-{service.service}-{slo.name}"


def compile_slo(
    service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig | None = None
) -> dict[str, Any]:
    """Return one SLO's rule group: recording rules, then the alerts that read them.

    Rules in a group run in order at one evaluation time, so each alert sees the ratios
    recorded a moment before it, never a cycle old.
    """
    rules = recording_rules(service, slo)
    alerts = alerting_rules(service, slo, deploy)
    if service.compat.sloth:
        rules.extend(sloth_rules(service, slo))
        for alert in alerts:
            alert["labels"].update(sloth_labels(service, slo))
            if "tier" in alert["labels"]:
                alert["labels"]["sloth_severity"] = alert["labels"]["severity"]
    return {"name": group_name(service, slo), "rules": rules + alerts}


def compile_service(service: ServiceSpec, deploy: DeployConfig | None = None) -> dict[str, Any]:
    """Return the rule file document for a service spec; its links point at `deploy`'s URLs."""
    return {"groups": [compile_slo(service, slo, deploy) for slo in service.slos]}
