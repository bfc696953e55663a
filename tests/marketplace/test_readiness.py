"""Liveness and readiness while the database or Redis is up, and after each goes away."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.config import Settings
from tests.conftest import (
    Marketplace,
    MarketplaceFactory,
    RedisServer,
    drop_database,
)


def _ready(mp: Marketplace) -> dict[str, Any]:
    response = mp.client.get("/readyz")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_readyz_reports_the_database_and_redis_ok(pg_marketplace: Marketplace) -> None:
    body = _ready(pg_marketplace)

    assert body["status"] == "ready"
    assert body["dependencies"]["database"]["status"] == "ok"
    assert body["dependencies"]["redis"]["status"] == "ok"
    assert body["dependencies"]["database"]["latency_seconds"] >= 0


def test_readyz_reports_redis_not_configured_without_redis(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    body = _ready(make_marketplace(Settings(database_url=sqlite_url)))

    assert body["status"] == "ready"
    assert body["dependencies"]["database"]["status"] == "ok"
    assert body["dependencies"]["redis"] == {
        "status": "not_configured",
        "detail": None,
        "latency_seconds": None,
    }


@pytest.fixture
def database_gone(make_marketplace: MarketplaceFactory, postgres_url: str) -> Marketplace:
    """A running marketplace whose database was dropped after it had been ready."""
    mp = make_marketplace(Settings(database_url=postgres_url))
    assert _ready(mp)["dependencies"]["database"]["status"] == "ok"
    drop_database(postgres_url)
    return mp


def test_readyz_answers_503_naming_the_database_when_it_is_gone(database_gone: Marketplace) -> None:
    response = database_gone.client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    database = body["dependencies"]["database"]
    assert database["status"] == "down"
    name = database_gone.settings.database_url.rsplit("/", 1)[1]
    assert name in database["detail"]


def test_healthz_answers_200_while_the_database_is_gone(database_gone: Marketplace) -> None:
    response = database_gone.client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.fixture
def redis_gone(
    make_marketplace: MarketplaceFactory, sqlite_url: str, redis_server: RedisServer
) -> Marketplace:
    """A running marketplace whose Redis was killed after it had been ready."""
    mp = make_marketplace(Settings(database_url=sqlite_url, redis_url=redis_server.url))
    assert _ready(mp)["dependencies"]["redis"]["status"] == "ok"
    redis_server.kill()
    return mp


def test_readyz_answers_503_naming_redis_when_it_is_gone(
    redis_gone: Marketplace, redis_server: RedisServer
) -> None:
    response = redis_gone.client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["dependencies"]["database"]["status"] == "ok"
    assert body["dependencies"]["redis"]["status"] == "down"
    assert str(redis_server.port) in body["dependencies"]["redis"]["detail"]


def test_healthz_answers_200_while_redis_is_gone(redis_gone: Marketplace) -> None:
    response = redis_gone.client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_api_answers_503_with_retry_after_while_the_database_is_gone(
    database_gone: Marketplace,
) -> None:
    response = database_gone.client.get("/api/jobs")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "database is unavailable" in response.json()["detail"]


def test_api_keeps_serving_without_rate_limits_while_redis_is_gone(
    redis_gone: Marketplace,
) -> None:
    def redis_errors() -> float:
        for line in redis_gone.client.get("/metrics").text.splitlines():
            if line.startswith('ftw_marketplace_redis_errors_total{operation="rate_limit"}'):
                return float(line.split()[-1])
        return 0.0

    before = redis_errors()
    response = redis_gone.client.get("/api/jobs")

    assert response.status_code == 200
    assert redis_errors() == before + 1
