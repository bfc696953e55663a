"""Request bodies with a size limit, enforced before anything reads or parses them.

FastAPI reads and parses a body before any dependency runs, so the limit lives at the ASGI
level: a declared `Content-Length` over the limit is refused at once, and a chunked body is
refused as soon as the bytes read pass it, without reading the rest.
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ftw_observe.api.schemas import ErrorBody, Responses, doc

# Every body the API takes (a silence, …) fits in a few kilobytes.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
TOO_LARGE: Responses = {413: doc(ErrorBody, "The request body is over the size limit")}
# What every route that parses a JSON body may answer before its own validation.
BODY_ERRORS: Responses = {**TOO_LARGE, 400: doc(ErrorBody, "The body is not JSON text")}


def too_large(limit: int) -> HTTPException:
    """Return the 413 answer to a body over `limit` bytes."""
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"the request body is larger than {limit} bytes"
    )


def declared_length(headers: Collection[tuple[bytes, bytes]]) -> int | None:
    """Return the request's `Content-Length`, or None when it has none (or not a number)."""
    for name, value in headers:
        if name.lower() == b"content-length" and value.isdigit():
            return int(value)
    return None


async def read_body(request: Request, limit: int) -> bytes:
    """Read a request's body, refusing it with 413 once it passes `limit` bytes."""
    length = declared_length(request.headers.raw)
    if length is not None and length > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


class BodyLimit:
    """ASGI middleware: refuse request bodies over `max_bytes` with 413 before they are parsed.

    Routes in `own_limit` read their bodies themselves, under limits of their own (the webhook
    checks its token first). Usage::

        app.add_middleware(BodyLimit, max_bytes=65536, own_limit={"/api/webhooks/alertmanager"})
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, own_limit: Collection[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_limit = frozenset(own_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a receive channel that stops at the limit."""
        if scope["type"] != "http" or scope["path"] in self.own_limit:
            await self.app(scope, receive, send)
            return
        length = declared_length(scope["headers"])
        if length is not None and length > self.max_bytes:
            error = too_large(self.max_bytes)
            answer = JSONResponse({"detail": error.detail}, status_code=error.status_code)
            await answer(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route, where the app's error handlers answer it.
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, limited, send)
