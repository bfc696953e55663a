"""One job's life as a state machine: post, bids, accept, messages, complete, invoice, payout."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from typing import Any

from marketplace.loadgen.actions import Action, ActionKind, Actor, Outcome
from marketplace.loadgen.steps import step_request


@dataclass(frozen=True)
class FlowParams:
    """How a typical job goes: bid count range, messages, how many get cancelled.

    Usage::

        params = FlowParams()
        params.expected_requests()  # ~14 requests for one job from post to payout
    """

    min_bids: int = 3
    max_bids: int = 7
    max_messages: int = 4
    cancel_share: float = 0.05
    payout_check_share: float = 0.5
    max_failures: int = 3
    retry_backoff_seconds: float = 0.5

    def expected_bids(self) -> float:
        """Return the mean number of bids one job receives."""
        return (self.min_bids + self.max_bids) / 2

    def expected_requests(self) -> float:
        """Return the mean number of requests one job's flow sends when nothing fails."""
        messages = self.max_messages / 2
        lists_messages = self.max_messages / (self.max_messages + 1)
        awarded = 1 + messages + lists_messages + 3 + self.payout_check_share
        before_award = 1 + self.expected_bids() + 1
        return before_award + self.cancel_share + (1 - self.cancel_share) * awarded


class Stage(enum.Enum):
    """Where a job's flow stands."""

    POSTING = "posting"
    BIDDING = "bidding"
    LISTING_BIDS = "listing_bids"
    ACCEPTING = "accepting"
    MESSAGING = "messaging"
    LISTING_MESSAGES = "listing_messages"
    COMPLETING = "completing"
    INVOICING = "invoicing"
    PAYING = "paying"
    CHECKING_PAYOUT = "checking_payout"
    CANCELLING = "cancelling"
    FINISHED = "finished"


_STAGE_KIND = {
    Stage.POSTING: ActionKind.POST_JOB,
    Stage.BIDDING: ActionKind.BID,
    Stage.LISTING_BIDS: ActionKind.LIST_BIDS,
    Stage.ACCEPTING: ActionKind.ACCEPT,
    Stage.MESSAGING: ActionKind.MESSAGE,
    Stage.LISTING_MESSAGES: ActionKind.LIST_MESSAGES,
    Stage.COMPLETING: ActionKind.COMPLETE,
    Stage.INVOICING: ActionKind.INVOICE,
    Stage.PAYING: ActionKind.PAYOUT,
    Stage.CHECKING_PAYOUT: ActionKind.GET_PAYOUT,
    Stage.CANCELLING: ActionKind.CANCEL,
}
# A failed read does not stop the job: the flow goes on with what it already knows.
_OPTIONAL = frozenset({ActionKind.LIST_BIDS, ActionKind.LIST_MESSAGES, ActionKind.GET_PAYOUT})


@dataclass(frozen=True)
class PlacedBid:
    """A bid the server accepted.

    Usage::

        PlacedBid(bid_id=9, contractor=contractor, amount_cents=12_000)
    """

    bid_id: int
    contractor: Actor
    amount_cents: int


@dataclass
class Flow:
    """One job from posting to payout; requests of one flow go out one at a time, bids aside.

    Usage::

        flow = Flow.new(1, homeowner, random.Random(7), FlowParams(), territory_id=3)
        action = flow.build(homeowner, rng)   # POST /api/jobs
        flow.apply(action, Outcome(201, {"id": 42}))
    """

    id: int
    homeowner: Actor
    territory_id: int
    budget_cents: int
    bid_target: int
    message_target: int
    cancels: bool
    checks_payout: bool
    contractor_completes: bool
    params: FlowParams
    stage: Stage = Stage.POSTING
    job_id: int | None = None
    bidders: set[int] = field(default_factory=set)
    bids: list[PlacedBid] = field(default_factory=list)
    bids_settled: int = 0
    in_flight: int = 0
    failures: int = 0
    messages_sent: int = 0
    invoice_id: int | None = None
    payout_id: int | None = None
    retry_at: float = float("-inf")
    result: str | None = None

    @classmethod
    def new(
        cls,
        flow_id: int,
        homeowner: Actor,
        rng: random.Random,
        params: FlowParams,
        territory_id: int,
    ) -> Flow:
        """Draw a new job's shape: budget, bid count, messages, cancel or not."""
        return cls(
            id=flow_id,
            homeowner=homeowner,
            territory_id=territory_id,
            budget_cents=rng.randrange(5_000, 500_000, 100),
            bid_target=rng.randint(params.min_bids, params.max_bids),
            message_target=rng.randint(0, params.max_messages),
            cancels=rng.random() < params.cancel_share,
            checks_payout=rng.random() < params.payout_check_share,
            contractor_completes=rng.random() < 0.5,
            params=params,
        )

    @property
    def finished(self) -> bool:
        """Tell whether the flow has nothing more to send."""
        return self.stage is Stage.FINISHED

    def due(self, now: float) -> bool:
        """Tell whether the flow can send its next request at `now`."""
        return self.ready and self.retry_at <= now

    @property
    def ready(self) -> bool:
        """Tell whether the flow has a request to send once any retry delay is over."""
        if self.stage is Stage.FINISHED:
            return False
        if self.stage is Stage.BIDDING:
            return self.bids_settled + self.in_flight < self.bid_target
        return self.in_flight == 0

    def next_kind(self) -> ActionKind | None:
        """Return the kind of the next request, or None when finished."""
        return _STAGE_KIND.get(self.stage)

    def next_actor(self) -> Actor | None:
        """Return who sends the next request; None while bidding, where any new bidder may."""
        awarded = self.awarded()
        if self.stage is Stage.BIDDING:
            return None
        if self.stage is Stage.MESSAGING and awarded is not None:
            return self.homeowner if self.messages_sent % 2 == 0 else awarded.contractor
        if self.stage is Stage.COMPLETING and awarded is not None and self.contractor_completes:
            return awarded.contractor
        contractor_stages = (Stage.INVOICING, Stage.PAYING, Stage.CHECKING_PAYOUT)
        if self.stage in contractor_stages and awarded is not None:
            return awarded.contractor
        return self.homeowner

    def awarded(self) -> PlacedBid | None:
        """Return the bid the homeowner accepts: the cheapest one."""
        return min(self.bids, key=lambda bid: (bid.amount_cents, bid.bid_id), default=None)

    def build(self, actor: Actor, rng: random.Random) -> Action:
        """Return the next request, sent by `actor`, and count it as in flight."""
        kind = self.next_kind()
        if kind is None:
            raise ValueError(f"flow {self.id} is finished")
        path, body = step_request(self, kind, actor, rng)
        self.in_flight += 1
        if kind is ActionKind.BID:
            self.bidders.add(actor.index)
        return Action(kind, path, actor, body=body, flow_id=self.id)

    def apply(self, action: Action, outcome: Outcome, now: float = 0.0) -> None:
        """Move the flow on after the answer to one of its requests, received at `now`."""
        self.in_flight = max(0, self.in_flight - 1)
        kind = action.kind
        if outcome.ok:
            self.failures = 0
            self._advance(action, outcome.body)
        elif outcome.retryable:
            self.failures += 1
            backoff = self.params.retry_backoff_seconds * 2 ** (self.failures - 1)
            self.retry_at = now + max(backoff, outcome.retry_after_seconds or 0.0)
            if self.failures > self.params.max_failures:
                failed = f"abandoned: {kind.route_key} failed {self.failures} times"
                self._finish("payout_failed" if kind is ActionKind.PAYOUT else failed)
        elif kind is ActionKind.BID:
            self.bids_settled += 1
        elif kind in _OPTIONAL:
            self._advance(action, None)
        else:
            self._finish(f"abandoned: {kind.route_key} answered {outcome.status}")
        if self.stage is Stage.BIDDING and not self.finished:
            self._close_bidding()

    def _advance(self, action: Action, body: Any) -> None:
        kind = action.kind
        created = body.get("id") if isinstance(body, dict) else None
        if kind is ActionKind.POST_JOB:
            if not isinstance(created, int):
                self._finish("abandoned: POST /api/jobs answered without a job id")
                return
            self.job_id = created
            self.stage = Stage.BIDDING
        elif kind is ActionKind.BID:
            self.bids_settled += 1
            if isinstance(created, int) and action.actor and action.body:
                self.bids.append(PlacedBid(created, action.actor, action.body["amount_cents"]))
        elif kind is ActionKind.LIST_BIDS:
            self.stage = Stage.CANCELLING if self.cancels else Stage.ACCEPTING
        elif kind is ActionKind.ACCEPT:
            self.stage = Stage.MESSAGING if self.message_target else Stage.COMPLETING
        elif kind is ActionKind.MESSAGE:
            self.messages_sent += 1
            if self.messages_sent >= self.message_target:
                self.stage = Stage.LISTING_MESSAGES
        elif kind is ActionKind.LIST_MESSAGES:
            self.stage = Stage.COMPLETING
        elif kind is ActionKind.COMPLETE:
            self.stage = Stage.INVOICING
        elif kind is ActionKind.INVOICE:
            self.invoice_id = created if isinstance(created, int) else None
            self.stage = Stage.PAYING
            if self.invoice_id is None:
                self._finish("abandoned: POST /api/invoices answered without an invoice id")
        elif kind is ActionKind.PAYOUT:
            self.payout_id = created if isinstance(created, int) else None
            if isinstance(body, dict) and body.get("status") == "failed":
                self._finish("payout_failed")
            elif self.checks_payout and self.payout_id is not None:
                self.stage = Stage.CHECKING_PAYOUT
            else:
                self._finish("completed")
        elif kind is ActionKind.GET_PAYOUT:
            self._finish("completed")
        elif kind is ActionKind.CANCEL:
            self._finish("cancelled")

    def _close_bidding(self) -> None:
        if self.bids_settled < self.bid_target or self.in_flight:
            return
        if self.bids:
            self.stage = Stage.LISTING_BIDS
        else:
            self._finish("abandoned: no bid was placed")

    def _finish(self, result: str) -> None:
        self.stage = Stage.FINISHED
        self.result = result
