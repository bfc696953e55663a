"""SLOs: current budgets sorted by what is left, one SLO's windows, budget history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ftw_observe.api import views
from ftw_observe.api.catalog import Entry, sli_kind
from ftw_observe.api.deps import Context, ContextDep
from ftw_observe.api.params import DIGITS_ONLY, Timestamp
from ftw_observe.api.schemas import (
    NOT_FOUND,
    STORE_DOWN,
    ErrorBody,
    History,
    SLODetail,
    SLOSummary,
    doc,
)
from ftw_observe.durations import format_duration

router = APIRouter(prefix="/api/slos", tags=["slos"], responses=STORE_DOWN)


def find_entry(context: Context, service: str, slo: str) -> Entry:
    """Return the SLO `slo` of `service`, or answer 404 with a sentence."""
    entry = context.catalog.find(service, slo)
    if entry is None:
        raise HTTPException(
            404, f"no SLO {slo!r} in service {service!r}: GET /api/slos lists every SLO"
        )
    return entry


def rows_of(context: Context, entry: Entry) -> list[views.Row]:
    """Return the current instances of one SLO, worst budget first."""
    return [
        r
        for r in views.current(context.store.latest_evaluations(), context.catalog)
        if r.entry.key == entry.key
    ]


def as_utc(value: datetime | None) -> datetime | None:
    """Return a time as aware UTC; a time without a zone is taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("", response_model=list[SLOSummary])
def list_slos(context: ContextDep) -> list[SLOSummary]:
    """List every SLO instance with its current budget, least budget left first.

    Instances whose budget is unknown (no data yet, Prometheus unreadable) come last.
    """
    rows = views.current(context.store.latest_evaluations(), context.catalog)
    return [views.summary(row, context.catalog) for row in rows]


@router.get("/{service}/{slo}", response_model=SLODetail, responses=NOT_FOUND)
def get_slo(service: str, slo: str, context: ContextDep) -> SLODetail:
    """Return one SLO: objective, tiers, and every instance's windows and alert states."""
    entry = find_entry(context, service, slo)
    states = context.store.alert_states()
    tiers = views.enabled_tier_names(entry)
    spec = entry.slo
    return SLODetail(
        service=service,
        slo=slo,
        description=spec.description.strip(),
        objective=spec.objective,
        period=format_duration(spec.period),
        period_days=spec.period / 86_400,
        sli_kind=sli_kind(spec),
        group_by=list(spec.group_by),
        min_events=spec.alerting.min_events,
        tiers=context.catalog.tiers(entry),
        instances=[views.instance_detail(row, tiers, states) for row in rows_of(context, entry)],
        links=context.catalog.links(entry),
    )


def find_row(context: Context, entry: Entry, instance: str | None) -> views.Row:
    """Return the instance asked for; without a name, the SLO's only instance."""
    rows = rows_of(context, entry)
    names = sorted(row.key.instance for row in rows)
    if instance is None:
        if len(rows) == 1:
            return rows[0]
        raise HTTPException(
            400, f"{entry.slo.name} has {len(rows)} instances; pass instance= one of {names}"
        )
    for row in rows:
        if row.key.instance == instance:
            return row
    raise HTTPException(404, f"{entry.slo.name} has no instance {instance!r}; it has {names}")


@router.get(
    "/{service}/{slo}/history",
    response_model=History,
    responses={**NOT_FOUND, 400: doc(ErrorBody, "A grouped SLO needs `instance`")},
)
def get_history(
    service: str,
    slo: str,
    context: ContextDep,
    instance: Annotated[
        str | None, Query(description="Group labels as text; optional for ungrouped SLOs")
    ] = None,
    since: Annotated[Timestamp | None, Query(description="Start (default: one period ago)")] = None,
    until: Annotated[Timestamp | None, Query(description="End (default: now)")] = None,
    points: Annotated[
        int, Query(ge=2, le=5000, description="At most this many points"), DIGITS_ONLY
    ] = 500,
) -> History:
    """Return an instance's remaining budget, SLI and burn rates over time, oldest first."""
    entry = find_entry(context, service, slo)
    row = find_row(context, entry, instance)
    start = as_utc(since) or context.clock() - timedelta(seconds=entry.slo.period)
    end = as_utc(until)
    evaluations = context.store.history(row.key, since=start, until=end, max_points=points)
    return History(
        service=service,
        slo=slo,
        instance=row.key.instance,
        since=start,
        until=end,
        points=[views.history_point(e) for e in evaluations],
    )
