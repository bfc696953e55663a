"""Load shedding: past a number of API requests in flight, and a short wait, answer 503.

Overload otherwise queues requests for database connections and the CPU until clients give
up; a fast 503 with Retry-After tells them to come back and keeps the requests that are
served fast. The limit is per worker process (`FTW_MAX_IN_FLIGHT`, 0 turns it off), and so
is the wait for a slot (`FTW_MAX_QUEUE_SECONDS`, 0: refuse at once).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from fastapi import HTTPException, Request, status

from marketplace.metrics import registry as metrics
from marketplace.metrics.middleware import route_label

RETRY_AFTER_SECONDS = 1
# Waiters per in-flight slot: past this many a request is refused without waiting.
WAITERS_PER_SLOT = 4


class InFlight:
    """The API requests one worker is serving, against its limit, with a short wait line.

    A request past the limit waits up to `queue_seconds` for a slot, first come first
    served, so that a burst of a few milliseconds is served rather than refused; when no slot
    frees in time, or `WAITERS_PER_SLOT` times the limit are waiting already, it is refused.
    The event loop runs every dependency, so the counts need no lock.

    Usage::

        in_flight = InFlight(limit=12, queue_seconds=0.05)
        if not await in_flight.enter():
            ...  # answer 503
        in_flight.leave()
    """

    def __init__(self, limit: int, queue_seconds: float = 0.0) -> None:
        self.limit = limit
        self.queue_seconds = queue_seconds
        self.count = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Return how many requests wait for a slot."""
        return len(self._waiters)

    async def enter(self) -> bool:
        """Take a slot, waiting for one up to the queue time; False: refused, not counted."""
        if not self.limit or (self.count < self.limit and not self._waiters):
            self.count += 1
            return True
        if self.queue_seconds <= 0 or len(self._waiters) >= WAITERS_PER_SLOT * self.limit:
            return False
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(handed)
        try:
            # Shielded: a timeout or cancellation must not cancel a slot already handed over.
            async with asyncio.timeout(self.queue_seconds):
                await asyncio.shield(handed)
        except TimeoutError:
            if handed.done():  # the slot came as the wait ran out
                return True
            self._waiters.remove(handed)
            return False
        except asyncio.CancelledError:
            if handed.done():
                self.leave()  # the request is gone: pass its slot on
            else:
                self._waiters.remove(handed)
            raise
        return True

    def leave(self) -> None:
        """Give a slot back: to the longest waiter, or free."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes on; the count stays
                return
        self.count -= 1


async def shed_load(request: Request) -> AsyncIterator[None]:
    """Hold an in-flight slot for an API request, or answer 503 with Retry-After."""
    if not route_label(request.scope).startswith("/api/"):
        yield
        return
    in_flight: InFlight = request.app.state.in_flight
    if not await in_flight.enter():
        metrics.SHED.inc()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the marketplace is overloaded ({in_flight.limit} requests in flight in "
            f"this worker, none done within {in_flight.queue_seconds:g} s); "
            f"retry after {RETRY_AFTER_SECONDS} s",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        yield
    finally:
        in_flight.leave()
