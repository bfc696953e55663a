"""Build the dashboards of a spec set: file name → dashboard JSON.

The SLO overview, SLO detail, executive summary and FTW Observe health dashboards read only
the recorded SLO series and FTW Observe's own metrics, so every spec set gets them. The
marketplace, business and infrastructure dashboards read one deployment's own metrics: each
is built only when a spec file lists it under `dashboards` (docs/slo-spec.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftw_observe.dashboards import (
    business,
    executive,
    health,
    infrastructure,
    marketplace,
    slo_detail,
    slo_overview,
)
from ftw_observe.dashboards.layout import Plan, assemble
from ftw_observe.rules.thresholds import threshold_alerts
from ftw_observe.spec.model import ServiceSpec


def listed(specs: Sequence[ServiceSpec]) -> set[str]:
    """Return the names of the deployment's own dashboards some spec lists."""
    return {name for spec in specs for name in spec.dashboards}


def plans(specs: Sequence[ServiceSpec]) -> list[Plan]:
    """Return the plan of every dashboard of the spec set, in catalogue order."""
    own = listed(specs)
    # The executive's launch-plan row reads the business and the marketplace's request metrics.
    launch_plan = {"business", "marketplace"} <= own
    found = [slo_overview.build(specs), slo_detail.build(specs)]
    if "marketplace" in own:
        found.append(marketplace.build())
    if "business" in own:
        found.append(business.build())
    if "infrastructure" in own:
        found.append(infrastructure.build(threshold_alerts(specs)))
    found += [executive.build(specs, launch_plan=launch_plan), health.build()]
    return found


def build_dashboards(specs: Sequence[ServiceSpec]) -> dict[str, dict[str, Any]]:
    """Return every dashboard as `<uid>.json` → JSON data, in catalogue order."""
    return {f"{plan.uid}.json": assemble(plan) for plan in plans(specs)}
