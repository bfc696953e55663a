"""Live RED figures computed from two scrapes."""

from __future__ import annotations

import math

import pytest

from marketplace.watch import Scrape, overall, parse_scrape, quantile_from_buckets, route_rates

EXPOSITION = """\
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/jobs",status="200"} 90
http_requests_total{method="GET",route="/api/jobs",status="500"} 10
http_requests_total{method="POST",route="/api/jobs",status="201"} 5
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="GET",route="/api/jobs",le="0.1"} 50
http_request_duration_seconds_bucket{method="GET",route="/api/jobs",le="0.5"} 100
http_request_duration_seconds_bucket{method="GET",route="/api/jobs",le="+Inf"} 100
http_request_duration_seconds_count{method="GET",route="/api/jobs"} 100
http_request_duration_seconds_sum{method="GET",route="/api/jobs"} 12
"""


def test_parse_sums_methods_per_route_and_status() -> None:
    scrape = parse_scrape(EXPOSITION)
    assert scrape.requests[("/api/jobs", "200")] == 90
    assert scrape.requests[("/api/jobs", "201")] == 5
    assert scrape.buckets["/api/jobs"][0.5] == 100


def test_quantile_interpolates_inside_the_bucket() -> None:
    # 95th of 100 falls 45/50 of the way through the 0.1-0.5 bucket.
    assert quantile_from_buckets(0.95, {0.1: 50, 0.5: 100, math.inf: 100}) == pytest.approx(0.46)


def test_quantile_of_no_observations_is_unknown() -> None:
    assert quantile_from_buckets(0.95, {0.1: 0, math.inf: 0}) is None


def test_rates_are_deltas_between_scrapes() -> None:
    after = parse_scrape(EXPOSITION)
    rows = route_rates(Scrape(), after, seconds=10)
    assert len(rows) == 1
    assert rows[0].requests_per_second == pytest.approx(10.5)
    assert rows[0].error_ratio == pytest.approx(10 / 105)
    rate, error_ratio = overall(rows)
    assert rate == pytest.approx(10.5)
    assert error_ratio == pytest.approx(10 / 105)


def test_idle_routes_are_left_out() -> None:
    scrape = parse_scrape(EXPOSITION)
    assert route_rates(scrape, scrape, seconds=5) == []
