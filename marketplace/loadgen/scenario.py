"""Which request goes out next: browsing, or the next step of a job's flow, within quota."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marketplace.loadgen.actions import (
    ANONYMOUS_IDENTITY,
    ANONYMOUS_TIER,
    Action,
    ActionKind,
    Actor,
    Outcome,
)
from marketplace.loadgen.flows import Flow, FlowParams
from marketplace.loadgen.limits import QuotaTracker
from marketplace.loadgen.schedule import TokenAllowance

TERRITORIES = 254
PICK_ATTEMPTS = 12
READY_SCAN = 16
MAX_ACTIVE_FLOWS = 5_000
# Flow credit owed while no flow could move is paid back later, but only this much of it.
MAX_FLOW_CREDIT = 20.0


def _browse_weights() -> dict[ActionKind, float]:
    return {
        ActionKind.LIST_JOBS: 0.6,
        ActionKind.GET_JOB: 0.32,
        ActionKind.GET_ME: 0.04,
        ActionKind.LIST_PAYOUTS: 0.04,
    }


@dataclass(frozen=True)
class Mix:
    """The traffic mix: the share of job-flow steps, the rest being browsing.

    Usage::

        mix = Mix(flow_share=0.3)   # 70 % browsing, as in the launch plan
    """

    flow_share: float = 0.3
    browse_weights: Mapping[ActionKind, float] = field(default_factory=_browse_weights)
    anonymous_share: float = 0.02
    hot_territories: int = 20
    hot_share: float = 0.8
    follow_cursor_share: float = 0.2
    # Jobs may be posted this much faster than the mix needs, to refill flows lost to errors.
    posting_surge: float = 1.5

    def __post_init__(self) -> None:
        if not 0 <= self.flow_share <= 1:
            raise ValueError(f"flow share must be within 0..1, got {self.flow_share}")

    def posting_rate(self, rate: float, params: FlowParams) -> float:
        """Return how many jobs per second may be posted at `rate` requests per second."""
        return rate * self.flow_share / params.expected_requests() * self.posting_surge


class Scenario:
    """Decides every request of a run; pure state, fed with answers by the caller.

    Usage::

        scenario = Scenario(homeowners, contractors, QuotaTracker(), rate=100.0, start=0.0)
        action = scenario.next_action(now)
        ...  # send it
        scenario.on_result(action, outcome, now)
    """

    def __init__(
        self,
        homeowners: Sequence[Actor],
        contractors: Sequence[Actor],
        quota: QuotaTracker,
        rate: float,
        start: float,
        mix: Mix | None = None,
        params: FlowParams | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not homeowners or len(contractors) < (params or FlowParams()).max_bids:
            raise ValueError("a scenario needs homeowners and at least max_bids contractors")
        self.homeowners = list(homeowners)
        self.contractors = list(contractors)
        self.users = self.homeowners + self.contractors
        self.quota = quota
        self.mix = mix or Mix()
        self.params = params or FlowParams()
        self.rng = rng or random.Random()
        self.start = start
        self.posting = TokenAllowance(self.mix.posting_rate(rate, self.params), burst=3.0)
        self.flows: dict[int, Flow] = {}
        self.job_posts = 0
        self.results: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.unsendable = 0
        self._ready: deque[int] = deque()
        self._queued: set[int] = set()
        self._flow_credit = 0.0
        self._next_flow_id = 1
        self._recent_jobs: deque[int] = deque(maxlen=1_000)
        self._cursors: deque[tuple[int, str]] = deque(maxlen=50)

    def next_action(self, now: float) -> Action | None:
        """Return the next request to send, or None when every candidate is out of quota."""
        self._flow_credit = min(MAX_FLOW_CREDIT, self._flow_credit + self.mix.flow_share)
        action: Action | None = None
        if self._flow_credit >= 1:
            action = self._advance_flow(now) or self._start_flow(now)
            if action is not None:
                self._flow_credit -= 1
        if action is None:
            action = self._browse(now)
        if action is None:
            self.unsendable += 1
        else:
            self.sent["flow" if action.flow_id is not None else "browse"] += 1
        return action

    def on_result(self, action: Action, outcome: Outcome, now: float) -> None:
        """Learn from the answer to `action`: move its flow on, remember jobs seen."""
        if outcome.status == 429:
            self.quota.block(action.identity, now + (outcome.retry_after_seconds or 1.0))
        if action.flow_id is not None:
            self._flow_answered(action, outcome, now)
        elif action.kind is ActionKind.LIST_JOBS and outcome.ok:
            self._learn_listing(action, outcome.body)

    def report(self) -> dict[str, Any]:
        """Return what the flows achieved, for the summary."""
        totals: Counter[str] = Counter()
        for result, count in self.results.items():
            totals[result.split(":", 1)[0]] += count
        return {
            "job_posts_sent": self.job_posts,
            "flows_finished": dict(sorted(totals.items())),
            "flows_in_progress": len(self.flows),
            "flow_results": dict(self.results.most_common()),
            "sent_by_kind": dict(sorted(self.sent.items())),
            "not_sent_out_of_quota": self.unsendable,
        }

    def _flow_answered(self, action: Action, outcome: Outcome, now: float) -> None:
        flow = self.flows.get(action.flow_id or 0)
        if flow is None:
            return
        flow.apply(action, outcome, now)
        if action.kind is ActionKind.POST_JOB and flow.job_id is not None:
            self._recent_jobs.append(flow.job_id)
        if flow.finished:
            self.results[flow.result or "finished"] += 1
            del self.flows[flow.id]
        elif flow.ready:
            self._enqueue(flow.id)

    def _enqueue(self, flow_id: int) -> None:
        if flow_id not in self._queued:
            self._queued.add(flow_id)
            self._ready.append(flow_id)

    def _advance_flow(self, now: float) -> Action | None:
        for _ in range(min(len(self._ready), READY_SCAN)):
            flow_id = self._ready.popleft()
            self._queued.discard(flow_id)
            flow = self.flows.get(flow_id)
            if flow is None or not flow.ready:
                continue
            kind = flow.next_kind()
            if kind is None:
                continue
            # A retried post counts against the posting pace like a new one.
            reposting = kind is ActionKind.POST_JOB
            if not flow.due(now) or (reposting and not self._may_post(now)):
                self._enqueue(flow_id)
                continue
            actor = flow.next_actor()
            if actor is None:
                actor = self._pick(self.contractors, kind, now, exclude=flow.bidders)
            elif not self.quota.allows(actor.identity, actor.tier, kind.route_key, now):
                actor = None
            if actor is None:
                self._enqueue(flow_id)
                continue
            self.quota.spend(actor.identity, kind.route_key, now)
            if reposting:
                self.job_posts += 1
            action = flow.build(actor, self.rng)
            if flow.ready:
                self._enqueue(flow_id)
            return action
        return None

    def _start_flow(self, now: float) -> Action | None:
        if len(self.flows) >= MAX_ACTIVE_FLOWS:
            return None
        if not self._may_post(now):
            return None
        homeowner = self._pick(self.homeowners, ActionKind.POST_JOB, now)
        if homeowner is None:
            return None
        self.quota.spend(homeowner.identity, ActionKind.POST_JOB.route_key, now)
        flow = Flow.new(self._next_flow_id, homeowner, self.rng, self.params, self._territory())
        self._next_flow_id += 1
        self.flows[flow.id] = flow
        self.job_posts += 1
        return flow.build(homeowner, self.rng)

    def _may_post(self, now: float) -> bool:
        return self.posting.allows(self.job_posts, now - self.start)

    def _browse(self, now: float) -> Action | None:
        weights = self.mix.browse_weights
        kind = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        if kind is ActionKind.GET_JOB and not self._recent_jobs:
            kind = ActionKind.LIST_JOBS
        public = kind in (ActionKind.LIST_JOBS, ActionKind.GET_JOB)
        anonymous = public and self.rng.random() < self.mix.anonymous_share
        if anonymous and self.quota.allows(ANONYMOUS_IDENTITY, ANONYMOUS_TIER, kind.route_key, now):
            self.quota.spend(ANONYMOUS_IDENTITY, kind.route_key, now)
            return self._browse_action(kind, None)
        pool = self.contractors if kind is ActionKind.LIST_PAYOUTS else self.users
        actor = self._pick(pool, kind, now)
        if actor is None:
            return None
        self.quota.spend(actor.identity, kind.route_key, now)
        return self._browse_action(kind, actor)

    def _browse_action(self, kind: ActionKind, actor: Actor | None) -> Action:
        if kind is ActionKind.GET_JOB:
            return Action(kind, f"/api/jobs/{self.rng.choice(self._recent_jobs)}", actor)
        if kind is not ActionKind.LIST_JOBS:
            return Action(kind, kind.route, actor)
        params: dict[str, str | int] = {"limit": 20}
        if self._cursors and self.rng.random() < self.mix.follow_cursor_share:
            territory, cursor = self._cursors.popleft()
            params.update(territory_id=territory, status="posted", cursor=cursor)
        else:
            params.update(territory_id=self._territory(), status="posted")
        return Action(kind, "/api/jobs", actor, params=params)

    def _learn_listing(self, action: Action, body: Any) -> None:
        if not isinstance(body, dict):
            return
        for item in body.get("items") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                self._recent_jobs.append(item["id"])
        cursor = body.get("next_cursor")
        territory = (action.params or {}).get("territory_id")
        if isinstance(cursor, str) and isinstance(territory, int):
            self._cursors.append((territory, cursor))

    def _territory(self) -> int:
        if self.rng.random() < self.mix.hot_share:
            return self.rng.randint(1, min(self.mix.hot_territories, TERRITORIES))
        return self.rng.randint(1, TERRITORIES)

    def _pick(
        self, pool: Sequence[Actor], kind: ActionKind, now: float, exclude: set[int] | None = None
    ) -> Actor | None:
        for _ in range(PICK_ATTEMPTS):
            actor = self.rng.choice(pool)
            if exclude and actor.index in exclude:
                continue
            if self.quota.allows(actor.identity, actor.tier, kind.route_key, now):
                return actor
        return None
