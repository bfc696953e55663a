"""Fault injection for drills: operators only, off until someone sets a fault."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS
from marketplace.api.schemas import FaultsOut, PaymentOutageIn, RouteFaultIn
from marketplace.auth import UserDep, require_role
from marketplace.db.models import Role
from marketplace.faults import ALL_ROUTES, FaultSnapshot, FaultStore, RouteFaultSpec


async def require_operator(user: UserDep) -> None:
    """Answer 403 unless the caller is an operator."""
    require_role(user, Role.OPERATOR, action="inject faults")


router = APIRouter(
    prefix="/api/admin/faults",
    tags=["admin"],
    dependencies=[Depends(enforce_rate_limit), Depends(require_operator)],
    responses=AUTH_ERRORS,
)


async def _store(request: Request) -> FaultStore:
    store: FaultStore = request.app.state.services.faults
    return store


StoreDep = Annotated[FaultStore, Depends(_store)]


def _out(snapshot: FaultSnapshot) -> FaultsOut:
    routes = [
        RouteFaultIn(
            route=fault.route,
            error_ratio=fault.error_ratio,
            error_status=fault.error_status,
            latency_seconds=fault.latency_seconds,
        )
        for fault in sorted(snapshot.routes.values(), key=lambda fault: fault.route)
    ]
    return FaultsOut(routes=routes, payment_provider_outage=snapshot.payment_outage)


def _known_routes(request: Request) -> list[str]:
    paths = request.app.openapi().get("paths", {})
    return sorted(path for path in paths if not path.startswith(router.prefix))


@router.get("", response_model=FaultsOut)
def show_faults(store: StoreDep) -> FaultsOut:
    """Return every fault in force."""
    return _out(store.refresh())


@router.put("/routes", response_model=FaultsOut)
def set_route_fault(body: RouteFaultIn, store: StoreDep, request: Request) -> FaultsOut:
    """Inject errors and/or latency into one route template, or '*' for every route."""
    known = _known_routes(request)
    if body.route != ALL_ROUTES and body.route not in known:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"field 'route': {body.route!r} is not a route template of this API; "
            f"use '*' or one of: {', '.join(known)}",
        )
    spec = RouteFaultSpec(body.route, body.error_ratio, body.error_status, body.latency_seconds)
    return _out(store.set_route_fault(spec))


@router.delete("/routes", response_model=FaultsOut)
def clear_route_fault(
    store: StoreDep, route: Annotated[str, Query(min_length=1, max_length=200)]
) -> FaultsOut:
    """End the fault on one route template."""
    return _out(store.clear_route_fault(route))


@router.put("/payment-provider", response_model=FaultsOut)
def set_payment_outage(body: PaymentOutageIn, store: StoreDep) -> FaultsOut:
    """Start or end a simulated payment-provider outage."""
    return _out(store.set_payment_outage(body.outage))


@router.delete("", response_model=FaultsOut)
def clear_faults(store: StoreDep) -> FaultsOut:
    """End every injected fault."""
    return _out(store.clear_all())
