"""The end-to-end incident drill, run in a thread from the start of the test session.

The drill spends most of its minutes waiting (for the page, then for the short window to
forget the outage); started when collection ends, that wait overlaps the rest of the suite.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

from ftw_observe.dashboards.variables import substitute
from ftw_observe.demo.drill import DrillPlan, DrillResult, run_drill
from ftw_observe.demo.inbox import FakeReceiversInbox, Receipt
from ftw_observe.demo.settings import PORT_VARIABLES
from ftw_observe.demo.stack import DemoStack
from tests.support.background import BackgroundStack
from tests.support.dashboards import targets
from tests.support.services import REDIS_TEST_URL, free_port
from tests.support.vm_beside import OnVictoriaMetrics, VictoriaMetricsBeside


@dataclass(frozen=True)
class Drilled:
    """A finished drill and what could be read from the stack before it stopped."""

    result: DrillResult
    receipts: list[Receipt]  # everything the fakes accepted during the drill
    answered: dict[str, bool]  # dashboard expression -> whether its query returned data
    on_victoriametrics: OnVictoriaMetrics  # the same outage, seen by VictoriaMetrics beside


def demo_environment(database: str, prefix: str) -> dict[str, str]:
    """Return the demo's environment: free ports, its own database and Redis prefix, fakes."""
    ports: set[int] = set()
    while len(ports) < len(PORT_VARIABLES):
        ports.add(free_port())
    env = {name: str(port) for name, port in zip(PORT_VARIABLES, sorted(ports), strict=True)}
    env |= {
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_TEST_URL,
        "REDIS_KEY_PREFIX": prefix,
        "DEMO_RATE": "20",
    }
    # Empty counts as unset: the demo then starts its fake receivers and shares the database.
    env |= {"SLACK_BOT_TOKEN": "", "PAGERDUTY_ROUTING_KEY": "", "FTW_OBSERVE_DATABASE_URL": ""}
    return env


def answered_queries(prometheus_url: str) -> dict[str, bool]:
    """Run every dashboard query, as Grafana would substitute it; say which returned data."""
    answered = {}
    for case in targets():
        expr = str(case.values[2])
        query = substitute(expr)
        response = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": query}, timeout=30)
        answered[expr] = bool(response.json()["data"]["result"])
    return answered


def drill_stack(stack: DemoStack, aborting: threading.Event) -> Drilled:
    """Run the SLO drill on the stack and read what the checks need before it stops.

    VictoriaMetrics and vmalert run beside it on the same targets and rules.
    """
    with VictoriaMetricsBeside(stack) as beside:
        result = run_drill(stack, DrillPlan(page_timeout=240, resolve_timeout=480))
        inbox = FakeReceiversInbox(stack.fake_pagerduty_url, stack.fake_slack_url)
        during = [r for r in inbox.receipts() if r.at >= result.fault_at]
        answered = answered_queries(stack.prometheus_url)
        on_victoriametrics = beside.read(result, answered_queries)
    return Drilled(result, during, answered, on_victoriametrics)


class BackgroundDrill(BackgroundStack[Drilled]):
    """Start the demo stack, drill it, read what the checks need, and clean everything up.

    Usage::

        drill = BackgroundDrill()
        drill.start()
        drilled = drill.wait(timeout=900)
    """

    def __init__(self) -> None:
        super().__init__("e2e-drill", demo_environment, drill_stack)
