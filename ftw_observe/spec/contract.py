"""The metric contract: the series specs, dashboards and checks rely on, declared once.

The marketplace and the exporter implement these metrics; their tests assert that what they
export matches this table (type, label names, bucket boundaries), so a bucket moved on either
side fails a test instead of silently turning a latency SLI into an interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ContractMetric:
    """One metric of the contract, named as exposed (counters without `_total`).

    >>> known_buckets("ftw_bid_response_seconds")[3]
    900.0
    """

    name: str
    type: Literal["counter", "histogram"]
    labels: tuple[str, ...]
    source: Literal["marketplace", "exporters"]
    buckets: tuple[float, ...] = ()  # histograms only, without +Inf


CONTRACT: tuple[ContractMetric, ...] = (
    ContractMetric("http_requests", "counter", ("method", "route", "status"), "marketplace"),
    ContractMetric(
        "http_request_duration_seconds",
        "histogram",
        ("method", "route"),
        "marketplace",
        # Every SLO latency threshold is a boundary: 0.1, 0.15, 0.25, 0.5, 0.8, 1, 1.5, 2, 5 s.
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 0.8, 1.0, 1.5, 2.0, 5.0, 10.0),
    ),
    ContractMetric("ftw_jobs_posted", "counter", ("territory",), "exporters"),
    ContractMetric(
        "ftw_bid_response_seconds",
        "histogram",
        (),
        "exporters",
        # 900 s is the 15-minute bid response target.
        buckets=(60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 86400.0),
    ),
    ContractMetric("ftw_payouts", "counter", ("status",), "exporters"),
)


def known_buckets(metric: str) -> tuple[float, ...] | None:
    """Return the bucket boundaries of a histogram of the contract, if it is one."""
    return next((m.buckets for m in CONTRACT if m.name == metric and m.type == "histogram"), None)
