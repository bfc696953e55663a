from __future__ import annotations

from marketplace.loadgen.limits import HOURLY_BY_ROUTE, TIER_PER_MINUTE, QuotaPolicy, QuotaTracker
from marketplace.ratelimit.policy import RateLimitPolicy

JOBS = "POST /api/jobs"
LIST = "GET /api/jobs"


def test_local_limits_match_the_servers_launch_policy():
    server = RateLimitPolicy()
    assert {tier.value: n for tier, n in server.per_minute_by_tier.items()} == TIER_PER_MINUTE
    assert dict(server.per_hour_by_route) == HOURLY_BY_ROUTE


def test_budgets_keep_headroom_below_each_limit():
    policy = QuotaPolicy()
    assert policy.minute_budget("authenticated") == 150
    assert policy.minute_budget("pro") == 375
    assert policy.minute_budget("anonymous") == 15
    assert policy.hourly_budget(JOBS) == 8
    assert policy.hourly_budget("POST /api/jobs/{job_id}/bids") == 40
    assert policy.hourly_budget(LIST) is None


def test_minute_budget_is_a_sliding_window_longer_than_a_minute():
    quota = QuotaTracker(QuotaPolicy(per_minute_by_tier={"authenticated": 4}, minute_headroom=1))
    for second in range(4):
        assert quota.try_spend("user:1", "authenticated", LIST, now=float(second))
    assert not quota.allows("user:1", "authenticated", LIST, now=10.0)
    # The first request leaves the window 65 s after it was sent, not at a minute boundary.
    assert not quota.allows("user:1", "authenticated", LIST, now=64.9)
    assert quota.allows("user:1", "authenticated", LIST, now=65.0)
    assert quota.allows("user:2", "authenticated", LIST, now=10.0)


def test_hourly_route_budget_is_separate_from_other_routes():
    quota = QuotaTracker()
    for n in range(8):
        assert quota.try_spend("user:1", "authenticated", JOBS, now=float(n))
    assert not quota.allows("user:1", "authenticated", JOBS, now=100.0)
    assert quota.allows("user:1", "authenticated", LIST, now=100.0)
    assert quota.used_in_hour("user:1", JOBS, now=100.0) == 8
    assert quota.allows("user:1", "authenticated", JOBS, now=3660.0 + 1)


def test_block_holds_an_identity_until_retry_after_passed():
    quota = QuotaTracker()
    quota.block("user:1", until=30.0)
    quota.block("user:1", until=20.0)
    assert not quota.allows("user:1", "authenticated", LIST, now=29.9)
    assert quota.allows("user:1", "authenticated", LIST, now=30.0)
