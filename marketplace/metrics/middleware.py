"""RED instrumentation as a pure ASGI middleware."""

from __future__ import annotations

import time

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

    Usage::

        app.add_middleware(MetricsMiddleware)
    """

    def __init__(self, app: ASGIApp, excluded_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.excluded_paths = excluded_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request and record it."""
        if scope["type"] != "http" or scope["path"] in self.excluded_paths:
            await self.app(scope, receive, send)
            return
        method = method_label(scope["method"])
        status = 500
        started = time.perf_counter()
        in_progress = metrics.HTTP_IN_PROGRESS.labels(method=method)
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
            route = route_label(scope)
            metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            metrics.HTTP_DURATION.labels(method=method, route=route).observe(elapsed)
