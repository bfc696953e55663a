"""Fixed-window limiters, in this process and in the real Redis, on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence

import pytest
import redis
from prometheus_client import REGISTRY

from marketplace.ratelimit import Decision, InMemoryLimiter, Limit, Limiter, RedisLimiter
from tests.conftest import REDIS_TEST_URL, free_port
from tests.support.clock import SecondsClock

# A moment that starts both a minute and an hour window.
WINDOW_START = 472_222 * 3600.0

PER_MINUTE = Limit(name="pro tier", key="tier:pro:user:1", allowed=3, window_seconds=60)
PER_HOUR = Limit(
    name="POST /api/jobs", key="route:POST:/api/jobs:user:1", allowed=2, window_seconds=3600
)


LimiterFactory = Callable[[SecondsClock], Limiter]


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    yield client
    client.close()


@pytest.fixture(params=["in-memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> LimiterFactory:
    """Build limiters of one kind; Redis ones share a fresh key prefix."""
    if request.param == "in-memory":
        return lambda clock: InMemoryLimiter(clock=clock)
    prefix = request.getfixturevalue("redis_prefix")
    return lambda clock: RedisLimiter(REDIS_TEST_URL, prefix=prefix, clock=clock)


def _hit(limiter: Limiter, limits: Sequence[Limit]) -> Decision:
    return asyncio.run(limiter.hit(limits))


def _allowed(limiter: Limiter, limits: list[Limit], times: int) -> list[bool]:
    return [_hit(limiter, limits).allowed for _ in range(times)]


def test_a_limit_allows_exactly_its_quota_in_one_window(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START + 10))

    assert _allowed(limiter, [PER_MINUTE], 5) == [True, True, True, False, False]


def test_a_rejection_names_the_exhausted_limit(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START))
    _allowed(limiter, [PER_MINUTE, PER_HOUR], 2)

    decision = _hit(limiter, [PER_MINUTE, PER_HOUR])

    assert not decision.allowed
    assert decision.limit == PER_HOUR


def test_a_request_rejected_by_one_limit_spends_no_quota_of_another(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START))
    assert _allowed(limiter, [PER_MINUTE, PER_HOUR], 4) == [True, True, False, False]

    # Two of the three per-minute hits were spent; the two rejected requests spent none.
    assert _allowed(limiter, [PER_MINUTE], 2) == [True, False]


def test_a_request_rejected_by_the_first_limit_spends_no_quota_of_the_second(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START))
    tight = Limit(name="anonymous tier", key="tier:anonymous:ip:1", allowed=1, window_seconds=60)
    assert _allowed(limiter, [tight, PER_HOUR], 3) == [True, False, False]

    assert _allowed(limiter, [PER_HOUR], 2) == [True, False]


def test_a_new_window_starts_with_a_fresh_count(make_limiter: LimiterFactory) -> None:
    clock = SecondsClock(WINDOW_START + 59.5)
    limiter = make_limiter(clock)
    assert _allowed(limiter, [PER_MINUTE], 4) == [True, True, True, False]

    clock.now = WINDOW_START + 60

    assert _allowed(limiter, [PER_MINUTE], 4) == [True, True, True, False]


def test_hits_in_an_hour_window_carry_over_between_minutes(make_limiter: LimiterFactory) -> None:
    clock = SecondsClock(WINDOW_START)
    limiter = make_limiter(clock)
    assert _allowed(limiter, [PER_HOUR], 2) == [True, True]

    clock.now = WINDOW_START + 3599

    assert _allowed(limiter, [PER_HOUR], 1) == [False]


@pytest.mark.parametrize(
    ("offset", "limit", "retry_after"),
    [
        (0.0, PER_MINUTE, 60),
        (45.5, PER_MINUTE, 15),
        (59.9, PER_MINUTE, 1),
        (1800.2, PER_HOUR, 1800),
    ],
)
def test_retry_after_is_the_seconds_left_in_the_window(
    make_limiter: LimiterFactory, offset: float, limit: Limit, retry_after: int
) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START + offset))
    _allowed(limiter, [limit], limit.allowed)

    decision = _hit(limiter, [limit])

    assert (decision.allowed, decision.retry_after_seconds) == (False, retry_after)


def test_callers_count_against_their_own_keys(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START))
    other = Limit(name="pro tier", key="tier:pro:user:2", allowed=3, window_seconds=60)
    _allowed(limiter, [PER_MINUTE], 3)

    assert _allowed(limiter, [other], 3) == [True, True, True]


def test_a_request_without_limits_is_allowed(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(SecondsClock(WINDOW_START))

    assert _allowed(limiter, [], 3) == [True, True, True]


def test_redis_limiters_of_two_processes_share_counts(redis_prefix: str) -> None:
    clock = SecondsClock(WINDOW_START)
    first = RedisLimiter(REDIS_TEST_URL, prefix=redis_prefix, clock=clock)
    second = RedisLimiter(REDIS_TEST_URL, prefix=redis_prefix, clock=clock)

    outcomes = [_hit(limiter, [PER_MINUTE]).allowed for limiter in (first, second) * 2]

    assert outcomes == [True, True, True, False]


def test_redis_limiters_with_different_prefixes_count_apart(redis_prefix: str) -> None:
    clock = SecondsClock(WINDOW_START)
    first = RedisLimiter(REDIS_TEST_URL, prefix=f"{redis_prefix}a:", clock=clock)
    second = RedisLimiter(REDIS_TEST_URL, prefix=f"{redis_prefix}b:", clock=clock)
    _allowed(first, [PER_MINUTE], 3)

    assert _allowed(second, [PER_MINUTE], 1) == [True]


def test_redis_counters_expire_soon_after_their_window(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    limiter = RedisLimiter(REDIS_TEST_URL, prefix=redis_prefix, clock=SecondsClock(WINDOW_START))
    _hit(limiter, [PER_MINUTE, PER_HOUR])

    ttls = sorted(redis_client.pttl(key) for key in redis_client.scan_iter(f"{redis_prefix}*"))

    assert len(ttls) == 2
    assert 0 < ttls[0] <= 61_000
    assert 60_000 < ttls[1] <= 3_601_000


def _redis_errors() -> float:
    value = REGISTRY.get_sample_value(
        "ftw_marketplace_redis_errors_total", {"operation": "rate_limit"}
    )
    return value or 0.0


def test_an_unreachable_redis_lets_requests_through_and_counts_the_error() -> None:
    # Nothing listens on the port.
    url = f"redis://127.0.0.1:{free_port()}/0"
    clock = SecondsClock(WINDOW_START)
    limiter = RedisLimiter(url, prefix="unreachable:", timeout_seconds=1, clock=clock)
    before = _redis_errors()

    async def served() -> list[Decision]:
        await limiter.start()
        try:
            return [await limiter.hit([PER_MINUTE]) for _ in range(PER_MINUTE.allowed + 1)]
        finally:
            await limiter.aclose()

    decisions = asyncio.run(served())

    assert all(decision.allowed for decision in decisions)
    assert _redis_errors() - before == PER_MINUTE.allowed + 1


def test_a_started_redis_limiter_counts_on_its_loop_and_on_any_other(redis_prefix: str) -> None:
    limiter = RedisLimiter(REDIS_TEST_URL, prefix=redis_prefix, clock=SecondsClock(WINDOW_START))

    async def serve_then_look_elsewhere() -> list[bool]:
        await limiter.start()
        served = [(await limiter.hit([PER_MINUTE])).allowed for _ in range(2)]
        # Another loop (a test client without a lifespan) cannot use this loop's connection.
        elsewhere = await asyncio.to_thread(
            lambda: [_hit(limiter, [PER_MINUTE]).allowed for _ in range(2)]
        )
        await limiter.aclose()
        return served + elsewhere

    assert asyncio.run(serve_then_look_elsewhere()) == [True, True, True, False]
