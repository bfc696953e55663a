"""Notifications shaped like the engine's pages, for receiver tests."""

from __future__ import annotations

from datetime import UTC, datetime

from ftw_observe.model import Notification, NotificationKind


def burn_notification(
    kind: NotificationKind = NotificationKind.TRIGGER,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    created_at: datetime | None = None,
) -> Notification:
    """Return a notification like the engine's burn-rate page for receiver tests."""
    base_labels = {
        "alertname": "SLOErrorBudgetBurn",
        "service": "marketplace",
        "slo": "api-latency-p95",
        "route": "/api/jobs",
        "team": "marketplace-sre",
        "severity": "page",
        "tier": "page-1h",
        "long_window": "1h",
        "short_window": "5m",
    }
    base_notes = {
        "summary": "marketplace api-latency-p95 (route=/api/jobs): error budget burning "
        "20.50x too fast over 1h (threshold 14.4x)",
        "description": "Share of API requests answered within 500 ms. Objective 95 % over 30d.",
        "burn_rate": "20.50",
        "burn_rate_short": "31.00",
        "burn_rate_threshold": "14.4",
        "remaining_budget": "73.20%",
        "time_to_exhaustion": "1d 11h 4m",
        "burn_rate_6h": "9.10",
        "errors": "412",
        "events": "20000",
        "runbook_url": "http://localhost:8080/runbooks/marketplace/api-latency-p95",
        "dashboard_url": "http://localhost:3000/d/ftw-slo-detail?var-service=marketplace",
    }
    return Notification(
        dedup_key="ftw/marketplace/api-latency-p95/route=/api/jobs/page-1h",
        kind=kind,
        created_at=created_at or datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC),
        labels=base_labels if labels is None else labels,
        annotations=base_notes if annotations is None else annotations,
    )
