"""A real `ftw-observe serve`: a quiet engine's log stays short, and every JSON line parses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from tests.conftest import wait_until
from tests.support.engine import API_TOKEN, WEBHOOK_TOKEN, RunningEngine, engine_env, start_engine
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus
from tests.support.services import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

# The defaults the hourly volume is derived for.
CYCLES_PER_HOUR = 3600 / 30
SUMMARIES_PER_HOUR = 3600 / 900
SLACK_TOKEN = "xoxb-4242-test-slack-bot-token"
ROUTING_KEY = "R0TESTROUTINGKEY0123456789ABCDEF"
SECRETS = (SLACK_TOKEN, ROUTING_KEY, WEBHOOK_TOKEN, API_TOKEN)
FIELDS = {"time", "level", "logger", "message"}


def lines(engine: RunningEngine) -> list[dict[str, Any]]:
    """Return every line the engine logged, each parsed as JSON."""
    return [json.loads(line) for line in engine.log_text().splitlines() if line.strip()]


def summaries(engine: RunningEngine) -> list[dict[str, Any]]:
    return [line for line in lines(engine) if line.get("event") == "summary"]


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[PrometheusServer]:
    """An empty Prometheus: the engine reads it fine and finds no data, a quiet system."""
    server = start_prometheus(tmp_path / "prometheus", free_port(), jobs={}, rule_files=[])
    try:
        wait_until(lambda: is_ready(server), timeout=30)
        yield server
    finally:
        server.stop()


@pytest.fixture
def quiet_engine(tmp_path: Path, prometheus: PrometheusServer) -> Iterator[RunningEngine]:
    """An engine at the default level, cycling every 2 seconds, summarising every 4."""
    env = engine_env(
        f"sqlite:///{tmp_path / 'observe.db'}",
        PROMETHEUS_URL=prometheus.url,
        FTW_LOG_FORMAT="json",
        FTW_EVALUATION_INTERVAL_SECONDS="2",  # a busy machine still keeps up
        FTW_LOG_SUMMARY_SECONDS="4",
    )
    engine = start_engine("engine", tmp_path, env)
    try:
        yield engine
    finally:
        engine.stop()


def test_a_quiet_engine_logs_under_100_lines_an_hour_at_the_default_intervals(
    quiet_engine: RunningEngine,
) -> None:
    # Polling /metrics and /healthz meanwhile is the traffic Prometheus and probes make.
    wait_until(lambda: quiet_engine.metric("ftw_observe_cycles_total") >= 6, timeout=60)
    wait_until(lambda: len(summaries(quiet_engine)) >= 3, timeout=60)
    logged = lines(quiet_engine)
    first = next(i for i, line in enumerate(logged) if line.get("event") == "summary")
    after_startup = logged[first:]
    noise = [line for line in after_startup if line.get("event") != "summary"]
    cycles = sum(line["cycles"] for line in after_startup if line.get("event") == "summary")
    assert noise == []
    assert cycles >= 3
    hourly = len(noise) / cycles * CYCLES_PER_HOUR + SUMMARIES_PER_HOUR
    assert hourly < 100
    assert len(logged[:first]) < 20  # startup says what runs, once


def test_a_quiet_engine_s_summaries_count_its_cycles_and_no_errors(
    quiet_engine: RunningEngine,
) -> None:
    wait_until(lambda: len(summaries(quiet_engine)) >= 2, timeout=60)
    latest = summaries(quiet_engine)[1]
    assert latest["role"] == "leader"
    assert latest["cycles"] >= 1
    assert latest["errors"] == 0
    assert latest["statuses"] == {"no_data": latest["slo_instances"]}
    assert latest["message"].startswith("summary of the last ")


@pytest.fixture
def debug_engine(tmp_path: Path, fake_pagerduty: FakePagerDuty) -> Iterator[RunningEngine]:
    """An engine logging everything as JSON, holding real-looking secrets, paging fakes."""
    with FakeSlack(token=SLACK_TOKEN) as slack:
        env = engine_env(
            f"sqlite:///{tmp_path / 'observe.db'}",
            FTW_LOG_FORMAT="json",
            FTW_LOG_LEVEL="debug",
            PAGERDUTY_ROUTING_KEY=ROUTING_KEY,
            PAGERDUTY_EVENTS_URL=fake_pagerduty.url,
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_API_URL=slack.api_url,
        )
        engine = start_engine("engine", tmp_path, env)
        try:
            yield engine
        finally:
            engine.stop()


def page(engine: RunningEngine) -> None:
    """Post a critical alert as Alertmanager would, with the webhook's token."""
    alert = {
        "status": "firing",
        "labels": {"alertname": "LogProbe", "severity": "critical", "service": "marketplace"},
        "annotations": {"summary": "probe"},
    }
    body = {"version": "4", "status": "firing", "receiver": "ftw-observe", "alerts": [alert]}
    auth = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    response = engine.post("/api/webhooks/alertmanager", json=body, headers=auth)
    assert response.status_code < 300, response.text


def deliveries(engine: RunningEngine) -> list[dict[str, Any]]:
    return [line for line in lines(engine) if line.get("event") == "delivery"]


def test_every_json_line_parses_with_its_fields_even_at_debug(debug_engine: RunningEngine) -> None:
    page(debug_engine)
    wait_until(lambda: len(deliveries(debug_engine)) >= 2, timeout=60)
    logged = lines(debug_engine)  # raises if a line is not JSON
    assert all(set(line) >= FIELDS for line in logged)
    assert {line["logger"] for line in logged} >= {"apscheduler.executors.default", "uvicorn.error"}


def test_a_delivery_line_names_the_notification_and_its_receiver(
    debug_engine: RunningEngine,
) -> None:
    page(debug_engine)
    wait_until(lambda: len(deliveries(debug_engine)) >= 2, timeout=60)
    receivers = {
        (line["receiver"], line["kind"], line["outcome"]) for line in deliveries(debug_engine)
    }
    assert receivers == {
        ("pagerduty-oncall", "trigger", "delivered"),
        ("slack-incidents", "trigger", "delivered"),
    }


def test_no_secret_of_the_environment_reaches_the_log(debug_engine: RunningEngine) -> None:
    page(debug_engine)
    wait_until(lambda: len(deliveries(debug_engine)) >= 2, timeout=60)
    text = debug_engine.log_text()
    assert [secret for secret in SECRETS if secret in text] == []
