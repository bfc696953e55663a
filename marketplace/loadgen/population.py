"""How many homeowners and contractors a run needs to stay within every rate limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

from marketplace.loadgen.actions import ActionKind, Role
from marketplace.loadgen.flows import FlowParams
from marketplace.loadgen.limits import QuotaPolicy
from marketplace.loadgen.scenario import Mix
from marketplace.loadgen.schedule import RunBounds

# Users are not loaded evenly (flows pin requests to the people in them) and failed posts are
# posted again, so plan for more than the average needs.
SLACK = 1.25
MIN_HOMEOWNERS = 2
MIN_CONTRACTORS_OVER_MAX_BIDS = 3
# Every fifth user is on the pro tier, as a share of the launch plan's paying contractors.
PRO_EVERY = 5


class PlanError(ValueError):
    """Raised when the requested load needs more users than allowed."""


@dataclass(frozen=True)
class PopulationPlan:
    """Users to create for a run, and the jobs they can post.

    Usage::

        plan = plan_population(rate=100, bounds=RunBounds(60), mix=Mix(), params=FlowParams())
        plan.homeowners, plan.contractors
    """

    homeowners: int
    contractors: int
    jobs: int
    requests: int

    @property
    def total(self) -> int:
        """Return how many users the plan creates."""
        return self.homeowners + self.contractors

    def roles(self) -> list[tuple[Role, str]]:
        """Return (role, tier) for every user to create, homeowners first."""
        roles = [Role.HOMEOWNER] * self.homeowners + [Role.CONTRACTOR] * self.contractors
        return [
            (role, "pro" if index % PRO_EVERY == PRO_EVERY - 1 else "authenticated")
            for index, role in enumerate(roles)
        ]


def plan_population(
    rate: float,
    bounds: RunBounds,
    mix: Mix,
    params: FlowParams,
    policy: QuotaPolicy | None = None,
    max_users: int = 2_000,
) -> PopulationPlan:
    """Size the population so that no user needs more than its share of any limit."""
    policy = policy or QuotaPolicy()
    requests = bounds.planned_requests(rate)
    # Hourly limits bound what any one hour of the run may need; minute limits, any minute.
    hour_share = min(1.0, policy.hour_window_seconds / bounds.duration_seconds)
    minute_requests = min(requests, math.ceil(rate * policy.minute_window_seconds))
    jobs = math.ceil(requests * mix.flow_share / params.expected_requests() * SLACK) + 3
    jobs_in_hour = math.ceil(jobs * hour_share)

    per_user_minute = policy.minute_budget("authenticated")
    users_for_rate = math.ceil(minute_requests * SLACK / per_user_minute)
    homeowners_for_jobs = _users_for(jobs_in_hour, policy, ActionKind.POST_JOB)
    bids_in_hour = math.ceil(jobs_in_hour * params.expected_bids() * SLACK)
    contractors_for_bids = _users_for(bids_in_hour, policy, ActionKind.BID)
    contractors_for_invoices = _users_for(
        math.ceil(jobs_in_hour * SLACK), policy, ActionKind.INVOICE
    )

    homeowners = max(MIN_HOMEOWNERS, homeowners_for_jobs, math.ceil(users_for_rate * 0.4))
    contractors = max(
        params.max_bids + MIN_CONTRACTORS_OVER_MAX_BIDS,
        contractors_for_bids,
        contractors_for_invoices,
        math.ceil(users_for_rate * 0.6),
    )
    plan = PopulationPlan(homeowners, contractors, jobs, requests)
    if plan.total > max_users:
        raise PlanError(
            f"--rate {rate:g} for --duration {bounds.duration_seconds:g} s needs {plan.total} "
            f"users ({homeowners} homeowners, {contractors} contractors), more than "
            f"--max-users {max_users}; lower --rate, --duration or --max-requests, "
            "or raise --max-users"
        )
    return plan


def _users_for(count: int, policy: QuotaPolicy, kind: ActionKind) -> int:
    budget = policy.hourly_budget(kind.route_key)
    return 0 if budget is None else math.ceil(count / budget)
