"""Load shedding: past its in-flight limit and a short wait, a worker answers 503."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from prometheus_client import REGISTRY

from marketplace.api.shedding import WAITERS_PER_SLOT, InFlight
from marketplace.config import Settings
from tests.conftest import Marketplace, MarketplaceFactory, wait_until

FAULTS = "/api/admin/faults/routes"
HELD_SECONDS = 3.0  # how long the requests that fill the limit are held by a latency fault


def shed() -> float:
    return REGISTRY.get_sample_value("ftw_marketplace_shed_requests_total") or 0.0


@pytest.fixture
def full(make_marketplace: MarketplaceFactory, sqlite_url: str) -> Iterator[Marketplace]:
    """A marketplace whose limit of two in-flight requests is taken by two held job listings."""
    mp = make_marketplace(Settings(database_url=sqlite_url, max_in_flight=2))
    fault = {"route": "/api/jobs", "latency_seconds": HELD_SECONDS}
    assert mp.client.put(FAULTS, json=fault, headers=mp.key("operator")).status_code == 200
    in_flight: InFlight = mp.client.app.state.in_flight  # type: ignore[attr-defined]
    with ThreadPoolExecutor(2) as pool:
        held: list[Future[int]] = [
            pool.submit(lambda: mp.client.get("/api/jobs").status_code) for _ in range(2)
        ]
        wait_until(lambda: in_flight.count == 2)
        yield mp
        assert [f.result() for f in held] == [200, 200]


def test_a_request_past_the_limit_is_answered_503_with_retry_after(full: Marketplace) -> None:
    before = shed()
    response = full.client.get("/api/me", headers=full.key("homeowner"))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "overloaded" in response.json()["detail"]
    assert shed() - before == 1


def test_health_and_metrics_are_never_shed(full: Marketplace) -> None:
    assert full.client.get("/healthz").status_code == 200
    assert full.client.get("/metrics").status_code == 200


def test_a_shed_request_counts_as_a_503_of_its_route(full: Marketplace) -> None:
    labels = {"method": "GET", "route": "/api/me", "status": "503"}
    before = REGISTRY.get_sample_value("http_requests_total", labels) or 0.0
    full.client.get("/api/me", headers=full.key("homeowner"))
    assert (REGISTRY.get_sample_value("http_requests_total", labels) or 0.0) - before == 1


def test_requests_are_served_again_once_the_held_ones_finish(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url, max_in_flight=1))
    statuses = [mp.client.get("/api/jobs").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_a_limit_of_zero_sheds_nothing() -> None:
    async def enter_many() -> list[bool]:
        in_flight = InFlight(limit=0)
        return [await in_flight.enter() for _ in range(1000)]

    assert all(asyncio.run(enter_many()))


def test_a_request_past_the_limit_gets_the_first_slot_that_frees() -> None:
    async def scenario() -> tuple[bool, int, int]:
        in_flight = InFlight(limit=1, queue_seconds=5)
        await in_flight.enter()
        waiter = asyncio.create_task(in_flight.enter())
        await asyncio.sleep(0)
        waiting = in_flight.waiting
        in_flight.leave()
        return await waiter, waiting, in_flight.count

    assert asyncio.run(scenario()) == (True, 1, 1)


def test_a_request_is_refused_when_no_slot_frees_within_the_queue_time() -> None:
    async def scenario() -> tuple[bool, int, int]:
        in_flight = InFlight(limit=1, queue_seconds=0.01)
        await in_flight.enter()
        return await in_flight.enter(), in_flight.count, in_flight.waiting

    assert asyncio.run(scenario()) == (False, 1, 0)


def test_past_a_full_wait_line_a_request_is_refused_without_waiting() -> None:
    async def scenario() -> bool:
        in_flight = InFlight(limit=1, queue_seconds=60)
        await in_flight.enter()
        line = [asyncio.create_task(in_flight.enter()) for _ in range(WAITERS_PER_SLOT)]
        await asyncio.sleep(0)
        refused = not await asyncio.wait_for(in_flight.enter(), timeout=5)
        for waiter in line:
            waiter.cancel()
        await asyncio.gather(*line, return_exceptions=True)
        return refused and in_flight.waiting == 0

    assert asyncio.run(scenario())


def test_a_slot_handed_to_a_request_that_went_away_passes_to_the_next() -> None:
    async def scenario() -> tuple[bool, int]:
        in_flight = InFlight(limit=1, queue_seconds=5)
        await in_flight.enter()
        gone = asyncio.create_task(in_flight.enter())
        next_one = asyncio.create_task(in_flight.enter())
        await asyncio.sleep(0)
        in_flight.leave()  # the slot goes to `gone` ...
        gone.cancel()  # ... which is cancelled before it runs again
        await asyncio.gather(gone, return_exceptions=True)
        return await next_one, in_flight.count

    assert asyncio.run(scenario()) == (True, 1)


def test_a_queue_time_of_zero_refuses_at_once() -> None:
    async def scenario() -> bool:
        in_flight = InFlight(limit=1, queue_seconds=0)
        await in_flight.enter()
        return await in_flight.enter()

    assert asyncio.run(scenario()) is False
