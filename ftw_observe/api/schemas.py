"""Response bodies of the HTTP API: what OpenAPI documents and clients read."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ftw_observe.budget import Status
from ftw_observe.model import AlertPhase, TransitionKind


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorBody(_Body):
    """Why a request failed, in one sentence."""

    detail: str


class SLOLinks(_Body):
    """Where to look next: this API's detail page, the runbook, the dashboard."""

    detail: str = Field(description="Status-page URL of the SLO's detail page")
    api: str = Field(description="API URL of the SLO with per-window burn rates")
    runbook: str | None = None
    dashboard: str | None = None


class SLOSummary(_Body):
    """One SLO instance and its current figures."""

    service: str
    slo: str
    instance: str = Field(description="Group labels as text (`route=/api/jobs`), empty if none")
    group: dict[str, str]
    status: Status
    objective: float = Field(description="Objective in percent, as in the spec (99.9)")
    period_days: float
    sli: float | None = Field(description="good / events over the period, 0..1")
    remaining: float | None = Field(
        description="Share of the period's error budget left; negative when overspent"
    )
    remaining_minutes: float | None = Field(description="Remaining budget as minutes of outage")
    seconds_to_exhaustion: float | None = Field(
        description="Time left at the 1h burn rate; null when it never runs out or is unknown"
    )
    coverage: float | None = Field(
        default=None,
        description=(
            "Share of the period that has data, 0..1; below 1 the budget figures cover only "
            "that part (a young period, or gaps); null when not measured"
        ),
    )
    events: float | None
    errors: float | None
    burn_rates: dict[str, float | None] = Field(
        description="Burn rate per window (`5m` … `3d`, and `period`)"
    )
    evaluated_at: datetime | None = Field(description="When the engine last evaluated it")
    detail: str = Field(description="Why the status is unknown or no_data")
    description: str
    links: SLOLinks


class WindowOut(_Body):
    """Counts, error ratio and burn rate over one window."""

    window: str
    errors: float | None
    events: float | None
    error_ratio: float | None
    burn_rate: float | None
    coverage: float | None = Field(
        None, description="Share of the window with recorded data, 0..1 (1h and longer windows)"
    )


class TierOut(_Body):
    """A burn-rate alert tier of an SLO: when it fires."""

    name: str
    severity: str
    long_window: str
    short_window: str
    budget_share: float = Field(description="Share of the period's budget the tier guards")
    factor: float = Field(description="Burn-rate threshold both windows must exceed")
    error_ratio_threshold: float
    enabled: bool
    for_seconds: int = Field(description="How long the condition must hold before firing")
    min_errors: int = Field(
        description="Failed events the long window must hold before the tier fires"
    )


class AlertStateOut(_Body):
    """The current state of one alert."""

    service: str
    slo: str
    instance: str
    group: dict[str, str]
    tier: str
    phase: AlertPhase
    active_since: datetime | None
    fired_at: datetime | None
    resolved_at: datetime | None
    value: float | None = Field(
        description="Long-window burn rate at the last evaluation while the alert is pending or "
        "firing (a resolved one: when it resolved); null while it stays quiet, when the SLO's "
        "windows carry the burn rates"
    )
    dedup_key: str
    labels: dict[str, str]
    annotations: dict[str, str]


class InstanceDetail(_Body):
    """One instance of an SLO with per-window figures and its alert per tier."""

    instance: str
    group: dict[str, str]
    status: Status
    sli: float | None
    remaining: float | None
    remaining_minutes: float | None
    seconds_to_exhaustion: float | None
    coverage: float | None = Field(
        default=None,
        description=(
            "Share of the period that has data, 0..1; below 1 the budget figures cover only "
            "that part (a young period, or gaps); null when not measured"
        ),
    )
    events: float | None
    errors: float | None
    evaluated_at: datetime | None
    detail: str
    windows: list[WindowOut]
    alerts: list[AlertStateOut] = Field(description="Current state per enabled tier")


class SLODetail(_Body):
    """One SLO: its spec and every instance's figures."""

    service: str
    slo: str
    description: str
    objective: float
    period: str
    period_days: float
    sli_kind: Literal["ratio", "latency", "raw"]
    group_by: list[str]
    min_events: int
    tiers: list[TierOut]
    instances: list[InstanceDetail]
    links: SLOLinks


class HistoryPoint(_Body):
    """The budget of an instance at one evaluation."""

    evaluated_at: datetime
    status: Status
    sli: float | None
    remaining: float | None
    remaining_minutes: float | None
    burn_rates: dict[str, float | None]


class History(_Body):
    """An instance's budget over time, oldest first."""

    service: str
    slo: str
    instance: str
    since: datetime
    until: datetime | None
    points: list[HistoryPoint]


class AlertEventOut(_Body):
    """An alert that started firing or resolved; resolutions say how long it fired."""

    service: str
    slo: str
    instance: str
    tier: str
    kind: TransitionKind
    at: datetime
    fired_at: datetime | None
    resolved_at: datetime | None
    duration_seconds: float | None = Field(description="Firing → resolved, on resolutions")
    severity: str | None
    dedup_key: str
    labels: dict[str, str]
    annotations: dict[str, str]


class Liveness(_Body):
    """The process answers."""

    status: Literal["ok"] = "ok"


class Readiness(_Body):
    """Whether this replica can serve: its database answers; and what its engine is doing."""

    status: Literal["ready", "not_ready"]
    database: Literal["ok", "down"]
    database_detail: str | None = None
    role: Literal["leader", "standby", "stopped"]
    replica_id: str
    last_cycle_at: datetime | None
    last_cycle_seconds: float | None
    prometheus: Literal["ok", "unreachable", "unknown"]
    prometheus_detail: str | None = Field(
        default=None, description="`unreachable since …: error` while Prometheus fails"
    )


def doc(model: type[BaseModel], description: str) -> dict[str, Any]:
    """Return an OpenAPI `responses` entry for an error body."""
    return {"model": model, "description": description}


def page(description: str) -> dict[str, Any]:
    """Return an OpenAPI `responses` entry for an HTML page (the status page's errors)."""
    return {"content": {"text/html": {"schema": {"type": "string"}}}, "description": description}


Responses = dict[int | str, dict[str, Any]]

STORE_DOWN: Responses = {503: doc(ErrorBody, "The store's database does not answer")}
NOT_FOUND: Responses = {404: doc(ErrorBody, "No such SLO (or instance) in the loaded specs")}
