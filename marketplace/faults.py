"""Fault injection for drills, shared by every worker through the database."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from marketplace.db.models import DependencyOutage, RouteFault, utcnow
from marketplace.db.session import Database
from marketplace.metrics import registry as metrics
from marketplace.metrics.middleware import route_label

ALL_ROUTES = "*"
PAYMENT_PROVIDER = "payment-provider"


@dataclass(frozen=True)
class RouteFaultSpec:
    """Errors and latency to inject into one route template, or into every route."""

    route: str
    error_ratio: float = 0.0
    error_status: int = 500
    latency_seconds: float = 0.0


@dataclass(frozen=True)
class FaultSnapshot:
    """Every fault in force at one moment."""

    routes: dict[str, RouteFaultSpec] = field(default_factory=dict)
    payment_outage: bool = False

    def for_route(self, route: str) -> RouteFaultSpec | None:
        """Return the fault for `route`: its own, else the one for every route."""
        return self.routes.get(route) or self.routes.get(ALL_ROUTES)


class FaultStore:
    """Faults kept in the database and cached per process for `refresh_seconds`.

    A change made through one worker reaches the others within `refresh_seconds`; the
    worker that made it sees it at once.

    Usage::

        store = FaultStore(database, refresh_seconds=1.0)
        store.set_route_fault(RouteFaultSpec("/api/jobs", error_ratio=1.0))
        store.snapshot().for_route("/api/jobs")
    """

    def __init__(
        self,
        database: Database,
        refresh_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot = FaultSnapshot()
        self._loaded_at: float | None = None
        self._refreshing = False

    def is_stale(self) -> bool:
        """Tell whether the cached snapshot should be reloaded before use."""
        loaded = self._loaded_at
        return loaded is None or self._clock() - loaded >= self._refresh_seconds

    def claim_refresh(self) -> bool:
        """Tell whether the snapshot is stale and nobody reloads it yet; if so, the caller must.

        Without it every request arriving while a reload runs would start its own.
        """
        with self._lock:
            if self._refreshing or not self.is_stale():
                return False
            self._refreshing = True
            return True

    def cached(self) -> FaultSnapshot:
        """Return the cached snapshot without touching the database."""
        return self._snapshot

    def snapshot(self) -> FaultSnapshot:
        """Return the faults in force, reloading them when the cache is stale."""
        if self.is_stale():
            self.refresh()
        return self._snapshot

    def refresh(self) -> FaultSnapshot:
        """Reload every fault from the database."""
        try:
            with self._database.session() as session:
                routes = {
                    row.route: RouteFaultSpec(
                        row.route, row.error_ratio, row.error_status, row.latency_seconds
                    )
                    for row in session.scalars(select(RouteFault))
                }
                outage = session.get(DependencyOutage, PAYMENT_PROVIDER)
            snapshot = FaultSnapshot(routes, payment_outage=bool(outage and outage.active))
            with self._lock:
                self._snapshot = snapshot
                self._loaded_at = self._clock()
            return snapshot
        finally:
            with self._lock:
                self._refreshing = False

    def set_route_fault(self, spec: RouteFaultSpec) -> FaultSnapshot:
        """Inject `spec`, replacing any fault on the same route."""
        with self._database.session() as session, session.begin():
            row = session.get(RouteFault, spec.route) or RouteFault(route=spec.route)
            row.error_ratio = spec.error_ratio
            row.error_status = spec.error_status
            row.latency_seconds = spec.latency_seconds
            row.updated_at = utcnow()
            session.add(row)
        return self.refresh()

    def clear_route_fault(self, route: str) -> FaultSnapshot:
        """Remove the fault on `route`, if any."""
        with self._database.session() as session, session.begin():
            session.execute(delete(RouteFault).where(RouteFault.route == route))
        return self.refresh()

    def set_payment_outage(self, active: bool) -> FaultSnapshot:
        """Start or end a simulated payment-provider outage."""
        with self._database.session() as session, session.begin():
            session.execute(
                delete(DependencyOutage).where(DependencyOutage.dependency == PAYMENT_PROVIDER)
            )
            if active:
                session.add(DependencyOutage(dependency=PAYMENT_PROVIDER, active=True))
        return self.refresh()

    def clear_all(self) -> FaultSnapshot:
        """End every injected fault."""
        with self._database.session() as session, session.begin():
            session.execute(delete(RouteFault))
            session.execute(delete(DependencyOutage))
        return self.refresh()


# Routes a drill must never break: clearing a fault, health checks, scrapes.
EXEMPT_PREFIXES = ("/api/admin/", "/healthz", "/readyz", "/metrics")


async def inject_faults(request: Request) -> None:
    """Delay or fail the request as the drill in force says."""
    route = route_label(request.scope)
    if route.startswith(EXEMPT_PREFIXES):
        return
    store: FaultStore = request.app.state.services.faults
    if store.claim_refresh():
        # A database outage must show as the outage itself, not as a broken drill switch.
        with contextlib.suppress(SQLAlchemyError):
            await asyncio.to_thread(store.refresh)
    fault = store.cached().for_route(route)
    if fault is None:
        return
    if fault.latency_seconds > 0:
        metrics.FAULTS_INJECTED.labels(kind="latency").inc()
        await asyncio.sleep(fault.latency_seconds)
    if fault.error_ratio > 0 and random.random() < fault.error_ratio:
        metrics.FAULTS_INJECTED.labels(kind="error").inc()
        raise HTTPException(
            status_code=fault.error_status,
            detail=f"injected fault: {fault.error_ratio:.0%} of requests to {fault.route} fail",
        )
