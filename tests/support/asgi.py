"""Drive an ASGI app with a body in chunks and see how much of it the app read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message


@dataclass
class AsgiAnswer:
    """What the app answered, and how many body chunks it pulled from the client."""

    status: int
    headers: dict[str, str]
    body: bytes
    chunks_read: int
    sent: list[Message] = field(default_factory=list)

    def json(self) -> Any:
        """Return the answer's body as JSON."""
        return json.loads(self.body)


def send_in_chunks(
    app: ASGIApp,
    method: str,
    path: str,
    chunks: Sequence[bytes],
    headers: dict[str, str] | None = None,
) -> AsgiAnswer:
    """Send a request whose body arrives in `chunks`; count the chunks the app asked for.

    Usage::

        answer = send_in_chunks(app, "POST", "/api/silences", [b"x" * 1024] * 100)
        assert answer.status == 413 and answer.chunks_read < 100
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        # The client has sent everything and now only waits for the answer.
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=30))
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answer_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return AsgiAnswer(start["status"], answer_headers, body, read, sent)
