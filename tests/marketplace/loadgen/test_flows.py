from __future__ import annotations

import random

import pytest

from marketplace.loadgen.actions import ActionKind, Outcome
from marketplace.loadgen.flows import Flow, FlowParams, Stage


def _flow(homeowners, **overrides):
    flow = Flow.new(1, homeowners[0], random.Random(1), FlowParams(), territory_id=3)
    for name, value in overrides.items():
        setattr(flow, name, value)
    return flow


def _post(flow, rng):
    action = flow.build(flow.homeowner, rng)
    flow.apply(action, Outcome(201, {"id": 77}))
    return action


def test_a_job_goes_from_post_to_payout_in_order(homeowners, contractors):
    rng = random.Random(2)
    flow = _flow(homeowners, bid_target=2, message_target=2, cancels=False, checks_payout=True)
    post = _post(flow, rng)
    assert post.path == "/api/jobs"
    assert post.body is not None
    assert post.body["territory_id"] == 3
    assert flow.stage is Stage.BIDDING
    bids = [flow.build(contractor, rng) for contractor in contractors[:2]]
    assert not flow.ready
    for bid_id, bid in enumerate(bids, start=500):
        assert bid.path == "/api/jobs/77/bids"
        flow.apply(bid, Outcome(201, {"id": bid_id}))
    cheapest = flow.awarded()
    assert cheapest is not None
    kinds, actors = [], []
    next_id = 900
    while not flow.finished:
        actor = flow.next_actor()
        assert actor is not None
        action = flow.build(actor, rng)
        kinds.append(action.kind)
        actors.append(actor.role.value)
        next_id += 1
        flow.apply(action, Outcome(201 if action.kind.method == "POST" else 200, {"id": next_id}))
    assert kinds == [
        ActionKind.LIST_BIDS,
        ActionKind.ACCEPT,
        ActionKind.MESSAGE,
        ActionKind.MESSAGE,
        ActionKind.LIST_MESSAGES,
        ActionKind.COMPLETE,
        ActionKind.INVOICE,
        ActionKind.PAYOUT,
        ActionKind.GET_PAYOUT,
    ]
    assert actors[:4] == ["homeowner", "homeowner", "homeowner", "contractor"]
    assert actors[-3:] == ["contractor"] * 3
    assert flow.result == "completed"


def test_the_cheapest_bid_is_accepted_and_invoiced(homeowners, contractors):
    rng = random.Random(3)
    flow = _flow(homeowners, bid_target=2, message_target=0, cancels=False)
    _post(flow, rng)
    first, second = (flow.build(c, rng) for c in contractors[:2])
    flow.apply(first, Outcome(201, {"id": 1}))
    flow.apply(second, Outcome(201, {"id": 2}))
    amounts = {1: first.body["amount_cents"], 2: second.body["amount_cents"]}
    cheapest = min(amounts, key=lambda bid: (amounts[bid], bid))
    flow.apply(flow.build(flow.homeowner, rng), Outcome(200, []))
    accept = flow.build(flow.homeowner, rng)
    assert accept.path == f"/api/bids/{cheapest}/accept"
    flow.apply(accept, Outcome(200, {}))
    assert flow.stage is Stage.COMPLETING


def test_a_refused_bid_is_lost_and_bidding_closes_with_the_others(homeowners, contractors):
    rng = random.Random(4)
    flow = _flow(homeowners, bid_target=2)
    _post(flow, rng)
    refused, placed = (flow.build(c, rng) for c in contractors[:2])
    flow.apply(refused, Outcome(409))
    assert flow.stage is Stage.BIDDING
    flow.apply(placed, Outcome(201, {"id": 5}))
    assert flow.stage.value == "listing_bids"
    assert [bid.bid_id for bid in flow.bids] == [5]


def test_a_job_without_any_bid_is_abandoned(homeowners, contractors):
    rng = random.Random(5)
    flow = _flow(homeowners, bid_target=1)
    _post(flow, rng)
    flow.apply(flow.build(contractors[0], rng), Outcome(403))
    assert flow.result == "abandoned: no bid was placed"


def test_server_errors_are_retried_after_a_backoff_then_abandoned(homeowners):
    rng = random.Random(6)
    flow = _flow(homeowners)
    for attempt in range(1, 4):
        action = flow.build(flow.homeowner, rng)
        flow.apply(action, Outcome(500), now=100.0)
        assert not flow.finished
        assert not flow.due(100.0)
        assert flow.due(100.0 + 0.5 * 2 ** (attempt - 1))
    flow.apply(flow.build(flow.homeowner, rng), Outcome(None, error="timeout"), now=200.0)
    assert flow.result == "abandoned: POST /api/jobs failed 4 times"


def test_a_payout_that_keeps_failing_ends_as_payout_failed(homeowners, contractors):
    rng = random.Random(7)
    flow = _flow(homeowners, bid_target=1, message_target=0, cancels=False)
    _post(flow, rng)
    flow.apply(flow.build(contractors[0], rng), Outcome(201, {"id": 9}))
    while flow.stage is not Stage.PAYING:
        actor = flow.next_actor()
        flow.apply(flow.build(actor, rng), Outcome(200, {"id": 11}))
    for _ in range(4):
        flow.apply(flow.build(contractors[0], rng), Outcome(502), now=0.0)
    assert flow.result == "payout_failed"


def test_503_retry_after_delays_the_retry(homeowners):
    flow = _flow(homeowners)
    flow.apply(flow.build(flow.homeowner, random.Random(8)), Outcome(503, retry_after_seconds=30))
    assert not flow.due(29.0)
    assert flow.due(30.0)


def test_a_cancelled_job_ends_after_listing_bids(homeowners, contractors):
    rng = random.Random(9)
    flow = _flow(homeowners, bid_target=1, cancels=True)
    _post(flow, rng)
    flow.apply(flow.build(contractors[0], rng), Outcome(201, {"id": 9}))
    flow.apply(flow.build(flow.homeowner, rng), Outcome(200, []))
    cancel = flow.build(flow.homeowner, rng)
    assert cancel.path == "/api/jobs/77/cancel"
    flow.apply(cancel, Outcome(200, {}))
    assert flow.result == "cancelled"


def test_expected_requests_matches_the_launch_plans_shape():
    params = FlowParams()
    assert params.expected_bids() == 5
    assert params.expected_requests() == pytest.approx(14.0, abs=0.5)


def test_a_finished_flow_refuses_to_build(homeowners):
    flow = _flow(homeowners)
    flow.apply(flow.build(flow.homeowner, random.Random(1)), Outcome(422))
    assert flow.finished
    with pytest.raises(ValueError, match="finished"):
        flow.build(flow.homeowner, random.Random(1))
