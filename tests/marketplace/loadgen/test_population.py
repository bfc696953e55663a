from __future__ import annotations

import math

import pytest

from marketplace.loadgen.actions import Role
from marketplace.loadgen.flows import FlowParams
from marketplace.loadgen.limits import QuotaPolicy
from marketplace.loadgen.population import PlanError, plan_population
from marketplace.loadgen.scenario import Mix
from marketplace.loadgen.schedule import RunBounds


def plan(rate, duration, max_requests=None, max_users=2000, flow_share=0.3):
    return plan_population(
        rate,
        RunBounds(duration, max_requests),
        Mix(flow_share=flow_share),
        FlowParams(),
        max_users=max_users,
    )


def test_homeowners_can_post_every_planned_job_within_their_hourly_limit():
    result = plan(rate=200.0, duration=600.0)
    assert result.homeowners * QuotaPolicy().hourly_budget("POST /api/jobs") >= result.jobs
    assert result.homeowners >= math.ceil(result.jobs / 10)


def test_every_user_stays_below_its_minute_budget_on_average():
    rate, duration = 300.0, 120.0
    result = plan(rate, duration)
    per_user_minute = rate * 65 / result.total
    assert per_user_minute <= QuotaPolicy().minute_budget("authenticated") / 1.25 + 1e-9


def test_contractors_can_place_every_bid_and_invoice():
    result = plan(rate=400.0, duration=900.0, max_users=10_000)
    bids = result.jobs * FlowParams().expected_bids()
    assert result.contractors * QuotaPolicy().hourly_budget("POST /api/jobs/{job_id}/bids") >= bids
    assert result.contractors * QuotaPolicy().hourly_budget("POST /api/invoices") >= result.jobs


def test_a_small_run_still_has_enough_contractors_for_the_biggest_job():
    result = plan(rate=1.0, duration=5.0)
    assert result.contractors >= FlowParams().max_bids
    assert result.homeowners >= 1
    assert result.requests == 5


def test_max_requests_shrinks_the_population():
    assert plan(100.0, 600.0, max_requests=500).total < plan(100.0, 600.0).total


def test_a_run_longer_than_an_hour_plans_for_one_hour_of_jobs():
    one_hour = plan(50.0, 3660.0)
    three_hours = plan(50.0, 3 * 3660.0)
    assert three_hours.homeowners <= one_hour.homeowners + 1


def test_too_many_users_is_refused_naming_the_flags():
    with pytest.raises(PlanError, match="--max-users 50") as raised:
        plan(rate=500.0, duration=600.0, max_users=50)
    assert "--rate 500" in str(raised.value)


def test_roles_put_homeowners_first_and_some_users_on_the_pro_tier():
    result = plan(rate=50.0, duration=60.0)
    roles = result.roles()
    assert len(roles) == result.total
    assert [role for role, _ in roles[: result.homeowners]] == [Role.HOMEOWNER] * result.homeowners
    assert {role for role, _ in roles[result.homeowners :]} == {Role.CONTRACTOR}
    assert {tier for _, tier in roles} == {"authenticated", "pro"}
