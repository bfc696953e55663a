"""The Prometheus-compatible query API: a client and the credentials of secured backends."""

from __future__ import annotations

from ftw_observe.prometheus.auth import PrometheusAuth, PrometheusAuthError, prometheus_auth
from ftw_observe.prometheus.client import (
    PrometheusClient,
    PrometheusError,
    Sample,
    Series,
    safe_url,
)

__all__ = [
    "PrometheusAuth",
    "PrometheusAuthError",
    "PrometheusClient",
    "PrometheusError",
    "Sample",
    "Series",
    "prometheus_auth",
    "safe_url",
]
