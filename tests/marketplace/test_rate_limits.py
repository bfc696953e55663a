"""Rate limits through the HTTP API, in one app and across two processes sharing Redis.

Windows are fixed (a minute's counter key holds floor(now / 60)), so a burst that happens to
straddle a window boundary would see two quotas. `in_one_window` notices that from the wall
clock and repeats the burst once on fresh counters; a burst takes far less than a window, so
the repeat cannot straddle too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from marketplace.config import Settings
from marketplace.ratelimit import RateLimitPolicy, Tier
from tests.conftest import (
    REDIS_TEST_URL,
    Marketplace,
    MarketplaceFactory,
    ServerProcess,
    delete_redis_keys,
)

T = TypeVar("T")

POLICY = RateLimitPolicy(
    per_minute_by_tier={Tier.ANONYMOUS: 3, Tier.AUTHENTICATED: 4},
    per_hour_by_route={"POST /api/jobs": 2},
)
JOB = {"territory_id": 12, "title": "Replace the water heater", "budget_cents": 180_000}


@dataclass
class Burst(Generic[T]):
    """What a burst returned and the wall-clock span it ran in."""

    result: T
    started: float
    finished: float


def in_one_window(burst: Callable[[], T], prefix: str, window_seconds: int = 60) -> Burst[T]:
    """Run `burst` so that it falls in one fixed window, repeating it once if it straddled."""
    for _ in range(2):
        started = time.time()
        result = burst()
        finished = time.time()
        if started // window_seconds == finished // window_seconds:
            return Burst(result, started, finished)
        delete_redis_keys(prefix)
    raise AssertionError("two bursts in a row straddled a window boundary")


def seconds_to_window_end(burst: Burst[T], window_seconds: int) -> range:
    """The Retry-After values a rejection during `burst` may carry."""
    end = (burst.started // window_seconds + 1) * window_seconds
    return range(math.ceil(end - burst.finished), math.ceil(end - burst.started) + 1)


def rate_limited_total(client: TestClient, tier: str, limit: str) -> float:
    """Read ftw_marketplace_rate_limited_total for one tier and limit from /metrics."""
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == "ftw_marketplace_rate_limited_total" and sample.labels == {
                "tier": tier,
                "limit": limit,
            }:
                return float(sample.value)
    return 0.0


@pytest.fixture
def limited(
    make_marketplace: MarketplaceFactory, postgres_url: str, redis_prefix: str
) -> Marketplace:
    """A marketplace on Postgres and Redis with limits low enough to reach in a test."""
    return make_marketplace(
        Settings(
            database_url=postgres_url,
            redis_url=REDIS_TEST_URL,
            redis_key_prefix=redis_prefix,
            rate_limits=POLICY,
        )
    )


def _burst(mp: Marketplace, method: str, path: str, times: int, **kwargs) -> list[Any]:
    return [mp.client.request(method, path, **kwargs) for _ in range(times)]


def _statuses(responses: list[Any]) -> list[int]:
    return [response.status_code for response in responses]


def test_a_caller_over_the_tier_limit_gets_429_with_retry_after(limited: Marketplace) -> None:
    headers = limited.key("homeowner")

    burst = in_one_window(
        lambda: _burst(limited, "GET", "/api/me", 5, headers=headers),
        limited.settings.redis_key_prefix,
    )

    assert _statuses(burst.result) == [200, 200, 200, 200, 429]
    rejected = burst.result[-1]
    assert int(rejected.headers["Retry-After"]) in seconds_to_window_end(burst, 60)


def test_the_429_body_names_the_exhausted_limit(limited: Marketplace) -> None:
    headers = limited.key("homeowner")

    burst = in_one_window(
        lambda: _burst(limited, "GET", "/api/me", 5, headers=headers),
        limited.settings.redis_key_prefix,
    )

    rejected = burst.result[-1]
    assert rejected.json() == {
        "detail": "rate limit exceeded: authenticated tier allows 4 requests per minute",
        "limit": "authenticated tier",
        "allowed": 4,
        "window_seconds": 60,
        "retry_after_seconds": int(rejected.headers["Retry-After"]),
    }


def test_each_user_has_a_tier_limit_of_their_own(limited: Marketplace) -> None:
    first, second = limited.key("homeowner", 0), limited.key("homeowner", 1)

    def both() -> list[Any]:
        exhausted = _burst(limited, "GET", "/api/me", 5, headers=first)
        return exhausted + _burst(limited, "GET", "/api/me", 1, headers=second)

    burst = in_one_window(both, limited.settings.redis_key_prefix)

    assert _statuses(burst.result) == [200, 200, 200, 200, 429, 200]


def test_a_user_may_post_only_so_many_jobs_per_hour(limited: Marketplace) -> None:
    headers = limited.key("homeowner")

    burst = in_one_window(
        lambda: _burst(limited, "POST", "/api/jobs", 3, json=JOB, headers=headers),
        limited.settings.redis_key_prefix,
        window_seconds=3600,
    )

    assert _statuses(burst.result) == [201, 201, 429]
    rejected = burst.result[-1]
    assert rejected.json()["limit"] == "POST /api/jobs"
    assert rejected.json()["window_seconds"] == 3600
    assert int(rejected.headers["Retry-After"]) in seconds_to_window_end(burst, 3600)


def test_the_hourly_job_limit_counts_each_user_apart(limited: Marketplace) -> None:
    first, second = limited.key("homeowner", 0), limited.key("homeowner", 1)

    def both() -> list[Any]:
        exhausted = _burst(limited, "POST", "/api/jobs", 3, json=JOB, headers=first)
        return exhausted + _burst(limited, "POST", "/api/jobs", 1, json=JOB, headers=second)

    burst = in_one_window(both, limited.settings.redis_key_prefix, window_seconds=3600)

    assert _statuses(burst.result) == [201, 201, 429, 201]


def test_a_post_refused_by_the_hourly_limit_spends_none_of_the_tier_limit(
    limited: Marketplace,
) -> None:
    headers = limited.key("homeowner")

    def posts_then_reads() -> list[Any]:
        posts = _burst(limited, "POST", "/api/jobs", 4, json=JOB, headers=headers)
        return posts + _burst(limited, "GET", "/api/me", 3, headers=headers)

    burst = in_one_window(posts_then_reads, limited.settings.redis_key_prefix)

    # Two posts spent two of the four tier hits; the two refused posts spent none.
    assert _statuses(burst.result) == [201, 201, 429, 429, 200, 200, 429]


def test_anonymous_callers_are_limited_per_client_address(limited: Marketplace) -> None:
    app = limited.client.app
    first = TestClient(app, client=("203.0.113.7", 40000), raise_server_exceptions=False)
    second = TestClient(app, client=("203.0.113.8", 40000), raise_server_exceptions=False)
    try:

        def both() -> list[Any]:
            exhausted = [first.get("/api/jobs") for _ in range(4)]
            return [*exhausted, second.get("/api/jobs")]

        burst = in_one_window(both, limited.settings.redis_key_prefix)
    finally:
        first.close()
        second.close()

    assert _statuses(burst.result) == [200, 200, 200, 429, 200]
    assert burst.result[3].json()["limit"] == "anonymous tier"


def test_each_429_is_counted_by_tier_and_limit(limited: Marketplace) -> None:
    client = limited.client

    def counted() -> tuple[list[int], float, float]:
        # Measured inside the burst, so a repeated burst is measured afresh.
        anonymous = rate_limited_total(client, "anonymous", "anonymous tier")
        authenticated = rate_limited_total(client, "authenticated", "authenticated tier")
        statuses = _statuses(_burst(limited, "GET", "/api/jobs", 5))
        return (
            statuses,
            rate_limited_total(client, "anonymous", "anonymous tier") - anonymous,
            rate_limited_total(client, "authenticated", "authenticated tier") - authenticated,
        )

    burst = in_one_window(counted, limited.settings.redis_key_prefix)

    assert burst.result == ([200, 200, 200, 429, 429], 2, 0)


def test_a_disabled_policy_never_answers_429(
    make_marketplace: MarketplaceFactory, postgres_url: str, redis_prefix: str
) -> None:
    mp = make_marketplace(
        Settings(
            database_url=postgres_url,
            redis_url=REDIS_TEST_URL,
            redis_key_prefix=redis_prefix,
            rate_limits=POLICY.model_copy(update={"enabled": False}),
        )
    )

    assert _statuses(_burst(mp, "GET", "/api/jobs", 6)) == [200] * 6


def test_two_processes_sharing_redis_allow_the_anonymous_limit_once_in_total(
    serve: Callable[..., ServerProcess], postgres_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": REDIS_TEST_URL,
        "REDIS_KEY_PREFIX": redis_prefix,
        "RATE_LIMITS_ENABLED": "1",
    }
    servers = [serve(env, tmp_path, "--no-migrate", "--log-level", "warning") for _ in range(2)]
    allowed = RateLimitPolicy().per_minute_by_tier[Tier.ANONYMOUS]  # 60 per minute
    extra = 10

    with httpx.Client(timeout=10) as http:

        def alternate() -> list[tuple[int, int]]:
            return [
                (index % 2, http.get(f"{servers[index % 2].base_url}/api/jobs").status_code)
                for index in range(allowed + extra)
            ]

        burst = in_one_window(alternate, redis_prefix)

    outcomes = burst.result
    assert [status for _, status in outcomes] == [200] * allowed + [429] * extra
    assert {server for server, status in outcomes if status == 429} == {0, 1}
    assert {server for server, status in outcomes if status == 200} == {0, 1}
