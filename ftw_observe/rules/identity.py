"""The labels every series and alert of an SLO carries, and the rule dictionaries they go in."""

from __future__ import annotations

from typing import Any

from ftw_observe.spec.model import ServiceSpec, SLOSpec

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


def record(name: str, expr: str, labels: dict[str, str]) -> Rule:
    """Return a recording rule."""
    return {"record": name, "expr": expr, "labels": dict(labels)}
