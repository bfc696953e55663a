"""Live RED figures per route, computed from two scrapes of /metrics."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table


@dataclass
class Scrape:
    """Cumulative request counts and latency buckets per route, as one scrape saw them."""

    requests: dict[tuple[str, str], float] = field(default_factory=dict)  # (route, status)
    buckets: dict[str, dict[float, float]] = field(default_factory=dict)  # route -> le -> count


@dataclass(frozen=True)
class RouteRates:
    """Traffic of one route over the interval between two scrapes."""

    route: str
    requests_per_second: float
    error_ratio: float
    p95_seconds: float | None


def parse_scrape(text: str) -> Scrape:
    """Read the RED metrics out of a Prometheus text exposition."""
    scrape = Scrape()
    buckets: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                key = (sample.labels["route"], sample.labels["status"])
                scrape.requests[key] = scrape.requests.get(key, 0.0) + sample.value
            elif sample.name == "http_request_duration_seconds_bucket":
                buckets[sample.labels["route"]][float(sample.labels["le"])] += sample.value
    scrape.buckets = {route: dict(by_le) for route, by_le in buckets.items()}
    return scrape


def quantile_from_buckets(quantile: float, buckets: dict[float, float]) -> float | None:
    """Estimate a quantile from cumulative bucket counts, as histogram_quantile() does."""
    ordered = sorted(buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return None
    rank = quantile * ordered[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            span = count - lower_count
            fraction = (rank - lower_count) / span if span > 0 else 1.0
            return lower_bound + (bound - lower_bound) * fraction
        lower_bound, lower_count = bound, count
    return lower_bound


def route_rates(before: Scrape, after: Scrape, seconds: float) -> list[RouteRates]:
    """Return per-route rate, 5xx ratio and p95 between two scrapes, busiest first."""
    totals: dict[str, float] = defaultdict(float)
    errors: dict[str, float] = defaultdict(float)
    for (route, status), value in after.requests.items():
        delta = max(0.0, value - before.requests.get((route, status), 0.0))
        totals[route] += delta
        if status.startswith("5"):
            errors[route] += delta
    rows = []
    for route, total in totals.items():
        if total <= 0:
            continue
        window = _bucket_deltas(before.buckets.get(route, {}), after.buckets.get(route, {}))
        rows.append(
            RouteRates(
                route=route,
                requests_per_second=total / seconds,
                error_ratio=errors[route] / total,
                p95_seconds=quantile_from_buckets(0.95, window),
            )
        )
    return sorted(rows, key=lambda row: (-row.requests_per_second, row.route))


def _bucket_deltas(before: dict[float, float], after: dict[float, float]) -> dict[float, float]:
    return {le: max(0.0, count - before.get(le, 0.0)) for le, count in after.items()}


def overall(rows: Iterable[RouteRates]) -> tuple[float, float]:
    """Return the total request rate and the overall 5xx ratio of `rows`."""
    rows = list(rows)
    rate = sum(row.requests_per_second for row in rows)
    errors = sum(row.requests_per_second * row.error_ratio for row in rows)
    return rate, (errors / rate if rate else 0.0)


def render_table(url: str, rows: list[RouteRates], seconds: float) -> Table:
    """Lay out one update of `ftw-marketplace watch`."""
    rate, error_ratio = overall(rows)
    table = Table(title=f"{url}: {rate:.1f} req/s, {error_ratio:.2%} 5xx over {seconds:.0f} s")
    table.add_column("route")
    for column in ("req/s", "5xx", "p95"):
        table.add_column(column, justify="right")
    for row in rows:
        p95 = f"{row.p95_seconds * 1000:.0f} ms" if row.p95_seconds is not None else "-"
        rps = f"{row.requests_per_second:.1f}"
        table.add_row(row.route, rps, f"{row.error_ratio:.1%}", p95)
    return table
