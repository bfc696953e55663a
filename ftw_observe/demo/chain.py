"""The links of the alerting chain a drill breaks, what each break should page, and which
receipts are that page, its Slack message and its resolve.

Each link has its own witness. With every engine replica dead, Prometheus's
FTWObserveEngineDown reaches PagerDuty and Slack through Alertmanager's own receivers. With
Alertmanager stopped, the engine misses the watchdog and pages FTWObserveWatchdogMissing.
With Prometheus stopped, the engine cannot read it and pages FTWObservePrometheusUnreachable
(in one incident with the missing watchdog). The page is the first PagerDuty trigger after
the break for an incident not already open; its resolve is that dedup key's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ftw_observe.demo.inbox import ALERTMANAGER, ENGINE, Receipt


class Component(StrEnum):
    """A link of the alerting chain that a drill can stop."""

    ENGINE = "engine"
    ALERTMANAGER = "alertmanager"
    PROMETHEUS = "prometheus"


@dataclass(frozen=True)
class Expected:
    """How a component is stopped, what that should page, who sends it, and how fast."""

    stop: str
    kill: bool
    alerts: tuple[str, ...]
    sender: str
    goal_seconds: float


EXPECTED = {
    Component.ENGINE: Expected(
        "every engine replica killed (SIGKILL)",
        True,
        ("FTWObserveEngineDown", "FTWObserveWebhookFailing"),
        ALERTMANAGER,
        180.0,
    ),
    Component.ALERTMANAGER: Expected(
        "Alertmanager stopped", False, ("FTWObserveWatchdogMissing",), ENGINE, 300.0
    ),
    Component.PROMETHEUS: Expected(
        "Prometheus stopped",
        False,
        ("FTWObservePrometheusUnreachable", "FTWObserveWatchdogMissing"),
        ENGINE,
        300.0,
    ),
}


@dataclass(frozen=True)
class BreakPlan:
    """Which component to stop and how long to wait for each step.

    Usage::

        plan = BreakPlan(Component.ALERTMANAGER, page_timeout=420)
    """

    component: Component
    page_timeout: float = 600.0
    slack_timeout: float = 120.0  # after the PagerDuty event, for its Slack message
    ready_timeout: float = 180.0  # for the restarted component to answer again
    resolve_timeout: float = 900.0
    poll_seconds: float = 1.0

    @property
    def expected(self) -> Expected:
        """Return what stopping this component should page."""
        return EXPECTED[self.component]


@dataclass(frozen=True)
class BreakResult:
    """What one break drill saw, and when."""

    component: Component
    broke_at: float
    restored_at: float
    page: Receipt  # the PagerDuty trigger
    slack_page: Receipt
    resolve: Receipt  # the PagerDuty resolve of the page's dedup key
    slack_resolve: Receipt
    inbox: str
    receipts: list[Receipt] = field(default_factory=list)  # everything during the drill

    @property
    def expected(self) -> Expected:
        """Return what the break should have paged."""
        return EXPECTED[self.component]

    @property
    def time_to_page(self) -> float:
        """Return seconds from the break to the PagerDuty trigger."""
        return self.page.at - self.broke_at

    @property
    def time_to_resolve(self) -> float:
        """Return seconds from the restart to the PagerDuty resolve."""
        return self.resolve.at - self.restored_at

    @property
    def met(self) -> bool:
        """Tell whether the page arrived within the component's goal."""
        return self.time_to_page <= self.expected.goal_seconds


def open_pages(receipts: Iterable[Receipt]) -> set[str]:
    """Return the PagerDuty dedup keys triggered and not resolved since."""
    open_keys: set[str] = set()
    for receipt in receipts:
        if receipt.receiver != "pagerduty":
            continue
        if receipt.kind == "trigger":
            open_keys.add(receipt.dedup_key)
        elif receipt.kind == "resolve":
            open_keys.discard(receipt.dedup_key)
    return open_keys


def first_page(receipts: Iterable[Receipt], already_open: set[str]) -> Receipt | None:
    """Return the first PagerDuty trigger of an incident that was not open before."""
    for receipt in receipts:
        is_trigger = receipt.receiver == "pagerduty" and receipt.kind == "trigger"
        if is_trigger and receipt.dedup_key not in already_open:
            return receipt
    return None


def slack_of(receipts: Iterable[Receipt], page: Receipt, kind: str) -> Receipt | None:
    """Return the first Slack post of `kind` for the page: a top-level one for a trigger.

    The engine's posts carry the page's dedup key; Alertmanager's carry their route's
    callback id, never its PagerDuty key, so any of them matches a page Alertmanager sent.
    """
    for receipt in receipts:
        if not receipt.receiver.startswith("slack") or receipt.kind != kind:
            continue
        if kind == "trigger" and not receipt.message:
            continue
        same = receipt.dedup_key == page.dedup_key
        if same or receipt.sender == page.sender == ALERTMANAGER:
            return receipt
    return None


def resolve_of(receipts: Iterable[Receipt], page: Receipt) -> Receipt | None:
    """Return the first PagerDuty resolve of the page's dedup key."""
    for receipt in receipts:
        is_resolve = receipt.receiver == "pagerduty" and receipt.kind == "resolve"
        if is_resolve and receipt.dedup_key == page.dedup_key:
            return receipt
    return None
