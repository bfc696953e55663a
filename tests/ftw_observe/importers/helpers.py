"""Builders of small Sloth and OpenSLO inputs for the importer tests."""

from __future__ import annotations

from typing import Any

import yaml

AVAILABILITY = {
    "events": {
        "error_query": 'sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))',
        "total_query": 'sum(rate(http_requests_total{job="api"}[{{.window}}]))',
    }
}


def sloth_slo(**fields: Any) -> dict[str, Any]:
    """Return a Sloth SLO with defaults for the fields not given."""
    return {
        "name": "availability",
        "objective": 99.9,
        "description": "Requests without a server error.",
        "sli": AVAILABILITY,
        **fields,
    }


def sloth_text(*slos: dict[str, Any], **top: Any) -> str:
    """Return a Sloth prometheus/v1 spec as YAML."""
    doc = {"version": "prometheus/v1", "service": "api", "labels": {"team": "core"}, **top}
    doc["slos"] = list(slos) or [sloth_slo()]
    return yaml.safe_dump(doc, sort_keys=False)


def metric(query: str, kind: str = "Prometheus") -> dict[str, Any]:
    """Return an OpenSLO metric spec reading one query."""
    return {"metricSource": {"type": kind, "spec": {"query": query}}}


def ratio(**roles: str) -> dict[str, Any]:
    """Return an OpenSLO ratioMetric indicator spec from role → query."""
    return {"ratioMetric": {"counter": True, **{role: metric(q) for role, q in roles.items()}}}


def openslo_slo(name: str = "availability", **spec: Any) -> dict[str, Any]:
    """Return an OpenSLO v1 SLO document with defaults for the spec fields not given."""
    indicator = ratio(bad='http_requests_total{code=~"5.."}', total="http_requests_total")
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name, "labels": {"team": ["core"]}},
        "spec": {
            "description": "Requests without a server error.",
            "service": "api",
            "indicator": {"metadata": {"name": "errors"}, "spec": indicator},
            "timeWindow": [{"duration": "28d", "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [{"target": 0.999}],
            **spec,
        },
    }


def openslo_text(*documents: dict[str, Any]) -> str:
    """Return OpenSLO documents as one multi-document YAML file."""
    return yaml.safe_dump_all(list(documents) or [openslo_slo()], sort_keys=False)
