"""Build every dashboard from the SLO specs: file name → dashboard JSON."""

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
from ftw_observe.spec.model import ServiceSpec


def plans(specs: Sequence[ServiceSpec]) -> list[Plan]:
    """Return the plan of every dashboard, in catalogue order."""
    return [
        slo_overview.build(specs),
        slo_detail.build(specs),
        marketplace.build(),
        business.build(),
        infrastructure.build(),
        executive.build(specs),
        health.build(),
    ]


def build_dashboards(specs: Sequence[ServiceSpec]) -> dict[str, dict[str, Any]]:
    """Return every dashboard as `<uid>.json` → JSON data, in catalogue order."""
    return {f"{plan.uid}.json": assemble(plan) for plan in plans(specs)}
