"""Which limits the rate-limit policy applies to a request: pure data, no I/O."""

from __future__ import annotations

import pytest

from marketplace.ratelimit import Limit, RateLimitPolicy, Tier


@pytest.mark.parametrize(
    ("tier", "allowed"),
    [(Tier.ANONYMOUS, 60), (Tier.AUTHENTICATED, 200), (Tier.PRO, 500), (Tier.OPERATOR, 1000)],
)
def test_each_tier_gets_its_launch_plan_limit_per_minute(tier: Tier, allowed: int) -> None:
    limits = RateLimitPolicy().limits_for(tier, "user:7", "GET", "/api/jobs")

    assert limits == [
        Limit(
            name=f"{tier.value} tier",
            key=f"tier:{tier.value}:user:7",
            allowed=allowed,
            window_seconds=60,
        )
    ]


@pytest.mark.parametrize(
    ("route", "allowed"),
    [
        ("/api/jobs", 10),
        ("/api/jobs/{job_id}/bids", 50),
        ("/api/invoices", 30),
        ("/api/jobs/{job_id}/messages", 100),
    ],
)
def test_writes_add_a_per_user_hourly_limit_after_the_tier_limit(route: str, allowed: int) -> None:
    limits = RateLimitPolicy().limits_for(Tier.PRO, "user:7", "POST", route)

    assert [limit.name for limit in limits] == ["pro tier", f"POST {route}"]
    assert limits[1] == Limit(
        name=f"POST {route}", key=f"route:POST:{route}:user:7", allowed=allowed, window_seconds=3600
    )


def test_reads_of_a_write_route_get_no_hourly_limit() -> None:
    limits = RateLimitPolicy().limits_for(Tier.AUTHENTICATED, "user:7", "GET", "/api/jobs")

    assert [limit.window_seconds for limit in limits] == [60]


def test_anonymous_callers_get_no_hourly_write_limit() -> None:
    limits = RateLimitPolicy().limits_for(Tier.ANONYMOUS, "ip:10.0.0.1", "POST", "/api/jobs")

    assert [limit.name for limit in limits] == ["anonymous tier"]


def test_different_callers_count_against_different_keys() -> None:
    policy = RateLimitPolicy()
    first = policy.limits_for(Tier.PRO, "user:1", "POST", "/api/jobs")
    second = policy.limits_for(Tier.PRO, "user:2", "POST", "/api/jobs")

    assert not {limit.key for limit in first} & {limit.key for limit in second}


def test_a_disabled_policy_applies_no_limits() -> None:
    policy = RateLimitPolicy(enabled=False)

    assert policy.limits_for(Tier.ANONYMOUS, "ip:10.0.0.1", "POST", "/api/jobs") == []


def test_overriding_one_tier_keeps_the_launch_plan_limit_of_the_others() -> None:
    policy = RateLimitPolicy(per_minute_by_tier={Tier.ANONYMOUS: 3})

    assert policy.limits_for(Tier.ANONYMOUS, "ip:1", "GET", "/api/jobs")[0].allowed == 3
    assert policy.limits_for(Tier.PRO, "user:1", "GET", "/api/jobs")[0].allowed == 500


def test_overriding_the_write_routes_replaces_the_launch_plan_routes() -> None:
    policy = RateLimitPolicy(per_hour_by_route={"POST /api/invoices": 2})

    invoices = policy.limits_for(Tier.PRO, "user:1", "POST", "/api/invoices")
    jobs = policy.limits_for(Tier.PRO, "user:1", "POST", "/api/jobs")

    assert invoices[1].allowed == 2
    assert [limit.name for limit in jobs] == ["pro tier"]


@pytest.mark.parametrize(
    ("window_seconds", "words"),
    [(60, "per minute"), (3600, "per hour"), (30, "per 30 s")],
)
def test_a_limit_describes_itself_in_words(window_seconds: int, words: str) -> None:
    limit = Limit(name="pro tier", key="k", allowed=5, window_seconds=window_seconds)

    assert limit.describe() == f"pro tier allows 5 requests {words}"
