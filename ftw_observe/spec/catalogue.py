"""Histograms FTW Observe ships, with their bucket boundaries, for latency SLI checks."""

from __future__ import annotations

from exporters.business.events import BID_RESPONSE_BUCKETS
from marketplace.metrics.http import HTTP_DURATION_BUCKETS

KNOWN_HISTOGRAMS: dict[str, tuple[float, ...]] = {
    "http_request_duration_seconds": HTTP_DURATION_BUCKETS,
    "ftw_bid_response_seconds": BID_RESPONSE_BUCKETS,
}


def known_buckets(metric: str) -> tuple[float, ...] | None:
    """Return the bucket boundaries of a histogram the project exports, if it is one."""
    return KNOWN_HISTOGRAMS.get(metric)
