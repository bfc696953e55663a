"""Alerts: every alert's current state, and the history of firings and resolutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ftw_observe.api import views
from ftw_observe.api.deps import ContextDep
from ftw_observe.api.params import DIGITS_ONLY, Timestamp
from ftw_observe.api.schemas import STORE_DOWN, AlertEventOut, AlertStateOut
from ftw_observe.api.slos import as_utc

router = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=STORE_DOWN)


@router.get("", response_model=list[AlertStateOut])
def list_alerts(context: ContextDep) -> list[AlertStateOut]:
    """List every alert's current state: firing, then pending, resolved and inactive."""
    return views.alert_states(context.store.alert_states().values())


@router.get("/history", response_model=list[AlertEventOut])
def alert_history(
    context: ContextDep,
    service: Annotated[str | None, Query(description="Only this service")] = None,
    slo: Annotated[str | None, Query(description="Only this SLO")] = None,
    since: Annotated[Timestamp | None, Query(description="Only transitions from then on")] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="At most this many"), DIGITS_ONLY] = 500,
) -> list[AlertEventOut]:
    """List alert transitions, newest first; resolutions say how long the alert fired."""
    transitions = context.store.alert_events(
        service=service, slo=slo, since=as_utc(since), limit=limit
    )
    return [views.alert_event(item) for item in transitions]
