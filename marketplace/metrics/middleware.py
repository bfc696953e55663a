"""RED instrumentation as a pure ASGI middleware."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.metrics import registry as metrics

UNMATCHED_ROUTE = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(scope: Scope) -> str:
    """Return the route template that served a request, or one fixed value for no route."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def method_label(method: str) -> str:
    """Map an HTTP method onto a fixed set, so made-up methods cannot create series."""
    return method if method in KNOWN_METHODS else "other"


class MetricsMiddleware:
    """Count requests and time them by method, route template and status.

    Label children are looked up once per label set and kept: `labels()` costs more than the
    increments themselves, and the label sets are bounded by design.

    Usage::

        app.add_middleware(MetricsMiddleware)
    """

    def __init__(self, app: ASGIApp, excluded_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.excluded_paths = excluded_paths
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._durations: dict[tuple[str, str], Any] = {}
        self._in_progress: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request and record it."""
        if scope["type"] != "http" or scope["path"] in self.excluded_paths:
            await self.app(scope, receive, send)
            return
        method = method_label(scope["method"])
        in_progress = self._in_progress.get(method)
        if in_progress is None:
            in_progress = self._in_progress[method] = metrics.HTTP_IN_PROGRESS.labels(method)
        status = 500
        started = time.perf_counter()
        in_progress.inc()

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            elapsed = time.perf_counter() - started
            in_progress.dec()
            self._record(method, route_label(scope), status, elapsed)

    def _record(self, method: str, route: str, status: int, elapsed: float) -> None:
        key = (method, route, status)
        counter = self._requests.get(key)
        if counter is None:
            counter = self._requests[key] = metrics.HTTP_REQUESTS.labels(method, route, str(status))
        counter.inc()
        duration = self._durations.get((method, route))
        if duration is None:
            duration = self._durations[method, route] = metrics.HTTP_DURATION.labels(method, route)
        duration.observe(elapsed)
