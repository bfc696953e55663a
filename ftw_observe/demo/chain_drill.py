"""The break drills: stop one link of the alerting chain, wait for the page, restore it, wait
for the resolve (`ftw-observe demo --drill --break engine|alertmanager|prometheus`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import httpx

from ftw_observe.demo.chain import (
    BreakPlan,
    BreakResult,
    Component,
    first_page,
    open_pages,
    resolve_of,
    slack_of,
)
from ftw_observe.demo.control import ControlChannel, ControlError, ControlRequest
from ftw_observe.demo.inbox import FakeReceiversInbox, Inbox, Receipt
from ftw_observe.demo.stack import DemoStack
from ftw_observe.demo.waits import DrillError, wait_for

Progress = Callable[[str], None]


class Parts(Protocol):
    """Stops and starts the demo's components."""

    def stop(self, component: Component, *, kill: bool) -> None:
        """Stop the component (SIGKILL to all its processes with `kill`)."""
        ...

    def start(self, component: Component) -> None:
        """Start the component again as it was first started."""
        ...


def run_break(
    plan: BreakPlan,
    parts: Parts,
    inbox: Inbox,
    ready: Callable[[], bool],
    progress: Progress = lambda _: None,
) -> BreakResult:
    """Stop the component, wait for the page, restore it, wait for the resolve."""
    name, expected = plan.component.value, plan.expected
    before = inbox.receipts()
    seen, already_open = len(before), open_pages(before)

    def since() -> list[Receipt]:
        return inbox.receipts()[seen:]

    def wait(check: Callable[[], Receipt | None], timeout: float, failure: str) -> Receipt:
        return wait_for(check, timeout, failure, plan.poll_seconds)

    wanted = f"{' or '.join(expected.alerts)} from {expected.sender}"
    progress(f"breaking the chain: {expected.stop}; expecting {wanted}")
    broke_at = time.time()
    parts.stop(plan.component, kill=expected.kill)
    try:
        page = wait(
            lambda: first_page(since(), already_open),
            plan.page_timeout,
            f"no page reached {inbox.description} after stopping {name} (expected {wanted})",
        )
        progress(f"paged {page.at - broke_at:.1f} s after the break by {page.sender}: {page.text}")
        slack = wait(
            lambda: slack_of(since(), page, "trigger"),
            plan.slack_timeout,
            f"no Slack message for the page {page.dedup_key} of the stopped {name} "
            f"reached {inbox.description}",
        )
        progress(f"Slack: {slack.receiver}: {slack.text}")
    finally:
        progress(f"starting {name} again with its original command")
        restored_at = time.time()
        parts.start(plan.component)
    wait_for(
        lambda: True if ready() else None,
        plan.ready_timeout,
        f"{name} did not answer as ready after its restart",
        plan.poll_seconds,
    )
    resolve = wait(
        lambda: resolve_of(since(), page),
        plan.resolve_timeout,
        f"the page {page.dedup_key} was not resolved at {inbox.description} after {name} came back",
    )
    progress(f"resolved {resolve.at - restored_at:.1f} s after the restart")
    slack_resolve = wait(
        lambda: slack_of(since(), page, "resolve"),
        plan.slack_timeout,
        f"no Slack resolve for the page {page.dedup_key} reached {inbox.description} after "
        f"{name} came back",
    )
    return BreakResult(
        component=plan.component,
        broke_at=broke_at,
        restored_at=restored_at,
        page=page,
        slack_page=slack,
        resolve=resolve,
        slack_resolve=slack_resolve,
        inbox=inbox.description,
        receipts=since(),
    )


class DemoParts:
    """The demo's components, stopped and started through its control requests.

    Usage::

        parts = DemoParts(ControlChannel(stack.control_dir))
        parts.stop(Component.ENGINE, kill=True)
    """

    def __init__(self, channel: ControlChannel) -> None:
        self.channel = channel

    def stop(self, component: Component, *, kill: bool) -> None:
        """Ask the demo to stop the component and wait until it has."""
        self._ask(ControlRequest("stop", component.value, kill=kill))

    def start(self, component: Component) -> None:
        """Ask the demo to start the component again."""
        self._ask(ControlRequest("start", component.value))

    def _ask(self, request: ControlRequest) -> None:
        try:
            self.channel.ask(request)
        except ControlError as error:
            raise DrillError(str(error)) from None


def ready_url(stack: DemoStack, component: Component) -> str:
    """Return the URL that answers 200 once the component is ready."""
    return {
        Component.ENGINE: f"{stack.engine_url}/readyz",
        Component.ALERTMANAGER: f"{stack.alertmanager_url}/-/ready",
        Component.PROMETHEUS: f"{stack.prometheus_url}/-/ready",
    }[component]


def answers(url: str) -> bool:
    """Tell whether `url` answers 200 now."""
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def break_stack(
    stack: DemoStack, plan: BreakPlan, progress: Progress = lambda _: None
) -> BreakResult:
    """Run the break drill on a running demo that has fake receivers and takes control requests."""
    name = plan.component.value
    if not (stack.fake_pagerduty_url and stack.fake_slack_url):
        raise DrillError(
            "the break drills read what the demo's fake PagerDuty and Slack received, and this "
            "demo sends to real receivers; run it without PAGERDUTY_ROUTING_KEY and SLACK_BOT_TOKEN"
        )
    if stack.control_dir is None:
        raise DrillError(
            f"the demo running in {stack.home} takes no requests to stop its parts; "
            "restart it with this version of ftw-observe"
        )
    url = ready_url(stack, plan.component)
    if not answers(url):
        raise DrillError(f"{name} is not ready ({url}); a break drill needs a healthy stack")
    inbox = FakeReceiversInbox(stack.fake_pagerduty_url, stack.fake_slack_url)
    parts = DemoParts(ControlChannel(stack.control_dir))
    return run_break(plan, parts, inbox, lambda: answers(url), progress)
