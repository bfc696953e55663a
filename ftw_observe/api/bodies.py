"""Request bodies with a size limit, enforced before anything reads or parses them.

FastAPI reads and parses a body before any dependency runs, so the limit lives at the ASGI
level: a declared `Content-Length` over the limit is refused at once, and a chunked body is
refused as soon as the bytes read pass it, without reading the rest.
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi import HTTPException, Request, status

from ftw_observe.api.schemas import ErrorBody, Responses, doc

TOO_LARGE: Responses = {413: doc(ErrorBody, "The request body is over the size limit")}


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
