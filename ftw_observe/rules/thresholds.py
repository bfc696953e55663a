"""Threshold alerts of the launch plan: marketplace RED, host, Postgres and scrape health."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Severity = Literal["warning", "critical"]
Comparison = Literal[">", "<", "=="]
# ratio: a share shown as a percentage; seconds: a duration; state: a 0/1 health signal.
Unit = Literal["ratio", "seconds", "state"]

_HUMANIZE = {"ratio": "humanizePercentage", "seconds": "humanizeDuration"}

_MARKETPLACE_REQUESTS = 'sum by (job) (rate(http_requests_total{job="marketplace"}[5m]))'
# A job that never answered 5xx has no such series: `or 0 * total` makes its ratio 0 instead
# of absent. Without traffic the denominator is filtered out, so the ratio is absent, not NaN.
_ERROR_RATIO = f"""(
  sum by (job) (rate(http_requests_total{{job="marketplace",status=~"5.."}}[5m]))
  or
  0 * {_MARKETPLACE_REQUESTS}
)
/
({_MARKETPLACE_REQUESTS} > 0)"""
_P95_LATENCY = (
    "histogram_quantile(0.95, sum by (job, le) "
    '(rate(http_request_duration_seconds_bucket{job="marketplace"}[5m])))'
)
_CONNECTION_USAGE = (
    "sum by (instance, job) (ftw_postgres_connections)"
    " / on (instance, job) ftw_postgres_max_connections"
)


@dataclass(frozen=True)
class Level:
    """One severity of an alert: the threshold it crosses and how long it must hold."""

    severity: Severity
    threshold: Decimal
    for_: str


def _levels(warning: str, critical: str, for_: str) -> tuple[Level, Level]:
    """Return a warning and a critical level that hold for the same duration."""
    return Level("warning", Decimal(warning), for_), Level("critical", Decimal(critical), for_)


@dataclass(frozen=True)
class ThresholdAlert:
    """An alert on one measured value, with up to two levels sharing its alertname."""

    name: str
    group: str
    service: str
    expr: str
    comparison: Comparison
    unit: Unit
    levels: tuple[Level, ...]
    subject: str
    description: str


ALERTS: tuple[ThresholdAlert, ...] = (
    ThresholdAlert(
        name="MarketplaceHighErrorRatio",
        group="marketplace",
        service="marketplace",
        expr=_ERROR_RATIO,
        comparison=">",
        unit="ratio",
        levels=_levels("0.02", "0.05", "5m"),
        subject="Marketplace 5xx ratio of job {{ $labels.job }}",
        description=(
            "Share of marketplace requests answered with a 5xx over the last 5 minutes. "
            "Check first which routes and statuses fail (http_requests_total by route, "
            "status), then the payment circuit breaker, database readiness (/readyz) and "
            "active drill faults."
        ),
    ),
    ThresholdAlert(
        name="MarketplaceHighP95Latency",
        group="marketplace",
        service="marketplace",
        expr=_P95_LATENCY,
        comparison=">",
        unit="seconds",
        levels=_levels("1", "2", "5m"),
        subject="Marketplace p95 latency of job {{ $labels.job }}",
        description=(
            "95th percentile of marketplace request duration over the last 5 minutes, all "
            "routes together. Check first which route is slow, the database pool wait "
            "(ftw_marketplace_db_pool_wait_seconds), host CPU and injected latency faults."
        ),
    ),
    ThresholdAlert(
        name="HostHighCpuUtilization",
        group="host",
        service="host",
        expr="ftw_host_cpu_utilization_ratio",
        comparison=">",
        unit="ratio",
        levels=_levels("0.8", "0.9", "5m"),
        subject="CPU utilization of {{ $labels.instance }}",
        description=(
            "All CPUs of the host together are this busy. Check first which process uses "
            "the CPU (top), the request rate against the plan's peak of 600 requests/s, "
            "and slow Postgres queries."
        ),
    ),
    ThresholdAlert(
        name="HostHighMemoryUsage",
        group="host",
        service="host",
        expr="ftw_host_memory_used_ratio",
        comparison=">",
        unit="ratio",
        levels=_levels("0.75", "0.9", "5m"),
        subject="Memory usage of {{ $labels.instance }}",
        description=(
            "Share of physical memory in use that the kernel cannot reclaim. Check first the "
            "largest processes (ps --sort=-rss), worker count and Postgres shared_buffers; "
            "the OOM killer is next."
        ),
    ),
    ThresholdAlert(
        name="HostHighDiskUsage",
        group="host",
        service="host",
        expr="ftw_host_disk_used_ratio",
        comparison=">",
        unit="ratio",
        levels=_levels("0.8", "0.95", "10m"),
        subject="Disk usage of {{ $labels.path }} on {{ $labels.instance }}",
        description=(
            "The filesystem holding the data directory is filling up; a full disk stops "
            "Postgres. Check first what grew (du -xh --max-depth=2), Postgres WAL and logs, "
            "and ftw_postgres_database_size_bytes."
        ),
    ),
    ThresholdAlert(
        name="PostgresHighConnectionUsage",
        group="postgres",
        service="postgres",
        expr=_CONNECTION_USAGE,
        comparison=">",
        unit="ratio",
        levels=_levels("0.8", "0.95", "5m"),
        subject="Postgres connection usage of {{ $labels.instance }}",
        description=(
            "Client connections over max_connections; at 100 % new connections are refused. "
            "Check first connections by state (idle_in_transaction points to leaked "
            "transactions), replicas times pool size plus overflow, and long transactions."
        ),
    ),
    ThresholdAlert(
        name="PostgresLowBufferCacheHitRatio",
        group="postgres",
        service="postgres",
        expr="ftw_postgres_buffer_cache_hit_ratio",
        comparison="<",
        unit="ratio",
        levels=(Level("warning", Decimal("0.7"), "10m"),),
        subject="Postgres buffer cache hit ratio of {{ $labels.instance }}",
        description=(
            "Share of block requests served from shared buffers since statistics were reset; "
            "below 70 % most reads hit the disk. Check first shared_buffers against the "
            "database size, sequential scans of large tables and recent restarts."
        ),
    ),
    # Two levels: a source often misses one deadline (a Postgres restart, a slow scrape) and
    # recovers by itself, so 5 minutes only warns; after 15 minutes its metrics, and the
    # dashboards, SLOs and alerts that read them, have been blind long enough to need a human.
    ThresholdAlert(
        name="ExporterSourceDown",
        group="exporter",
        service="exporter",
        expr="ftw_exporter_source_up",
        comparison="==",
        unit="state",
        levels=(
            Level("warning", Decimal("0"), "5m"),
            Level("critical", Decimal("0"), "15m"),
        ),
        subject="Exporter source {{ $labels.source }} on {{ $labels.instance }} has been failing",
        description=(
            "Every read of this source failed or missed its deadline, so its metrics are "
            "missing and the alerts on them cannot fire. Check first the exporter log "
            "(source ... failed), ftw_exporter_source_errors_total by reason, and whether "
            "the database or Redis it reads answers."
        ),
    ),
    # A down marketplace fails every request; 2 minutes matches the detection time of the
    # fastest SLO page at a full outage, which cannot fire once the metrics are gone.
    ThresholdAlert(
        name="TargetDown",
        group="scrape",
        service="{{ $labels.job }}",
        expr="up",
        comparison="==",
        unit="state",
        levels=(Level("critical", Decimal("0"), "2m"),),
        subject="Scrape target {{ $labels.instance }} of job {{ $labels.job }} has been down",
        description=(
            "Prometheus cannot scrape this target: the process is down, not listening, or "
            "its /metrics fails. Check first the process and its log, then curl its "
            "/metrics from the Prometheus host."
        ),
    ),
)


def threshold_rule_groups(
    *, runbook_url: str, dashboard_url: str, panel_ids: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """Return the Prometheus rule groups of every threshold alert."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert in ALERTS:
        rules = groups.setdefault(alert.group, [])
        for level in alert.levels:
            rules.append(_rule(alert, level, runbook_url, dashboard_url, panel_ids or {}))
    return [{"name": f"ftw-thresholds-{name}", "rules": rules} for name, rules in groups.items()]


def threshold_labels(alert: ThresholdAlert, level: Level) -> dict[str, str]:
    """Return the labels the rule of one alert at one level sets (besides its alertname)."""
    return {"severity": level.severity, "service": alert.service}


def kebab(name: str) -> str:
    """Return an alert name in lower-kebab form, the anchor of its runbook section."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _rule(
    alert: ThresholdAlert,
    level: Level,
    runbook_url: str,
    dashboard_url: str,
    panel_ids: Mapping[str, int],
) -> dict[str, Any]:
    """Build one alerting rule of an alert at one level."""
    anchor = kebab(alert.name)
    separator = "\n" if "\n" in alert.expr else " "
    return {
        "alert": alert.name,
        "expr": f"{alert.expr}{separator}{alert.comparison} {level.threshold}",
        "for": level.for_,
        "labels": threshold_labels(alert, level),
        "annotations": {
            "summary": _summary(alert, level),
            "description": alert.description,
            "runbook_url": runbook_url.format(alert=anchor),
            "dashboard_url": dashboard_url.format(alert=anchor, panel=panel_ids.get(anchor, "")),
        },
    }


def _summary(alert: ThresholdAlert, level: Level) -> str:
    """Return the one-line summary: the value humanized, against the level's threshold."""
    if alert.unit == "state":
        return f"{alert.subject} for at least {level.for_}"
    value = f"{{{{ $value | {_HUMANIZE[alert.unit]} }}}}"
    direction = "above" if alert.comparison == ">" else "below"
    return f"{alert.subject} is {value} ({direction} {_human(level.threshold, alert.unit)})"


def _human(threshold: Decimal, unit: Unit) -> str:
    """Write a threshold the way its humanized value reads: 0.02 as 2%, 1 as 1s."""
    if unit == "ratio":
        return f"{(threshold * 100).normalize():f}%"
    return f"{threshold.normalize():f}s"
