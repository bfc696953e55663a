"""The incident drill: break job posting, wait for the page, heal it, wait for the resolve."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from ftw_observe.demo import probes
from ftw_observe.demo.inbox import EngineOutboxInbox, FakeReceiversInbox, Inbox, Receipt
from ftw_observe.demo.outage import ErrorCap, error_cap
from ftw_observe.demo.stack import DemoStack
from ftw_observe.demo.waits import DrillError, wait_for
from ftw_observe.durations import parse_duration
from ftw_observe.notify.incidents import service_page_key

__all__ = ["Budget", "DrillError", "DrillPlan", "DrillResult", "run_drill", "workbook_bound"]

T = TypeVar("T")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class DrillPlan:
    """What to break and how long to wait for each step.

    Usage::

        plan = DrillPlan(min_outage_seconds=120)
    """

    service: str = "marketplace"
    slo: str = "job-posting-availability"
    route: str = "/api/jobs"
    method: str = "POST"
    min_outage_seconds: float = 0.0
    ready_timeout: float = 300.0
    page_timeout: float = 300.0
    resolve_timeout: float = 900.0
    settle_timeout: float = 420.0
    poll_seconds: float = 1.0


@dataclass(frozen=True)
class Budget:
    """The error budget the outage spent, from the engine's API and from the marketplace."""

    objective: float  # percent
    period: str
    period_events: float  # events in the period, from the API, after the drill
    api_errors: float  # errors the API added during the drill
    marketplace_errors: float  # 5xx the marketplace itself counted during the drill
    marketplace_requests: float  # requests it counted during the drill

    @property
    def allowed_errors(self) -> float:
        """Return the errors the period's budget allows, at the events seen so far."""
        return (1 - self.objective / 100) * self.period_events

    @property
    def consumed(self) -> float:
        """Return the share of the period's budget the drill spent, per the engine's API."""
        return self.api_errors / self.allowed_errors if self.allowed_errors else math.inf

    @property
    def expected(self) -> float:
        """Return the share the outage should have spent, per the marketplace's own counts."""
        return self.marketplace_errors / self.allowed_errors if self.allowed_errors else math.inf


@dataclass(frozen=True)
class DrillResult:
    """What happened, when, and what it cost."""

    dedup_key: str
    fault_at: float
    paged_at: float
    cleared_at: float
    resolved_at: float
    bound_seconds: float  # Workbook detection time plus scrape and evaluation intervals
    budget: Budget
    inbox: str
    receipts: list[Receipt] = field(default_factory=list)  # everything during the drill
    cap: ErrorCap | None = None  # the failed requests after which the drill healed, if capped

    @property
    def time_to_page(self) -> float:
        """Return seconds from breaking job posting to the first page arriving."""
        return self.paged_at - self.fault_at

    @property
    def time_to_resolve(self) -> float:
        """Return seconds from healing job posting to the page's resolve arriving."""
        return self.resolved_at - self.cleared_at


def workbook_bound(tier: dict[str, object], objective: float, scrape: float, rule: float) -> float:
    """Return how long a 100 % outage takes to fire the tier, plus scrape and rule intervals."""
    budget = 1 - objective / 100
    factor = float(str(tier["factor"]))
    long_window = parse_duration(str(tier["long_window"]))
    short_window = parse_duration(str(tier["short_window"]))
    detect = factor * budget * max(long_window, short_window)
    return detect + float(str(tier["for_seconds"])) + scrape + rule


def choose_inbox(stack: DemoStack, plan: DrillPlan, since: datetime) -> Inbox:
    """Read the fakes when the demo runs them, else what the engine delivered."""
    if stack.fake_pagerduty_url or stack.fake_slack_url:
        return FakeReceiversInbox(stack.fake_pagerduty_url, stack.fake_slack_url)
    prefix = f"ftw/{plan.service}/"
    return EngineOutboxInbox(stack.engine_url, dedup_key_prefix=prefix, since=since)


def run_drill(
    stack: DemoStack, plan: DrillPlan, progress: Progress = lambda _: None
) -> DrillResult:
    """Run the drill against a running demo stack and return its measurements."""
    target = f"{plan.service}/{plan.slo}"
    tier = _wait_until_ready(stack, plan, progress)
    scrape, rule = probes.prometheus_intervals(stack.prometheus_url)
    before = probes.slo_figures(stack.engine_url, plan.service, plan.slo)
    bound = workbook_bound(tier, before.objective, scrape, rule)
    inbox = choose_inbox(stack, plan, datetime.now(UTC))
    seen = len(inbox.receipts())
    counted_before = probes.marketplace_requests(stack.marketplace_url, plan.route, plan.method)
    key = stack.operator_key()

    # An outage held on purpose is the operator's choice; otherwise heal once it could page.
    cap = None if plan.min_outage_seconds else error_cap(before.tiers, before.window_events)
    fault = _RouteFault(stack.marketplace_url, key, plan.route)

    def paged() -> Receipt | None:
        receipt = _first(inbox, seen, plan, "trigger", None)
        if receipt is None and cap is not None and fault.cleared_at is None:
            counted = probes.marketplace_requests(stack.marketplace_url, plan.route, plan.method)
            failed = counted.errors - counted_before.errors
            if failed >= cap.errors:
                fault.clear()
                progress(
                    f"healed after {failed:.0f} failed job "
                    f"posts: {cap.needed:.0f} page the fastest tier, {cap.tolerated:.0f} would "
                    f"fire {cap.tolerated_by}; waiting for the page"
                )
        return receipt

    progress(f"breaking {plan.method} {plan.route}: every request now fails with HTTP 500")
    fault_at = time.time()
    fault.set()
    try:
        page = _wait(
            paged, plan.page_timeout, f"no page for {target} arrived at {inbox.description}", plan
        )
        progress(f"paged after {page.at - fault_at:.1f} s: {page.receiver}: {page.text}")
        hold = fault_at + plan.min_outage_seconds - time.time()
        if hold > 0:
            progress(f"keeping job posting broken {hold:.0f} s more, to spend a measurable budget")
            time.sleep(hold)
    finally:
        fault.clear()
    cleared_at = fault.cleared_at or time.time()
    progress(f"job posting healed after {cleared_at - fault_at:.0f} s; waiting for the resolve")
    resolve = _wait(
        lambda: _first(inbox, seen, plan, "resolve", page.dedup_key),
        plan.resolve_timeout,
        f"the page {page.dedup_key} was not resolved at {inbox.description}",
        plan,
    )
    progress(f"resolved {resolve.at - cleared_at:.1f} s after healing: {resolve.receiver}")
    counted_after = probes.marketplace_requests(stack.marketplace_url, plan.route, plan.method)
    after = _wait_for_period(stack, plan, cleared_at, progress)
    budget = Budget(
        objective=before.objective,
        period=before.period,
        period_events=after.events or 0.0,
        api_errors=(after.errors or 0.0) - (before.errors or 0.0),
        marketplace_errors=counted_after.errors - counted_before.errors,
        marketplace_requests=counted_after.requests - counted_before.requests,
    )
    return DrillResult(
        dedup_key=page.dedup_key,
        fault_at=fault_at,
        paged_at=page.at,
        cleared_at=cleared_at,
        resolved_at=resolve.at,
        bound_seconds=bound,
        budget=budget,
        inbox=inbox.description,
        receipts=inbox.receipts()[seen:],
        cap=cap,
    )


def _wait_until_ready(stack: DemoStack, plan: DrillPlan, progress: Progress) -> dict[str, object]:
    """Wait until the SLO has enough traffic to page, and fail if it already alerts."""
    target = f"{plan.service}/{plan.slo}"
    firing = probes.firing_alerts(stack.engine_url, plan.service, plan.slo)
    if firing:
        tiers = ", ".join(sorted(a["tier"] for a in firing))
        raise DrillError(
            f"{target} is already alerting ({tiers}); a drill now would prove nothing. "
            "Wait until it resolves (see the status page), or start a fresh demo."
        )
    progress(f"waiting until {target} has enough traffic to page")

    def ready() -> dict[str, object] | None:
        figures = probes.slo_figures(stack.engine_url, plan.service, plan.slo)
        tier = figures.page_tier
        if tier is None:
            raise DrillError(f"{target} has no page tier enabled: a drill cannot page")
        # The period may not count anything yet (it steps every 5 minutes); the tier's windows
        # must, and must be quiet, for the page to mean something.
        events = figures.window_events.get(str(tier["long_window"])) or 0.0
        recent = figures.window_events.get(str(tier["short_window"])) or 0.0
        if figures.status not in ("ok", "no_data") or recent <= 0:
            return None
        if events < max(1, figures.min_events):
            return None
        return tier

    return _wait(ready, plan.ready_timeout, f"{target} did not get traffic", plan)


def _wait_for_period(
    stack: DemoStack, plan: DrillPlan, cleared_at: float, progress: Progress
) -> probes.SLOFigures:
    """Wait until the engine's period figures include the whole outage.

    The period sums 5-minute increases at 5-minute steps, so an outage is fully counted at
    the first step after it ends, once Prometheus and the engine have evaluated it.
    """
    step = 300
    counted_from = (math.floor((cleared_at + 30) / step) + 1) * step
    progress("waiting for the error budget to count the whole outage")

    def settled() -> probes.SLOFigures | None:
        figures = probes.slo_figures(stack.engine_url, plan.service, plan.slo)
        at = figures.evaluated_at
        if at is None or datetime.fromisoformat(at).timestamp() < counted_from + 20:
            return None
        return figures

    return _wait(settled, plan.settle_timeout, "the error budget did not settle", plan)


class _RouteFault:
    """The drill's fault on one route, cleared once however the drill ends."""

    def __init__(self, marketplace_url: str, key: str, route: str) -> None:
        self.marketplace_url, self.key, self.route = marketplace_url, key, route
        self.cleared_at: float | None = None

    def set(self) -> None:
        probes.set_route_fault(self.marketplace_url, self.key, self.route, 1.0)

    def clear(self) -> None:
        if self.cleared_at is None:
            probes.clear_route_fault(self.marketplace_url, self.key, self.route)
            self.cleared_at = time.time()


def _first(inbox: Inbox, seen: int, plan: DrillPlan, kind: str, key: str | None) -> Receipt | None:
    # The SLO's page is its service's: every page-level alert of the service shares it.
    page, prefix = service_page_key(plan.service), f"ftw/{plan.service}/{plan.slo}/"
    for receipt in inbox.receipts()[seen:]:
        if receipt.kind != kind:
            continue
        if receipt.dedup_key != page and not receipt.dedup_key.startswith(prefix):
            continue
        if key is None or receipt.dedup_key == key:
            return receipt
    return None


def _wait(check: Callable[[], T | None], timeout: float, failure: str, plan: DrillPlan) -> T:
    return wait_for(check, timeout, failure, plan.poll_seconds)
