"""Load shedding: past a number of API requests in flight, answer 503 at once.

Overload otherwise queues requests for threads and database connections until clients give
up; a fast 503 with Retry-After tells them to come back and keeps the requests that are
served fast. The limit is per worker process (`FTW_MAX_IN_FLIGHT`, 0 turns it off).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import HTTPException, Request, status

from marketplace.metrics import registry as metrics
from marketplace.metrics.middleware import route_label

RETRY_AFTER_SECONDS = 1


class InFlight:
    """The API requests one worker is serving, against its limit.

    The event loop runs every dependency, so the count needs no lock.

    Usage::

        in_flight = InFlight(limit=16)
        if not in_flight.enter():
            ...  # answer 503
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def enter(self) -> bool:
        """Count a request in, or say it is one too many (it is then not counted)."""
        if self.limit and self.count >= self.limit:
            return False
        self.count += 1
        return True

    def leave(self) -> None:
        """Count a request out."""
        self.count -= 1


async def shed_load(request: Request) -> AsyncIterator[None]:
    """Hold an in-flight slot for an API request, or answer 503 with Retry-After."""
    if not route_label(request.scope).startswith("/api/"):
        yield
        return
    in_flight: InFlight = request.app.state.in_flight
    if not in_flight.enter():
        metrics.SHED.inc()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the marketplace is overloaded ({in_flight.limit} requests in flight in "
            f"this worker); retry after {RETRY_AFTER_SECONDS} s",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        yield
    finally:
        in_flight.leave()
