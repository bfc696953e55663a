"""The heartbeat ping on its own: never two in flight, never its URL in sight."""

from __future__ import annotations

import threading

import httpx

from ftw_observe.engine.heartbeat import Heartbeat
from tests.support.heartbeat import TOKEN, FakeCheck


class GatedTransport(httpx.BaseTransport):
    """A transport that holds every request until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.gate.wait(timeout=30)
        return httpx.Response(200)


def test_a_ping_still_waiting_makes_the_next_one_skip() -> None:
    transport = GatedTransport()
    heartbeat = Heartbeat(f"https://hc.test/ping/{TOKEN}", timeout=0.05, transport=transport)
    try:
        assert not heartbeat.ping()
        assert not heartbeat.ping()
        assert len(transport.requests) == 1
        transport.gate.set()
    finally:
        heartbeat.close()


def test_its_url_is_never_shown() -> None:
    with FakeCheck() as check:
        heartbeat = Heartbeat(check.ping_url)
        try:
            assert heartbeat.ping()
        finally:
            heartbeat.close()

    assert repr(heartbeat) == "Heartbeat('127.0.0.1')"
    assert heartbeat.host == "127.0.0.1"


def test_a_closed_heartbeat_fails_without_raising() -> None:
    heartbeat = Heartbeat(f"https://hc.test/ping/{TOKEN}", transport=GatedTransport())
    heartbeat.close()

    assert not heartbeat.ping()
