"""The end-to-end incident drill, run in a thread from the start of the test session.

The drill spends most of its minutes waiting (for the page, then for the short window to
forget the outage); started when collection ends, that wait overlaps the rest of the suite.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from ftw_observe.dashboards.variables import substitute
from ftw_observe.demo.drill import DrillPlan, DrillResult, run_drill
from ftw_observe.demo.inbox import FakeReceiversInbox, Receipt
from ftw_observe.demo.settings import PORT_VARIABLES
from ftw_observe.demo.stack import StartedStack
from tests.support.dashboards import targets
from tests.support.services import (
    REDIS_TEST_URL,
    create_database,
    delete_redis_keys,
    drop_database,
    free_port,
)


@dataclass(frozen=True)
class Drilled:
    """A finished drill and what could be read from the stack before it stopped."""

    result: DrillResult
    receipts: list[Receipt]  # everything the fakes accepted during the drill
    answered: dict[str, bool]  # dashboard expression -> whether its query returned data


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


class BackgroundDrill:
    """Start the demo stack, drill it, read what the checks need, and clean everything up.

    Usage::

        drill = BackgroundDrill()
        drill.start()
        drilled = drill.wait(timeout=900)
    """

    def __init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="e2e-drill", daemon=True)
        self._started: StartedStack | None = None
        self._aborting = threading.Event()
        self._outcome: Drilled | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Begin in a thread."""
        self._thread.start()

    def wait(self, timeout: float) -> Drilled:
        """Return the finished drill, or raise what stopped it."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the drill did not finish within {timeout:g} s")
        if self._error is not None:
            raise self._error
        assert self._outcome is not None
        return self._outcome

    def abort(self) -> None:
        """Stop the stack if it still runs (an interrupted session), and wait for the thread.

        A stack still starting is stopped as soon as it is up, so no process outlives the
        session.
        """
        self._aborting.set()
        if self._started is not None:
            self._started.stop()
        self._thread.join(360)

    def _run(self) -> None:
        home = Path(tempfile.mkdtemp(prefix="ftw-drill-"))
        database = create_database()
        prefix = f"ftw-drill-{os.getpid()}-{free_port()}:"
        try:
            env = demo_environment(database, prefix)
            self._started = StartedStack.start(home, timeout=300, env=env)
            if self._aborting.is_set():
                return
            stack = self._started.stack
            result = run_drill(stack, DrillPlan(page_timeout=240, resolve_timeout=480))
            inbox = FakeReceiversInbox(stack.fake_pagerduty_url, stack.fake_slack_url)
            during = [r for r in inbox.receipts() if r.at >= result.fault_at]
            self._outcome = Drilled(result, during, answered_queries(stack.prometheus_url))
        except BaseException as error:  # handed to the test that waits for it
            self._error = error
        finally:
            if self._started is not None:
                self._started.stop()
            drop_database(database)
            delete_redis_keys(prefix)
            shutil.rmtree(home, ignore_errors=True)
