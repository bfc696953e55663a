"""RED metrics: route templates as labels, bounded cardinality, exact status codes."""

from __future__ import annotations

import asyncio
import random
import string

import httpx
from prometheus_client import REGISTRY

from marketplace.app import create_app
from marketplace.config import Settings
from marketplace.metrics.middleware import UNMATCHED_ROUTE
from tests.conftest import Marketplace


def _count(method: str, route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "http_requests_total", {"method": method, "route": route, "status": status}
    )
    return value or 0.0


def _series(name: str) -> set[tuple[tuple[str, str], ...]]:
    return {
        tuple(sorted(sample.labels.items()))
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == name
    }


def test_requests_are_labelled_with_the_route_template(pg_marketplace: Marketplace) -> None:
    before = _count("GET", "/api/jobs/{job_id}", "404")
    response = pg_marketplace.client.get("/api/jobs/987654")
    assert response.status_code == 404
    assert _count("GET", "/api/jobs/{job_id}", "404") == before + 1
    assert (
        REGISTRY.get_sample_value(
            "http_request_duration_seconds_count", {"method": "GET", "route": "/api/jobs/987654"}
        )
        is None
    )


def test_unmatched_paths_share_one_label_value(pg_marketplace: Marketplace) -> None:
    before = _count("GET", UNMATCHED_ROUTE, "404")
    assert pg_marketplace.client.get("/no/such/page").status_code == 404
    assert _count("GET", UNMATCHED_ROUTE, "404") == before + 1


def test_made_up_methods_share_one_label_value(pg_marketplace: Marketplace) -> None:
    before = _count("other", "/api/jobs", "405")
    response = pg_marketplace.client.request("BREW", "/api/jobs")
    assert response.status_code == 405
    assert _count("other", "/api/jobs", "405") == before + 1


def test_latency_histogram_has_every_slo_threshold_as_a_bucket(pg_marketplace: Marketplace) -> None:
    pg_marketplace.client.get("/api/jobs")
    bounds = {
        sample.labels["le"]
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == "http_request_duration_seconds_bucket"
        and sample.labels["route"] == "/api/jobs"
    }
    for threshold in ("0.1", "0.15", "0.25", "0.5", "0.8", "1.0", "1.5", "2.0", "5.0"):
        assert threshold in bounds


def _random_path(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_.~%"
    segments = [
        "".join(rng.choices(alphabet, k=rng.randint(1, 12))) for _ in range(rng.randint(1, 5))
    ]
    prefix = rng.choice(["", "/api", "/api/jobs", "/api/admin", "/static"])
    return prefix + "/" + "/".join(segments)


async def _send_random_paths(settings: Settings, count: int) -> set[int]:
    rng = random.Random(20261121)
    app = create_app(settings)
    statuses: set[int] = set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(count):
            method = rng.choice(["GET", "POST", "DELETE", "PURGE", "get"])
            response = await client.request(method, _random_path(rng))
            statuses.add(response.status_code)
    await app.state.services.aclose()
    return statuses


def test_ten_thousand_random_paths_add_a_bounded_number_of_series(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url)
    asyncio.run(_send_random_paths(settings, 100))  # warm up the label sets random paths reach
    before = _series("http_requests_total")
    statuses = asyncio.run(_send_random_paths(settings, 10_000))
    after = _series("http_requests_total")
    new_series = after - before
    templates = set(create_app(settings).openapi()["paths"]) | {UNMATCHED_ROUTE}
    assert {dict(labels)["route"] for labels in new_series} <= templates
    assert {dict(labels)["method"] for labels in new_series} <= {"GET", "POST", "DELETE", "other"}
    # Bounded by templates, methods and statuses, never by the number of distinct paths.
    assert len(new_series) <= 20, sorted(new_series)
    assert 404 in statuses


def test_scrapes_are_labelled_with_their_route(pg_marketplace: Marketplace) -> None:
    before = _count("GET", "/metrics", "200")
    pg_marketplace.client.get("/metrics")
    assert _count("GET", "/metrics", "200") == before + 1
