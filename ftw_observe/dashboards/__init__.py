"""Grafana dashboards generated from the SLO specs with grafana-foundation-sdk.

`build_dashboards(specs)` returns every dashboard as JSON data; `dashboard_outputs(specs)`
returns every file `ftw-observe generate` writes under `dashboards/`.
"""

from __future__ import annotations

from ftw_observe.dashboards.build import build_dashboards
from ftw_observe.dashboards.outputs import dashboard_outputs, is_generated_output

__all__ = ["build_dashboards", "dashboard_outputs", "is_generated_output"]
