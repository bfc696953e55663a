"""Marketplace traffic and performance: RED per route, latency targets, limits, breaker, pool."""

from __future__ import annotations

from ftw_observe.dashboards.layout import Plan, Row, Variable
from ftw_observe.dashboards.panels import (
    FIRING,
    Query,
    Style,
    Thresholds,
    above,
    bargauge_panel,
    stat_panel,
    timeseries_panel,
)

UID = "ftw-marketplace"
JOB = 'job="marketplace"'
ROUTES = f'{JOB},route=~"$route"'
RATE = "[$__rate_interval]"
# Launch plan: error rate < 1 %; threshold alerts at 2 % (warning) and 5 % (critical).
ERROR_LINES = Thresholds("green", ((0.01, "yellow"), (0.02, "orange"), (0.05, "red")))
# Launch plan: p95 < 800 ms, stretch < 500 ms; p50 < 150 ms, stretch < 100 ms.
P95_LINES = above(0.5, 0.8)
P50_LINES = above(0.1, 0.15)
# About 200 requests/s on average, 600 at peak.
TRAFFIC_LINES = Thresholds("green", ((600.0, "orange"),))


def requests(matchers: str = ROUTES, by: str = "") -> str:
    """Return the request rate, optionally summed by labels."""
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate(http_requests_total{{{matchers}}}{RATE}))"


def error_ratio(matchers: str = ROUTES, by: str = "") -> str:
    """Return the 5xx ratio: 0 rather than absent without errors, absent without traffic."""
    grouping = f" by ({by})" if by else ""
    errors = f'sum{grouping} (rate(http_requests_total{{{matchers},status=~"5.."}}{RATE}))'
    total = requests(matchers, by)
    return f"({errors} or 0 * {total}) / ({total} > 0)"


def latency(quantile: float, matchers: str = ROUTES, by: str = "") -> str:
    """Return a latency quantile from the request duration histogram."""
    keys = ", ".join([*([by] if by else []), "le"])
    bucket = f"rate(http_request_duration_seconds_bucket{{{matchers}}}{RATE})"
    return f"histogram_quantile({quantile}, sum by ({keys}) ({bucket}))"


def _overview() -> Row:
    small = Style(width=4, height=5, decimals=2)
    return Row(
        "Now",
        (
            stat_panel(
                "Requests per second",
                "Marketplace requests per second on the selected routes; the launch plan "
                "expects about 200 on average and 600 at peak (orange from 600).",
                "reqps",
                [Query(requests(), "requests/s")],
                TRAFFIC_LINES,
                small,
            ),
            stat_panel(
                "5xx ratio",
                "Share of requests answered with a server error: the plan's target is below "
                "1 %; the threshold alerts warn at 2 % and page at 5 %.",
                "percentunit",
                [Query(error_ratio(), "5xx ratio")],
                ERROR_LINES,
                small,
            ),
            stat_panel(
                "p50 latency",
                "Median request duration: target below 150 ms (red), stretch below 100 ms "
                "(orange above it).",
                "s",
                [Query(latency(0.5), "p50")],
                P50_LINES,
                small,
            ),
            stat_panel(
                "p95 latency",
                "95th percentile of request duration: target below 800 ms (red above), "
                "stretch below 500 ms (orange above).",
                "s",
                [Query(latency(0.95), "p95")],
                P95_LINES,
                small,
            ),
            stat_panel(
                "Requests in progress",
                "Requests being served right now, all workers together.",
                "none",
                [Query(f"sum(http_requests_in_progress{{{JOB}}})", "in progress")],
                style=Style(width=4, height=5, decimals=0),
            ),
            stat_panel(
                "Payment breaker open",
                "1 while the payment provider's circuit breaker is open (payouts fail fast "
                "with 503), 0 otherwise.",
                "none",
                [
                    Query(
                        "max(ftw_marketplace_circuit_breaker_state"
                        f'{{{JOB},state="open"}}) or vector(0)',
                        "open",
                    )
                ],
                FIRING,
                Style(width=4, height=5, decimals=0),
            ),
        ),
    )


def _traffic() -> Row:
    return Row(
        "Traffic and errors",
        (
            timeseries_panel(
                "Requests per second by route",
                "Request rate of every route template on the selected routes.",
                "reqps",
                [Query(requests(by="route"), "{{route}}")],
            ),
            timeseries_panel(
                "Requests per second by status",
                "Request rate by exact HTTP status; 429 are rate-limit rejections.",
                "reqps",
                [Query(requests(by="status"), "{{status}}")],
            ),
            timeseries_panel(
                "5xx ratio",
                "Share of requests answered with a 5xx, overall and per route, against the "
                "plan's 1 % and the alerts' 2 % and 5 % lines.",
                "percentunit",
                [
                    Query(error_ratio(), "all selected routes"),
                    Query(error_ratio(by="route"), "{{route}}"),
                ],
                ERROR_LINES,
                Style(width=24, height=8),
            ),
        ),
    )


def _latency() -> Row:
    return Row(
        "Latency",
        (
            timeseries_panel(
                "Latency p50, p95 and p99",
                "Request duration quantiles over the selected routes against the 500 ms "
                "(stretch) and 800 ms (target) p95 lines.",
                "s",
                [
                    Query(latency(0.5), "p50"),
                    Query(latency(0.95), "p95"),
                    Query(latency(0.99), "p99"),
                ],
                P95_LINES,
            ),
            bargauge_panel(
                "Slowest routes (p95)",
                "The ten routes with the highest p95 over the last rate interval; orange "
                "above 500 ms, red above 800 ms.",
                "s",
                [Query(f"topk(10, {latency(0.95, by='route')})", "{{route}}", instant=True)],
                P95_LINES,
                Style(width=12, height=8, decimals=3, min_value=0),
            ),
            timeseries_panel(
                "p95 latency by route",
                "95th percentile of request duration per route template.",
                "s",
                [Query(latency(0.95, by="route"), "{{route}}")],
                P95_LINES,
                Style(width=24, height=8),
            ),
        ),
    )


def _capacity() -> Row:
    pool = "ftw_marketplace_db_pool"
    return Row(
        "Limits, breaker and database pool",
        (
            timeseries_panel(
                "Requests in progress",
                "Requests being served, by HTTP method.",
                "none",
                [Query(f"sum by (method) (http_requests_in_progress{{{JOB}}})", "{{method}}")],
            ),
            timeseries_panel(
                "Rate-limit rejections per second",
                "429 answers per second by caller tier and exhausted limit; 0 when nobody "
                "hits a limit.",
                "reqps",
                [
                    Query(
                        "sum by (tier, limit) (rate(ftw_marketplace_rate_limited_total"
                        f"{{{JOB}}}{RATE})) or vector(0)",
                        "{{tier}} {{limit}}",
                    )
                ],
            ),
            timeseries_panel(
                "Shed requests per second",
                "API requests answered 503 at once because their worker already served its "
                "limit (FTW_MAX_IN_FLIGHT); 0 while the marketplace keeps up.",
                "reqps",
                [
                    Query(
                        "sum(rate(ftw_marketplace_shed_requests_total"
                        f"{{{JOB}}}{RATE})) or vector(0)",
                        "shed",
                    )
                ],
            ),
            timeseries_panel(
                "Circuit breaker state",
                "1 for the state each circuit breaker is in (closed, open, half_open).",
                "none",
                [
                    Query(
                        f"max by (breaker, state) (ftw_marketplace_circuit_breaker_state{{{JOB}}})",
                        "{{breaker}} {{state}}",
                    )
                ],
                style=Style(width=12, height=8, min_value=0, max_value=1),
                stepped=True,
            ),
            timeseries_panel(
                "Payment provider calls per second",
                "Calls to the payment provider by outcome: ok, error, or rejected by the "
                "open breaker; 0 before the first payout.",
                "reqps",
                [
                    Query(
                        "sum by (outcome) (rate(ftw_marketplace_payment_provider_calls_total"
                        f"{{{JOB}}}{RATE})) or vector(0)",
                        "{{outcome}}",
                    )
                ],
            ),
            timeseries_panel(
                "Database pool connections",
                "Connections checked out of the pool against its size (all workers); "
                "overflow connections are opened beyond it.",
                "none",
                [
                    Query(f"sum({pool}_checked_out_connections{{{JOB}}})", "checked out"),
                    Query(f"sum({pool}_size{{{JOB}}})", "pool size"),
                    Query(f"sum({pool}_overflow_connections{{{JOB}}})", "overflow"),
                ],
            ),
            timeseries_panel(
                "Database pool wait p95",
                "95th percentile of the time a request waited for a pooled connection; "
                "NaN while no request waited.",
                "s",
                [
                    Query(
                        "histogram_quantile(0.95, sum by (le) "
                        f"(rate({pool}_wait_seconds_bucket{{{JOB}}}{RATE})))",
                        "p95 wait",
                    )
                ],
            ),
        ),
    )


def build() -> Plan:
    """Return the marketplace traffic and performance dashboard."""
    route = Variable(
        "route",
        "Route",
        f"label_values(http_requests_total{{{JOB}}}, route)",
        "Route templates to include; All for every route.",
        include_all=True,
        current="All",
    )
    return Plan(
        uid=UID,
        title="FTW marketplace traffic and performance",
        description="Requests, errors and latency of the marketplace API against the launch "
        "plan, with rate limits, the payment circuit breaker and the database pool.",
        rows=(_overview(), _traffic(), _latency(), _capacity()),
        variables=(route,),
        time_from="now-1h",
    )
