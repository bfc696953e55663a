"""Infrastructure: the threshold alerts' values, host, Postgres, Redis, exporter and scrapes.

The first row has one panel per threshold alert of the specs, in file order then spec order, so
alert `i` (from 0) is panel `101 + i`: threshold alerts link to
`/d/ftw-infrastructure?viewPanel=<id>` (see `threshold_panel_ids`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ftw_observe.dashboards.layout import Plan, Row, panel_id
from ftw_observe.dashboards.panels import (
    PanelBuilder,
    Query,
    Style,
    Thresholds,
    above,
    stat_panel,
    timeseries_panel,
)
from ftw_observe.rules.thresholds import ThresholdAlert, kebab

UID = "ftw-infrastructure"
RATE = "[$__rate_interval]"
THRESHOLD_ROW = 1
_UNITS = {"ratio": "percentunit", "seconds": "s", "state": "none"}
_COLOURS = {"warning": "orange", "critical": "red"}


def threshold_panel_ids(alerts: Sequence[ThresholdAlert]) -> dict[str, int]:
    """Return the panel id of each threshold alert, keyed by its runbook anchor."""
    return {
        kebab(alert.name): panel_id(THRESHOLD_ROW, index)
        for index, alert in enumerate(alerts, start=1)
    }


def _thresholds(alert: ThresholdAlert) -> Thresholds:
    """Colour the alert's levels: worse from each level on, in the alert's direction."""
    levels = sorted(alert.levels, key=lambda level: level.threshold)
    if alert.comparison == ">":
        return Thresholds(
            "green", tuple((float(level.threshold), _COLOURS[level.severity]) for level in levels)
        )
    if alert.comparison == "==":
        # A 0/1 health signal that alerts at 0: red until 1.
        return Thresholds("red", ((1.0, "green"),))
    # Lower is worse: the lowest level's colour below it, green above the highest.
    colours = [_COLOURS[level.severity] for level in levels]
    steps = [
        (float(level.threshold), colour)
        for level, colour in zip(levels, [*colours[1:], "green"], strict=True)
    ]
    return Thresholds(colours[0], tuple(steps))


def _threshold_panel(alert: ThresholdAlert) -> PanelBuilder:
    """Return the panel that shows what a threshold alert evaluates."""
    levels = ", ".join(
        f"{level.severity} {alert.comparison} {level.threshold} for {level.for_}"
        for level in alert.levels
    )
    window = (
        " The alert rates over fixed 5-minute windows; the panel over $__rate_interval."
        if "[5m]" in alert.expr
        else ""
    )
    return timeseries_panel(
        kebab(alert.name).replace("-", " ").capitalize(),
        f"{alert.description} Alert {alert.name}: {levels}.{window}",
        _UNITS[alert.unit],
        [Query(alert.expr.replace("[5m]", RATE))],
        _thresholds(alert),
        Style(width=8, height=7),
        stepped=alert.unit == "state",
    )


def _host() -> Row:
    return Row(
        "Host",
        (
            timeseries_panel(
                "Memory",
                "Physical memory in use (total minus available) against the host's total.",
                "bytes",
                [
                    Query("ftw_host_memory_used_bytes", "used {{instance}}"),
                    Query("ftw_host_memory_total_bytes", "total {{instance}}"),
                ],
            ),
            timeseries_panel(
                "Disk of the data directory",
                "Bytes used on the filesystem holding FTW_DATA_DIR against its size.",
                "bytes",
                [
                    Query("ftw_host_disk_used_bytes", "used {{path}}"),
                    Query("ftw_host_disk_total_bytes", "total {{path}}"),
                ],
            ),
            timeseries_panel(
                "Load average",
                "Load averages over 1, 5 and 15 minutes against the number of CPUs (dashed "
                "line of the CPU count query): above it, work queues for CPU.",
                "none",
                [
                    Query("ftw_host_load1", "load1"),
                    Query("ftw_host_load5", "load5"),
                    Query("ftw_host_load15", "load15"),
                    Query("ftw_host_cpus", "CPUs"),
                ],
                style=Style(width=24, height=7),
            ),
        ),
    )


def _postgres() -> Row:
    return Row(
        "Postgres",
        (
            timeseries_panel(
                "Postgres connections by state",
                "Client connections to the server by state against max_connections; "
                "idle_in_transaction points to leaked transactions.",
                "none",
                [
                    Query("sum by (state) (ftw_postgres_connections)", "{{state}}"),
                    Query("max(ftw_postgres_max_connections)", "max_connections"),
                ],
            ),
            timeseries_panel(
                "Postgres database size",
                "Disk space of the marketplace database.",
                "bytes",
                [Query("ftw_postgres_database_size_bytes", "{{instance}}")],
            ),
            timeseries_panel(
                "Postgres oldest transaction age",
                "Age of the oldest open transaction of a client backend (0 when none is "
                "open); long transactions hold locks and bloat tables.",
                "s",
                [Query("max(ftw_postgres_oldest_transaction_age_seconds)", "oldest")],
            ),
            timeseries_panel(
                "Postgres deadlocks",
                "Deadlocks detected in the marketplace database per second.",
                "cps",
                [Query(f"sum(rate(ftw_postgres_deadlocks_total{RATE}))", "deadlocks")],
                above(0.0001),
            ),
        ),
    )


def _redis() -> Row:
    lookups = (
        f"sum(rate(ftw_redis_keyspace_hits_total{RATE})) + "
        f"sum(rate(ftw_redis_keyspace_misses_total{RATE}))"
    )
    return Row(
        "Redis",
        (
            timeseries_panel(
                "Redis keyspace hit ratio",
                "Share of key lookups that found their key (rate-limit windows and cached "
                "reads); absent while Redis serves no lookup.",
                "percentunit",
                [
                    Query(
                        f"sum(rate(ftw_redis_keyspace_hits_total{RATE})) / (({lookups}) > 0)",
                        "hit ratio",
                    )
                ],
                style=Style(width=8, height=7, min_value=0, max_value=1),
            ),
            timeseries_panel(
                "Redis memory",
                "Memory allocated by Redis against maxmemory (0 means no limit).",
                "bytes",
                [
                    Query("ftw_redis_memory_used_bytes", "used"),
                    Query("ftw_redis_memory_max_bytes", "maxmemory"),
                ],
                style=Style(width=8, height=7),
            ),
            timeseries_panel(
                "Redis evictions and errors",
                "Keys evicted because memory reached maxmemory, and Redis commands the "
                "marketplace saw fail (requests then pass without rate limiting), per second.",
                "cps",
                [
                    Query(f"sum(rate(ftw_redis_evicted_keys_total{RATE}))", "evicted keys"),
                    Query(
                        "sum(rate(ftw_marketplace_redis_errors_total"
                        f'{{job="marketplace"}}{RATE})) or vector(0)',
                        "marketplace errors",
                    ),
                ],
                above(0.0001),
                Style(width=8, height=7),
            ),
        ),
    )


def _exporter() -> Row:
    return Row(
        "Exporter and scrapes",
        (
            stat_panel(
                "Exporter sources up",
                "1 for each exporter source whose last read succeeded, 0 when it failed or "
                "missed its deadline (its metrics are then left out).",
                "none",
                [Query("ftw_exporter_source_up", "{{source}}")],
                Thresholds("red", ((1.0, "green"),)),
                Style(width=8, height=7, decimals=0),
            ),
            timeseries_panel(
                "Exporter source read duration",
                "Time each source's last read took, against the 2 s deadline "
                "(FTW_EXPORTER_TIMEOUT_SECONDS).",
                "s",
                [Query("ftw_exporter_source_read_duration_seconds", "{{source}}")],
                above(1.0, 2.0),
                Style(width=8, height=7),
            ),
            timeseries_panel(
                "Exporter source errors",
                "Failed or timed-out source reads per second, by source and reason; 0 when "
                "every read succeeds.",
                "cps",
                [
                    Query(
                        f"sum by (source, reason) (rate(ftw_exporter_source_errors_total{RATE}))"
                        " or vector(0)",
                        "{{source}} {{reason}}",
                    )
                ],
                above(0.0001),
                Style(width=8, height=7),
            ),
            timeseries_panel(
                "Scrape duration",
                "How long Prometheus takes to scrape each target.",
                "s",
                [Query("scrape_duration_seconds", "{{job}} {{instance}}")],
                style=Style(width=24, height=7),
            ),
        ),
    )


def build(alerts: Sequence[ThresholdAlert]) -> Plan:
    """Return the infrastructure dashboard, a panel for each threshold alert first."""
    thresholds = Row("Threshold alerts", tuple(_threshold_panel(alert) for alert in alerts))
    return Plan(
        uid=UID,
        title="FTW infrastructure",
        description="What the threshold alerts evaluate, then host, Postgres, Redis, the "
        "exporter and scrape health.",
        rows=(thresholds, _host(), _postgres(), _redis(), _exporter()),
        time_from="now-1h",
    )
