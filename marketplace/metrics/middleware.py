"""RED instrumentation as a pure ASGI middleware."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.metrics import registry
from marketplace.metrics.http import HttpMetrics

UNMATCHED_ROUTE = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(scope: Scope) -> str:
    """Return the route template that served a request, or one fixed value for no route."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def method_label(method: str) -> str:
    """Map an HTTP method onto a fixed set, so made-up methods cannot create series."""
    return method if method in KNOWN_METHODS else "other"


class MetricsMiddleware:
    """Count requests and time them by method, route template and status.

    Usage::

        app.add_middleware(MetricsMiddleware)
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics or registry.HTTP

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request and record it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = method_label(scope["method"])
        status = 500
        self.metrics.started(method)
        started = time.perf_counter()

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.finished(method, route_label(scope), status, elapsed)
