"""The grafana-foundation-sdk modules the dashboards use, imported once and quietly.

The SDK's classic dashboard model warns on import that `dashboardv2` is preferred. We emit
the classic JSON on purpose: Grafana file provisioning, Grafana's dashboard JSON schema and
grafana/dashboard-linter all read it. Silencing exactly that
warning here means `ftw-observe` users never see it.
"""

from __future__ import annotations

import warnings

__all__ = [
    "JSONEncoder",
    "bargauge",
    "builders",
    "common",
    "common_builders",
    "gauge",
    "models",
    "prometheus",
    "prometheus_models",
    "stat",
    "table",
    "timeseries",
]

DEPRECATION_MESSAGE = "Prefer using dashboardv2.Dashboard instead"

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=DEPRECATION_MESSAGE, category=DeprecationWarning)
    from grafana_foundation_sdk.builders import bargauge, gauge, prometheus, stat, table, timeseries
    from grafana_foundation_sdk.builders import common as common_builders
    from grafana_foundation_sdk.builders import dashboard as builders
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as models
    from grafana_foundation_sdk.models import prometheus as prometheus_models

# Panel and query kinds must be registered before `models.Dashboard.from_json` can decode
# panels and targets into their typed models; registering twice is harmless.
register_default_plugins()
