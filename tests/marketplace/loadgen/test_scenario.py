from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter, defaultdict

import pytest

from marketplace.loadgen.actions import Action, ActionKind, Outcome
from marketplace.loadgen.limits import QuotaPolicy, QuotaTracker
from marketplace.loadgen.scenario import Mix, Scenario

LATENCY = 0.05


class FakeMarketplace:
    """Answers every action at once with a plausible status and body."""

    def __init__(self, failing: dict[str, int] | None = None):
        self.failing = failing or {}
        self.ids = itertools.count(1)

    def answer(self, action: Action) -> Outcome:
        status = self.failing.get(action.route_key)
        if status is not None:
            return Outcome(status, retry_after_seconds=5.0 if status == 429 else None)
        if action.kind is ActionKind.LIST_JOBS:
            items = [{"id": next(self.ids)} for _ in range(3)]
            return Outcome(200, {"items": items, "next_cursor": "c1"})
        if action.kind.method == "POST":
            return Outcome(201, {"id": next(self.ids), "status": "paid"})
        return Outcome(200, {"id": next(self.ids)})


def simulate(scenario, server, rate, seconds):
    """Run the open-loop schedule on a fake clock; answers come back LATENCY s later."""
    sent: list[tuple[float, Action]] = []
    pending: list[tuple[float, int, Action, Outcome]] = []
    order = itertools.count()
    for tick in range(int(rate * seconds)):
        now = tick / rate
        while pending and pending[0][0] <= now:
            at, _, action, outcome = heapq.heappop(pending)
            scenario.on_result(action, outcome, at)
        action = scenario.next_action(now)
        if action is not None:
            sent.append((now, action))
            heapq.heappush(pending, (now + LATENCY, next(order), action, server.answer(action)))
    return sent


def make(homeowners, contractors, rate=100.0, mix=None, seed=1):
    return Scenario(
        homeowners,
        contractors,
        QuotaTracker(),
        rate=rate,
        start=0.0,
        mix=mix,
        rng=random.Random(seed),
    )


def test_browsing_is_most_of_the_traffic_and_flows_take_their_share(homeowners, contractors):
    scenario = make(homeowners, contractors, rate=50.0)
    sent = simulate(scenario, FakeMarketplace(), rate=50.0, seconds=60)
    kinds = Counter(action.kind for _, action in sent)
    flow_share = sum(1 for _, action in sent if action.flow_id is not None) / len(sent)
    assert flow_share == pytest.approx(0.3, abs=0.03)
    assert kinds[ActionKind.LIST_JOBS] > kinds[ActionKind.GET_JOB] > kinds[ActionKind.POST_JOB]
    assert scenario.unsendable == 0


def test_jobs_get_about_five_bids_and_reach_payout(homeowners, contractors):
    scenario = make(homeowners, contractors, rate=50.0)
    sent = simulate(scenario, FakeMarketplace(), rate=50.0, seconds=60)
    bids_per_job = Counter(a.path for _, a in sent if a.kind is ActionKind.BID)
    assert 4.0 <= sum(bids_per_job.values()) / len(bids_per_job) <= 6.0
    assert all(3 <= count <= 7 for count in bids_per_job.values())
    kinds = Counter(action.kind for _, action in sent)
    for kind in (ActionKind.ACCEPT, ActionKind.MESSAGE, ActionKind.INVOICE, ActionKind.PAYOUT):
        assert kinds[kind] > 0
    report = scenario.report()
    assert report["flows_finished"]["completed"] > 0.8 * report["job_posts_sent"]
    assert "abandoned" not in report["flows_finished"]


def test_no_contractor_bids_twice_on_one_job(homeowners, contractors):
    scenario = make(homeowners, contractors, rate=80.0)
    sent = simulate(scenario, FakeMarketplace(), rate=80.0, seconds=30)
    bidders = Counter((a.path, a.actor.user_id) for _, a in sent if a.kind is ActionKind.BID)
    assert bidders
    assert max(bidders.values()) == 1


def test_no_user_exceeds_its_minute_or_hourly_budget(homeowners, contractors):
    policy = QuotaPolicy()
    rate = 120.0
    scenario = make(homeowners, contractors, rate=rate)
    sent = simulate(scenario, FakeMarketplace(), rate=rate, seconds=120)
    by_user: dict[str, list[float]] = defaultdict(list)
    hourly: Counter[tuple[str, str]] = Counter()
    for at, action in sent:
        by_user[action.identity].append(at)
        hourly[(action.identity, action.route_key)] += 1
    tiers = {actor.identity: actor.tier for actor in homeowners + contractors}
    tiers["anonymous"] = "anonymous"
    for identity, stamps in by_user.items():
        budget = policy.minute_budget(tiers[identity])
        window_start = 0
        for end, stamp in enumerate(stamps):
            while stamps[window_start] <= stamp - 60:
                window_start += 1
            assert end - window_start + 1 <= budget, identity
    for (_, route_key), count in hourly.items():
        hourly_budget = policy.hourly_budget(route_key)
        assert hourly_budget is None or count <= hourly_budget


def test_failing_job_posts_are_paced_and_traffic_moves_to_browsing(homeowners, contractors):
    scenario = make(homeowners, contractors, rate=50.0)
    server = FakeMarketplace(failing={"POST /api/jobs": 500})
    sent = simulate(scenario, server, rate=50.0, seconds=60)
    posts = sum(1 for _, action in sent if action.kind is ActionKind.POST_JOB)
    allowed = scenario.posting.burst + scenario.posting.rate * 60
    assert posts <= allowed
    assert scenario.report()["flows_finished"]["abandoned"] > 0
    assert len(sent) == 50 * 60


def test_a_payment_outage_ends_flows_as_payout_failed(homeowners, contractors):
    scenario = make(homeowners, contractors, rate=50.0)
    server = FakeMarketplace(failing={"POST /api/payouts": 502})
    simulate(scenario, server, rate=50.0, seconds=90)
    finished = scenario.report()["flows_finished"]
    assert finished.get("payout_failed", 0) > 0
    assert "completed" not in finished


def test_a_429_blocks_that_user_until_retry_after(homeowners, contractors):
    scenario = make(homeowners, contractors, rate=10.0)
    action = scenario.next_action(0.0)
    assert action is not None
    assert action.actor is not None
    scenario.on_result(action, Outcome(429, retry_after_seconds=5.0), 1.0)
    assert not scenario.quota.allows(action.identity, action.tier, action.route_key, 5.9)
    assert scenario.quota.allows(action.identity, action.tier, action.route_key, 6.0)


def test_listing_pages_are_followed_with_their_cursor(homeowners, contractors):
    mix = Mix(flow_share=0.0, follow_cursor_share=1.0, anonymous_share=0.0)
    scenario = make(homeowners, contractors, rate=20.0, mix=mix)
    sent = simulate(scenario, FakeMarketplace(), rate=20.0, seconds=5)
    listings = [a for _, a in sent if a.kind is ActionKind.LIST_JOBS]
    assert any((a.params or {}).get("cursor") == "c1" for a in listings)
    assert all(1 <= (a.params or {})["territory_id"] <= 254 for a in listings)


def test_the_same_seed_gives_the_same_requests(homeowners, contractors):
    first = simulate(make(homeowners, contractors, seed=9), FakeMarketplace(), 30.0, 20)
    second = simulate(make(homeowners, contractors, seed=9), FakeMarketplace(), 30.0, 20)
    assert [(a.kind, a.path) for _, a in first] == [(a.kind, a.path) for _, a in second]


def test_a_scenario_needs_enough_contractors_to_bid(homeowners, contractors):
    with pytest.raises(ValueError, match="contractors"):
        make(homeowners, contractors[:3])
