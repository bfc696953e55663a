"""The rules Sloth generates for one ratio SLO, in its documented output layout.

Three groups per SLO, as in Sloth's `examples/_gen/getting-started.yml`:
`sloth-slo-sli-recordings-<id>` (the error ratio over each alert window from raw rates, and the
period's ratio as the mean of the 5-minute ratio), `sloth-slo-meta-recordings-<id>` and
`sloth-slo-alerts-<id>` (one page and one ticket multiwindow, multi-burn-rate alert).
"""

from __future__ import annotations

from typing import Any

from ftw_observe.burnrate import promql_number
from ftw_observe.durations import format_duration
from ftw_observe.spec.model import ServiceSpec, SLOSpec

SLI_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
# (severity, ((short, long, factor), (short, long, factor))): Sloth's default alert windows.
ALERTS = (
    ("page", (("5m", "1h", "14.4"), ("30m", "6h", "6"))),
    ("ticket", (("2h", "1d", "3"), ("6h", "3d", "1"))),
)


def sloth_id(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return Sloth's id of an SLO."""
    return f"{service.service}-{slo.name}"


def sloth_selector(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return the matchers Sloth puts on every series it reads back."""
    return (
        f'{{sloth_id="{sloth_id(service, slo)}", sloth_service="{service.service}", '
        f'sloth_slo="{slo.name}"}}'
    )


def sloth_rule_file(service: ServiceSpec, slo: SLOSpec) -> dict[str, Any]:
    """Return the rule file Sloth writes for a ratio SLO (errors over total events)."""
    assert slo.sli.ratio is not None, "ratio SLIs only"
    assert slo.sli.ratio.errors is not None, "ratio SLIs with an errors selector only"
    ident = sloth_id(service, slo)
    of = sloth_selector(service, slo)
    labels = {"sloth_id": ident, "sloth_service": service.service, "sloth_slo": slo.name}
    by = f" by ({', '.join(slo.group_by)})" if slo.group_by else ""
    period = format_duration(slo.period)
    objective = promql_number(slo.objective_ratio)
    budget = promql_number(slo.error_budget)

    sli: list[dict[str, Any]] = [
        {
            "record": f"slo:sli_error:ratio_rate{window}",
            "expr": (
                f"(sum{by}(rate({slo.sli.ratio.errors}[{window}])))\n/\n"
                f"(sum{by}(rate({slo.sli.ratio.total}[{window}])))\n"
            ),
            "labels": {**labels, "sloth_window": window},
        }
        for window in SLI_WINDOWS
    ]
    sli.append(
        {
            "record": f"slo:sli_error:ratio_rate{period}",
            "expr": (
                f"sum_over_time(slo:sli_error:ratio_rate5m{of}[{period}])\n"
                "/ ignoring (sloth_window)\n"
                f"count_over_time(slo:sli_error:ratio_rate5m{of}[{period}])\n"
            ),
            "labels": {"sloth_window": period},
        }
    )
    per_budget = (
        f"/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio{of}\n"
    )
    meta: list[dict[str, Any]] = [
        {"record": "slo:objective:ratio", "expr": f"vector({objective})"},
        {"record": "slo:error_budget:ratio", "expr": f"vector(1-{objective})"},
        {"record": "slo:time_period:days", "expr": f"vector({slo.period_days})"},
        {
            "record": "slo:current_burn_rate:ratio",
            "expr": f"slo:sli_error:ratio_rate5m{of}\n{per_budget}",
        },
        {
            "record": "slo:period_burn_rate:ratio",
            "expr": f"slo:sli_error:ratio_rate{period}{of}\n{per_budget}",
        },
        {
            "record": "slo:period_error_budget_remaining:ratio",
            "expr": f"1 - slo:period_burn_rate:ratio{of}",
        },
    ]
    for rule in meta:
        rule["labels"] = dict(labels)
    meta.append(
        {
            "record": "sloth_slo_info",
            "expr": "vector(1)",
            "labels": {
                **labels,
                "sloth_mode": "cli-gen-prom",
                "sloth_objective": promql_number(slo.objective_ratio * 100),
                "sloth_spec": "prometheus/v1",
                "sloth_version": "v0.16.0",
            },
        }
    )

    def above(window: str, factor: str) -> str:
        return f"(slo:sli_error:ratio_rate{window}{of} > ({factor} * {budget}))"

    alerts = []
    for severity, pairs in ALERTS:
        halves = [
            f"(\n    {above(short, factor)}\n    and ignoring (sloth_window)\n"
            f"    {above(long, factor)}\n)"
            for short, long, factor in pairs
        ]
        alerts.append(
            {
                "alert": f"{service.service}-{slo.name}-burn",
                "expr": "\nor ignoring (sloth_window)\n".join(halves) + "\n",
                "labels": {"severity": severity, "sloth_severity": severity},
                "annotations": {
                    "title": f"({severity}) {{{{$labels.sloth_service}}}} "
                    "{{$labels.sloth_slo}} SLO error budget burn rate is too fast."
                },
            }
        )
    return {
        "groups": [
            {"name": f"sloth-slo-sli-recordings-{ident}", "rules": sli},
            {"name": f"sloth-slo-meta-recordings-{ident}", "rules": meta},
            {"name": f"sloth-slo-alerts-{ident}", "rules": alerts},
        ]
    }
