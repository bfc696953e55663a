"""Alertmanager's webhook payload as notifications, with the engine's identity for SLO alerts.

An SLO burn alert evaluated by Prometheus gets the same dedup key as the one the engine
raises for the same SLO instance and tier, so the router merges the two: one page, not two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ftw_observe.model import AlertKey, InstanceKey, Notification, NotificationKind
from ftw_observe.rules import names

# Labels that describe an alert rather than identify it.
VOLATILE_LABELS = frozenset({"severity"})


class AlertmanagerAlert(BaseModel):
    """One alert of Alertmanager's webhook (version 4)."""

    model_config = ConfigDict(extra="ignore")

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    fingerprint: str = ""


class AlertmanagerPayload(BaseModel):
    """Alertmanager's webhook body (version 4)."""

    model_config = ConfigDict(extra="ignore")

    version: str = "4"
    status: str = ""
    receiver: str = ""
    alerts: list[AlertmanagerAlert]


def dedup_key(labels: Mapping[str, str], group_by: Callable[[str, str], list[str] | None]) -> str:
    """Return the alert's identity: the engine's key for SLO tiers, else name plus labels."""
    name = labels.get("alertname", "")
    service, slo, tier = labels.get("service"), labels.get("slo"), labels.get("tier")
    if name == names.BURN_ALERT and service and slo and tier:
        grouping = group_by(service, slo)
        if grouping is not None:
            group = tuple((label, labels.get(label, "")) for label in grouping)
            return AlertKey(InstanceKey(service, slo, group), tier).dedup_key
    identity = ",".join(
        f"{key}={value}" for key, value in sorted(labels.items()) if key != "alertname"
    )
    return f"am/{name}/{identity}"


def notifications(
    payload: AlertmanagerPayload,
    *,
    received_at: datetime,
    group_by: Callable[[str, str], list[str] | None],
) -> list[Notification]:
    """Return one notification per alert of a webhook call."""
    found = []
    for alert in payload.alerts:
        kind = NotificationKind.TRIGGER if alert.status == "firing" else NotificationKind.RESOLVE
        found.append(
            Notification(
                dedup_key=dedup_key(alert.labels, group_by),
                kind=kind,
                created_at=received_at,
                labels=dict(alert.labels),
                annotations=dict(alert.annotations),
                source="alertmanager",
            )
        )
    return found


def describe(payload: AlertmanagerPayload) -> dict[str, Any]:
    """Return a log-safe summary of a payload: counts only, no label values."""
    firing = sum(alert.status == "firing" for alert in payload.alerts)
    return {
        "alerts": len(payload.alerts),
        "firing": firing,
        "resolved": len(payload.alerts) - firing,
    }
