"""Error bodies the API documents, and the 429 answer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from marketplace.metrics.middleware import route_label
from marketplace.ratelimit import Decision

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """Why a request failed, in one sentence."""

    detail: str


class RateLimitedBody(BaseModel):
    """Which limit a 429 refers to and when to try again."""

    detail: str
    limit: str
    allowed: int
    window_seconds: int
    retry_after_seconds: int


class RateLimited(Exception):
    """Raised by the rate-limit dependency; rendered as 429 with Retry-After."""

    def __init__(self, decision: Decision) -> None:
        assert decision.limit is not None
        self.decision = decision
        super().__init__(decision.limit.describe())


async def rate_limited_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render a RateLimited exception as 429 with Retry-After and the limit it hit."""
    assert isinstance(exc, RateLimited)
    limit = exc.decision.limit
    assert limit is not None
    body = RateLimitedBody(
        detail=f"rate limit exceeded: {limit.describe()}",
        limit=limit.name,
        allowed=limit.allowed,
        window_seconds=limit.window_seconds,
        retry_after_seconds=exc.decision.retry_after_seconds,
    )
    return JSONResponse(
        body.model_dump(),
        status_code=429,
        headers={"Retry-After": str(exc.decision.retry_after_seconds)},
    )


def _doc(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


Responses = dict[int | str, dict[str, Any]]

AUTH_ERRORS: Responses = {
    400: _doc(ErrorBody, "The request body is not valid JSON"),
    401: _doc(ErrorBody, "No API key, or an API key that is not valid"),
    403: _doc(ErrorBody, "The caller's role or ownership does not allow this"),
    429: _doc(RateLimitedBody, "A rate limit is exhausted; see Retry-After"),
    503: _doc(ErrorBody, "The database or the payment provider is unavailable; see Retry-After"),
}
NOT_FOUND: Responses = {404: _doc(ErrorBody, "The resource does not exist")}
CONFLICT: Responses = {409: _doc(ErrorBody, "The resource is not in a state that allows this")}
UNAVAILABLE: Responses = {
    502: _doc(ErrorBody, "The payment provider failed; the payout is marked failed"),
}


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Render HTTP errors as FastAPI does, with a complete Allow header on 405."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        # Routing stops at the first template that matches the path, so its Allow header
        # lists only that route's methods; the OpenAPI document knows all of them.
        operations = request.app.openapi()["paths"].get(route_label(request.scope), {})
        methods = sorted(method.upper() for method in operations)
        if methods:
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
    return await http_exception_handler(request, exc)


async def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """Answer 503 when the database cannot be reached or its pool is exhausted."""
    cause = getattr(exc, "orig", None) or exc
    log.warning(
        "%s %s: database unavailable (%s)",
        request.method,
        route_label(request.scope),
        type(cause).__name__,
    )
    return JSONResponse(
        {"detail": "the database is unavailable or overloaded; retry shortly"},
        status_code=503,
        headers={"Retry-After": "1"},
    )
