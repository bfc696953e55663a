"""The end-to-end break drills, on a demo stack of their own, in a thread from the session start.

The stack runs with short self-monitoring timeouts. First it stays healthy for a watchdog
timeout plus the longest `for` of the self-monitoring rules, and must page nobody. Then the
engine, Alertmanager and Prometheus are broken and restored in turn, each drill waiting for
its page and its resolve.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ftw_observe.demo.chain import BreakPlan, BreakResult, Component
from ftw_observe.demo.chain_drill import break_stack
from ftw_observe.demo.inbox import FakeReceiversInbox, Receipt
from ftw_observe.demo.stack import DemoStack
from ftw_observe.demo.waits import DrillError
from tests.support.background import BackgroundStack
from tests.support.drill import demo_environment

ROOT = Path(__file__).resolve().parents[2]
SELF_MONITORING_RULES = ROOT / "alerts" / "ftw-observe.rules.yml"
# Above the watchdog's repeat (1 min) plus its group interval (30 s): the longest healthy gap.
WATCHDOG_TIMEOUT_SECONDS = 120
META_ALERT_AFTER_SECONDS = 60
# Time for a page raised at the end of the healthy phase to reach the fakes: an engine cycle
# (the demo's 15 s) and a delivery.
DELIVERY_MARGIN_SECONDS = 20
ORDER = (Component.ENGINE, Component.ALERTMANAGER, Component.PROMETHEUS)


def chain_environment(database: str, prefix: str) -> dict[str, str]:
    """Return the demo's environment with short self-monitoring timeouts and light traffic."""
    return demo_environment(database, prefix) | {
        "FTW_WATCHDOG_TIMEOUT_SECONDS": str(WATCHDOG_TIMEOUT_SECONDS),
        "FTW_META_ALERT_AFTER_SECONDS": str(META_ALERT_AFTER_SECONDS),
        "DEMO_HISTORY_HOURS": "0",  # the breaks need no SLO history
        "DEMO_RATE": "5",
    }


def break_plan(component: Component) -> BreakPlan:
    """Return the drill's plan with waits sized to the short timeouts above."""
    return BreakPlan(
        component,
        page_timeout=180,
        slack_timeout=60,
        ready_timeout=120,
        resolve_timeout=420,
        poll_seconds=1,
    )


def self_monitoring_for_seconds(prometheus_url: str) -> float:
    """Return the longest `for` of the loaded alerting rules labelled component="ftw-observe"."""
    response = httpx.get(f"{prometheus_url}/api/v1/rules", params={"type": "alert"}, timeout=10)
    response.raise_for_status()
    holds = [
        float(rule.get("duration") or 0)
        for group in response.json()["data"]["groups"]
        for rule in group["rules"]
        if (rule.get("labels") or {}).get("component") == "ftw-observe"
    ]
    if not holds:
        raise AssertionError(f"Prometheus at {prometheus_url} loaded no ftw-observe alert rules")
    return max(holds)


@dataclass(frozen=True)
class ChainDrilled:
    """What the fakes received while the stack stayed healthy, and what each break saw."""

    hold_seconds: float  # the watchdog timeout plus the longest `for` of the rules
    healthy_seconds: float  # how long the stack had run when the healthy phase ended
    healthy: list[Receipt]  # everything the fakes received until then
    outcomes: dict[Component, BreakResult | DrillError]
    windows: dict[Component, list[Receipt]]  # from each break until the next one (or the end)
    pagerduty_events: list[dict[str, Any]]  # every event the fake PagerDuty accepted

    def result(self, component: Component) -> BreakResult:
        """Return the break's result, or raise what made it fail."""
        outcome = self.outcomes[component]
        if isinstance(outcome, DrillError):
            raise outcome
        return outcome


def drill_chain(stack: DemoStack, aborting: threading.Event) -> ChainDrilled:
    """Watch the healthy stack, then break and restore each component in turn."""
    assert stack.started_at is not None
    inbox = FakeReceiversInbox(stack.fake_pagerduty_url, stack.fake_slack_url)
    hold = WATCHDOG_TIMEOUT_SECONDS + self_monitoring_for_seconds(stack.prometheus_url)
    healthy_until = stack.started_at + hold + DELIVERY_MARGIN_SECONDS
    aborting.wait(max(0.0, healthy_until - time.time()))
    healthy, healthy_seconds = inbox.receipts(), time.time() - stack.started_at
    outcomes: dict[Component, BreakResult | DrillError] = {}
    starts: list[float] = []
    for component in ORDER:
        if aborting.is_set():
            break
        starts.append(time.time())
        try:
            outcomes[component] = break_stack(stack, break_plan(component))
        except DrillError as error:
            outcomes[component] = error
    everything = inbox.receipts()
    ends = [*starts[1:], float("inf")]
    windows = {
        component: [r for r in everything if start <= r.at < end]
        for component, start, end in zip(ORDER, starts, ends, strict=False)
    }
    received = httpx.get(f"{stack.fake_pagerduty_url}/_fake/received", timeout=10).json()
    return ChainDrilled(
        hold_seconds=hold,
        healthy_seconds=healthy_seconds,
        healthy=healthy,
        outcomes=outcomes,
        windows=windows,
        pagerduty_events=[item["event"] for item in received["events"]],
    )


def chain_drill_runnable() -> bool:
    """Tell whether the self-monitoring rules the break drills rely on are generated."""
    return SELF_MONITORING_RULES.is_file()


class BackgroundChainDrill(BackgroundStack[ChainDrilled]):
    """Start a demo stack, drill the alerting chain on it, and clean everything up.

    Usage::

        drill = BackgroundChainDrill()
        drill.start()
        drilled = drill.wait(timeout=900)
    """

    def __init__(self) -> None:
        super().__init__("e2e-chain-drill", chain_environment, drill_chain)
