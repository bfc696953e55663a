"""Every query of every generated panel returns data from the running stack: no "No data".

One stack for the module: the marketplace on Postgres and Redis under load-generator traffic,
the exporter, and Prometheus scraping both and evaluating the generated rules. Template
variables are substituted the way Grafana would, with values the demo has.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftw_observe.dashboards.variables import substitute
from tests.conftest import wait_until
from tests.support.stack import LiveStack, live_stack

REPO = Path(__file__).resolve().parents[3]
DASHBOARDS = sorted((REPO / "dashboards").glob("*.json"))
pytestmark = pytest.mark.integration


def targets() -> list[Any]:
    """Return (dashboard, panel title, expression) for every query of every panel."""
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        panels = list(dashboard.get("panels", []))
        for panel in list(panels):
            panels.extend(panel.get("panels", []))  # rows hold panels too
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    case = (path.stem, panel.get("title", ""), target["expr"])
                    found.append(
                        pytest.param(
                            *case, id=f"{path.stem}:{panel.get('id')}:{target.get('refId')}"
                        )
                    )
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with live_stack(tmp_path_factory.mktemp("live"), rate=30, duration=900) as running:
        prometheus = running.prometheus
        slos = {"api-availability", "api-latency-p95", "api-latency-p50"}
        slos |= {"job-posting-availability", "bid-response", "payout-success"}

        def warm() -> bool:
            # The period series step every 5 minutes of wall-clock time: wait for the first.
            found = prometheus.query("ftw_slo:error_budget_remaining:ratio")
            business = prometheus.query("ftw_payouts_total") and prometheus.query(
                "ftw_bid_response_seconds_count"
            )
            return {item["metric"]["slo"] for item in found} >= slos and bool(business)

        wait_until(warm, timeout=420, interval=2)
        time.sleep(5)  # a few more scrapes so rates over $__rate_interval have two samples
        yield running


@pytest.mark.parametrize(("dashboard", "title", "expr"), targets())
def test_the_query_returns_data(stack: LiveStack, dashboard: str, title: str, expr: str) -> None:
    query = substitute(expr)  # the demo values Grafana would use
    result = stack.prometheus.query(query)
    assert result, f"{dashboard} / {title}: no data for {query}"


def test_there_are_panels_to_check() -> None:
    assert len(targets()) >= 40
