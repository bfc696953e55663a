"""Sloth-compatible series, so Grafana dashboards built for Sloth (14348, 14643) work unchanged."""

from __future__ import annotations

from typing import Any

from ftw_observe.burnrate import WINDOWS, promql_number
from ftw_observe.durations import format_duration
from ftw_observe.rules import names
from ftw_observe.rules.identity import identity_selector
from ftw_observe.spec.model import ServiceSpec, SLOSpec

Rule = dict[str, Any]


def sloth_labels(service: ServiceSpec, slo: SLOSpec) -> dict[str, str]:
    """Return Sloth's identity labels for an SLO."""
    return {
        "sloth_id": f"{service.service}-{slo.name}",
        "sloth_service": service.service,
        "sloth_slo": slo.name,
    }


def sloth_rules(service: ServiceSpec, slo: SLOSpec) -> list[Rule]:
    """Return Sloth's SLI and metadata series, copied from FTW Observe's own."""
    of = identity_selector(service, slo)
    labels = sloth_labels(service, slo)
    period = format_duration(slo.period)
    rules: list[Rule] = []
    for seconds in WINDOWS:
        window = format_duration(seconds)
        rules.append(
            {
                "record": f"slo:sli_error:ratio_rate{window}",
                "expr": f"{names.windowed(names.ERROR_RATIO, seconds)}{of}",
                "labels": {**labels, "sloth_window": window},
            }
        )
    copies = [
        (f"slo:sli_error:ratio_rate{period}", names.PERIOD_ERROR_RATIO, {"sloth_window": period}),
        ("slo:objective:ratio", names.OBJECTIVE, {}),
        ("slo:error_budget:ratio", names.ERROR_BUDGET, {}),
        ("slo:time_period:days", names.PERIOD_DAYS, {}),
        ("slo:current_burn_rate:ratio", names.CURRENT_BURN_RATE, {}),
        ("slo:period_burn_rate:ratio", names.PERIOD_BURN_RATE, {}),
        ("slo:period_error_budget_remaining:ratio", names.BUDGET_REMAINING, {}),
    ]
    for record, source, extra in copies:
        rules.append({"record": record, "expr": f"{source}{of}", "labels": {**labels, **extra}})
    info = {
        **labels,
        "sloth_mode": "cli-gen-prom",
        "sloth_spec": "prometheus/v1",
        "sloth_version": "ftw-observe",
        "sloth_objective": promql_number(slo.objective_ratio * 100),
    }
    rules.append({"record": "sloth_slo_info", "expr": "vector(1)", "labels": info})
    return rules
