"""The load generator's HTTP edge against small real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import pytest
import uvicorn

from marketplace.loadgen.actions import Action, ActionKind, Outcome
from marketplace.loadgen.client import KEEPALIVE_SECONDS, LoadgenError, MarketplaceClient

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _response(status: str, body: bytes, headers: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}"
    return f"{head}content-length: {len(body)}\r\n\r\n".encode() + body


def _answering(reply: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    return handle


async def _hanging_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(30)
    finally:
        writer.close()


def _exchange(handler: Handler, timeout: float = 5.0) -> Outcome:
    """Send one GET /api/jobs/1 to a server running `handler` and return the outcome."""

    async def main() -> Outcome:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with MarketplaceClient(f"http://127.0.0.1:{port}", timeout=timeout) as client:
                return await client.send(Action(ActionKind.GET_JOB, "/api/jobs/1", actor=None))
        finally:
            server.close()

    return asyncio.run(main())


def test_a_429_carries_its_retry_after_and_the_limit_named():
    body = b'{"detail": "too many requests", "limit": "hourly"}'
    outcome = _exchange(_answering(_response("429 Too Many Requests", body, "retry-after: 7\r\n")))
    assert (outcome.status, outcome.retry_after_seconds, outcome.limit) == (429, 7.0, "hourly")


def test_a_server_hanging_up_is_an_outcome_named_protocol_error():
    outcome = _exchange(_hanging_up)
    assert (outcome.status, outcome.error) == (None, "protocol_error")


def test_a_server_that_never_answers_is_an_outcome_named_timeout():
    outcome = _exchange(_silent, timeout=0.3)
    assert (outcome.status, outcome.error) == (None, "timeout")


def test_nothing_listening_is_an_error_naming_the_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def main() -> None:
        async with MarketplaceClient(url) as client:
            await client.check_reachable()

    with pytest.raises(LoadgenError, match=f"cannot reach the marketplace at {url}"):
        asyncio.run(main())


def test_an_operator_call_refused_names_the_status_and_the_detail():
    reply = _response("403 Forbidden", b'{"detail": "operators only"}')

    async def main() -> None:
        server = await asyncio.start_server(_answering(reply), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with MarketplaceClient(f"http://127.0.0.1:{port}") as client:
                await client.operator_json("GET", "/api/admin/faults", "key")
        finally:
            server.close()

    with pytest.raises(LoadgenError, match="GET /api/admin/faults answered 403: operators only"):
        asyncio.run(main())


def test_sending_outside_async_with_is_refused():
    client = MarketplaceClient("http://127.0.0.1:1")
    action = Action(ActionKind.GET_JOB, "/api/jobs/1", actor=None)
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(client.send(action))


def test_idle_connections_are_dropped_before_the_server_closes_them():
    assert uvicorn.Config("marketplace.app:app").timeout_keep_alive > KEEPALIVE_SECONDS
