"""Alertmanager's webhook payload as notifications, with the engine's identity for SLO alerts.

An SLO burn alert evaluated by Prometheus gets the same dedup key as the one the engine
raises for the same SLO instance and tier, so the router merges the two: one page, not two.

A body is judged in two steps. Its top level must be Alertmanager's shape (an object with an
`alerts` array), or the whole call is refused. Then each alert is judged on its own: a bad one
is rejected with its index and a reason, and never costs the valid alerts beside it.

The watchdog (`FTWObserveWatchdog`, always firing) is set apart from the alerts to route: its
arrival is recorded as proof that Prometheus and Alertmanager reach the engine, and nobody
is ever notified of it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError
from pydantic_core import ErrorDetails

from ftw_observe.matching.text import TextFault, mapping_problem, shown_name
from ftw_observe.model import ACTIVE_SINCE, AlertKey, InstanceKey, Notification, NotificationKind
from ftw_observe.rules import names

# Labels that describe an alert rather than identify it.
VOLATILE_LABELS = frozenset({"severity"})
# Rejections named one by one in an answer; a sender that gets more wrong is told how many.
LISTED_REJECTIONS = 100


# RFC 3339, as Alertmanager writes times (with up to nanoseconds).
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", re.ASCII)


def _rfc3339(value: object) -> object:
    """Refuse anything but RFC 3339 text (pydantic alone would read numbers as Unix time)."""
    if isinstance(value, str) and RFC3339.fullmatch(value):
        return value
    raise ValueError("a time is RFC 3339 text, such as 2026-11-01T12:00:00Z")


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339)]


class AlertmanagerAlert(BaseModel):
    """One alert of Alertmanager's webhook (version 4), as the engine accepts it.

    >>> AlertmanagerAlert(status="firing", labels={"alertname": "HostDown"}).status
    'firing'
    """

    model_config = ConfigDict(extra="ignore")

    status: StrictStr = Field(pattern="^(firing|resolved)$", description="firing or resolved")
    labels: dict[StrictStr, StrictStr] = Field(
        min_length=1,
        description="The alert's identity; no control characters or lone surrogates",
    )
    annotations: dict[StrictStr, StrictStr] = Field(
        default_factory=dict,
        description="Summary, description, links; tabs and line breaks allowed, "
        "other control characters and lone surrogates not",
    )
    startsAt: Timestamp | None = None
    endsAt: Timestamp | None = None
    generatorURL: StrictStr = ""
    fingerprint: StrictStr = ""


class AlertmanagerPayload(BaseModel):
    """The top level of Alertmanager's webhook body (version 4); alerts are judged one by one.

    >>> len(AlertmanagerPayload(alerts=[{"status": "firing"}, 7]).alerts)
    2
    """

    model_config = ConfigDict(extra="ignore")

    version: StrictStr = "4"
    status: StrictStr = ""
    receiver: StrictStr = ""
    alerts: list[Any]


class RejectReason(StrEnum):
    """Why one alert of a webhook call was rejected: a small fixed set, safe as a metric label."""

    NOT_AN_OBJECT = "not_an_object"
    INVALID_STATUS = "invalid_status"
    INVALID_LABELS = "invalid_labels"
    INVALID_ANNOTATIONS = "invalid_annotations"
    INVALID_FIELD = "invalid_field"
    CONTROL_CHARACTER = "control_character"
    INVALID_UNICODE = "invalid_unicode"


@dataclass(frozen=True)
class Rejection:
    """An alert refused on its own: where it was in `alerts`, why, and a sentence."""

    index: int
    reason: RejectReason
    detail: str


@dataclass(frozen=True)
class Examined:
    """The alerts of one call that passed, in order, the ones rejected, and the watchdogs.

    Only the first LISTED_REJECTIONS rejections are kept one by one, so that a megabyte of
    bad alerts cannot become tens of megabytes of answer; `rejected_by_reason` counts them all.
    Valid watchdog alerts are in `watchdogs`, not in `accepted`: they are never routed.
    """

    accepted: list[AlertmanagerAlert]
    rejected: list[Rejection]
    rejected_by_reason: dict[RejectReason, int]
    watchdogs: list[AlertmanagerAlert] = field(default_factory=list)

    @property
    def watchdog_firing(self) -> bool:
        """Tell whether the call brought the watchdog firing: proof the chain works."""
        return any(alert.status == "firing" for alert in self.watchdogs)

    @property
    def rejected_count(self) -> int:
        """Return how many alerts were rejected, listed or not."""
        return sum(self.rejected_by_reason.values())


_REASON_OF_FIELD = {
    "status": RejectReason.INVALID_STATUS,
    "labels": RejectReason.INVALID_LABELS,
    "annotations": RejectReason.INVALID_ANNOTATIONS,
}
_REASON_OF_FAULT = {
    TextFault.CONTROL_CHARACTER: RejectReason.CONTROL_CHARACTER,
    TextFault.INVALID_UNICODE: RejectReason.INVALID_UNICODE,
}


def error_location(loc: Sequence[int | str]) -> str:
    """Return a pydantic error location, `labels['job']`, quoting no refused character."""
    field, *keys = loc or ("alert",)
    return str(field) + "".join(
        f"[{key}]" if isinstance(key, int) else f"[{shown_name(key)}]" for key in keys
    )


def _model_rejection(index: int, errors: list[ErrorDetails]) -> Rejection:
    first = errors[0]["loc"][0] if errors[0]["loc"] else ""
    reason = _REASON_OF_FIELD.get(str(first), RejectReason.INVALID_FIELD)
    sentences = [f"{error_location(error['loc'])}: {error['msg']}" for error in errors[:3]]
    return Rejection(index, reason, "; ".join(sentences))


def _quick_rejection(index: int, item: object) -> Rejection | None:
    """Reject the commonest mistakes without building a validation error (a megabyte of `{}`)."""
    if not isinstance(item, dict):
        return Rejection(index, RejectReason.NOT_AN_OBJECT, "an alert is a JSON object")
    if item.get("status") not in ("firing", "resolved"):
        return Rejection(index, RejectReason.INVALID_STATUS, "status: firing or resolved")
    if not isinstance(item.get("labels"), dict) or not item["labels"]:
        return Rejection(index, RejectReason.INVALID_LABELS, "labels: an object of labels")
    return None


def examine_alert(index: int, item: object) -> AlertmanagerAlert | Rejection:
    """Return one alert of a call if it is valid, else why it is rejected."""
    quick = _quick_rejection(index, item)
    if quick is not None:
        return quick
    try:
        alert = AlertmanagerAlert.model_validate(item)
    except ValidationError as error:
        return _model_rejection(index, error.errors(include_input=False, include_url=False))
    problem = mapping_problem("labels", alert.labels) or mapping_problem(
        "annotations", alert.annotations, prose=True
    )
    if problem is not None:
        return Rejection(index, _REASON_OF_FAULT[problem.fault], problem.sentence())
    if any(name == "" for name in alert.labels):
        return Rejection(index, RejectReason.INVALID_LABELS, "labels: a label name is empty")
    return alert


def examine(payload: AlertmanagerPayload) -> Examined:
    """Judge every alert of a call on its own."""
    accepted: list[AlertmanagerAlert] = []
    watchdogs: list[AlertmanagerAlert] = []
    rejected: list[Rejection] = []
    counts: Counter[RejectReason] = Counter()
    for index, item in enumerate(payload.alerts):
        outcome = examine_alert(index, item)
        if isinstance(outcome, Rejection):
            counts[outcome.reason] += 1
            if len(rejected) < LISTED_REJECTIONS:
                rejected.append(outcome)
        elif outcome.labels.get("alertname") == names.WATCHDOG_ALERT:
            watchdogs.append(outcome)
        else:
            accepted.append(outcome)
    return Examined(accepted, rejected, dict(counts), watchdogs)


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
    alerts: Sequence[AlertmanagerAlert],
    *,
    received_at: datetime,
    group_by: Callable[[str, str], list[str] | None],
) -> list[Notification]:
    """Return one notification per accepted alert of a webhook call."""
    found = []
    for alert in alerts:
        kind = NotificationKind.TRIGGER if alert.status == "firing" else NotificationKind.RESOLVE
        found.append(
            Notification(
                dedup_key=dedup_key(alert.labels, group_by),
                kind=kind,
                created_at=received_at,
                labels=dict(alert.labels),
                annotations={**alert.annotations, **_active_since(alert)},
                source="alertmanager",
            )
        )
    return found


def _active_since(alert: AlertmanagerAlert) -> dict[str, str]:
    """Return the annotation that says since when a firing alert fires: its `startsAt`."""
    starts = alert.startsAt
    # Go's zero time (year 1) is what Alertmanager writes for a time it does not know.
    if alert.status != "firing" or starts is None or starts.year < 2000:
        return {}
    at = starts.replace(tzinfo=UTC) if starts.tzinfo is None else starts.astimezone(UTC)
    return {ACTIVE_SINCE: at.isoformat()}


def describe(examined: Examined) -> dict[str, Any]:
    """Return a log-safe summary of a call: counts by reason, no label values."""
    firing = sum(alert.status == "firing" for alert in examined.accepted)
    return {
        "accepted": len(examined.accepted),
        "firing": firing,
        "resolved": len(examined.accepted) - firing,
        "watchdogs": len(examined.watchdogs),
        "rejected": {reason.value: n for reason, n in sorted(examined.rejected_by_reason.items())},
    }
