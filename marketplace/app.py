"""The marketplace application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from marketplace.api import admin, bids, health, invoices, jobs, messages, payouts, users
from marketplace.api.errors import (
    RateLimited,
    database_unavailable_handler,
    http_error_handler,
    rate_limited_handler,
)
from marketplace.api.recycling import RecycleConnections
from marketplace.api.shedding import InFlight, shed_load
from marketplace.config import Settings
from marketplace.faults import inject_faults
from marketplace.metrics import registry
from marketplace.metrics.exposition import mark_worker_dead, metrics_endpoint
from marketplace.metrics.middleware import MetricsMiddleware, method_label
from marketplace.services import Services

log = logging.getLogger(__name__)

DESCRIPTION = """
The FairTradeWorker marketplace: homeowners post jobs in one of 254 Texas territories,
contractors bid, the homeowner accepts a bid, the job is completed, invoiced and the
contractor is paid out.

Authenticate with `Authorization: Bearer <api key>` (`ftw-marketplace seed` prints keys).
Rate limits answer 429 with `Retry-After` and a body naming the limit.
"""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the marketplace app; connections open on first use, not here."""
    settings = settings or (services.settings if services else Settings.from_env())
    services = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        yield
        await services.aclose()
        mark_worker_dead(os.getpid())

    app = FastAPI(
        title="FairTradeWorker marketplace",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Shedding first: an overloaded worker answers before any other work.
        dependencies=[Depends(shed_load), Depends(inject_faults)],
    )
    app.state.services = services
    app.state.in_flight = InFlight(settings.max_in_flight, settings.max_queue_seconds)
    app.add_exception_handler(RateLimited, rate_limited_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    for unavailable in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(unavailable, database_unavailable_handler)
    for module in (health, users, jobs, bids, invoices, payouts, messages, admin):
        app.include_router(module.router)
    # An API route, unlike a plain one, carries its template into the request's metrics.
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    if settings.metrics_enabled:
        app.add_middleware(MetricsMiddleware)
        declare_error_series(app)
    app.add_middleware(RecycleConnections, every=settings.reconnect_every)
    return app


# The statuses an outage answers with: unhandled errors and injected faults, an unavailable
# database or an open breaker.
OUTAGE_STATUSES = (500, 503)


def declare_error_series(app: FastAPI) -> None:
    """Export every API route's outage counters at zero, so the first errors count in full."""
    # The OpenAPI document is the public list of route templates and their methods.
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/"):
            for method in sorted(operations):
                for status in OUTAGE_STATUSES:
                    registry.HTTP.declare(method_label(method.upper()), path, status)
