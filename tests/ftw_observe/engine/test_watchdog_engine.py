"""A real `ftw-observe serve`: the watchdog pages and resolves, the heartbeat, the new metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.rules import names
from tests.conftest import wait_until
from tests.support.engine import WEBHOOK_TOKEN, RunningEngine, engine_env, start_engine
from tests.support.heartbeat import TOKEN, FakeCheck
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus
from tests.support.services import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

CHAIN = names.META_KEY.dedup_key  # the incident both chain alerts share
WEBHOOK = "/api/webhooks/alertmanager"
WATCHDOG = {
    "version": "4",
    "status": "firing",
    "receiver": "ftw-observe-watchdog",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "FTWObserveWatchdog", "severity": "none"},
            "annotations": {},
        }
    ],
}
Start = Callable[..., RunningEngine]


@pytest.fixture
def start(tmp_path: Path, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack) -> Iterator[Start]:
    """Start engines paging the fake receivers, with extra settings; all stopped afterwards."""
    started: list[RunningEngine] = []

    def run(**settings: str) -> RunningEngine:
        receivers = {
            "PAGERDUTY_ROUTING_KEY": "test-routing-key",
            "PAGERDUTY_EVENTS_URL": fake_pagerduty.url,
            "SLACK_BOT_TOKEN": fake_slack.token,
            "SLACK_API_URL": fake_slack.api_url,
        }
        env = {**engine_env(f"sqlite:///{tmp_path / 'observe.db'}"), **receivers, **settings}
        engine = start_engine("engine", tmp_path, env)
        started.append(engine)
        return engine

    yield run
    for engine in started:
        engine.stop()


@pytest.fixture
def check() -> Iterator[FakeCheck]:
    with FakeCheck() as fake:
        yield fake


def send_watchdog(engine: RunningEngine) -> None:
    auth = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    response = engine.post(WEBHOOK, json=WATCHDOG, headers=auth)
    assert response.status_code == 202, response.text
    assert response.json()["watchdogs"] == 1


def pd_actions(fake: FakePagerDuty) -> list[tuple[str, str]]:
    return [(event["event_action"], event["dedup_key"]) for event in fake.events()]


def run_prometheus(directory: Path, port: int) -> PrometheusServer:
    server = start_prometheus(directory, port, jobs={}, rule_files=[])
    wait_until(lambda: is_ready(server), timeout=30)
    return server


def test_a_missing_watchdog_pages_once_and_resolves_when_it_returns(
    start: Start, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    engine = start(FTW_WATCHDOG_TIMEOUT_SECONDS="2")
    wait_until(lambda: pd_actions(fake_pagerduty), timeout=30)
    cycles = engine.metric("ftw_observe_cycles_total")
    wait_until(lambda: engine.metric("ftw_observe_cycles_total") >= cycles + 3, timeout=30)
    assert pd_actions(fake_pagerduty) == [("trigger", CHAIN)]
    (message,) = fake_slack.posted("incidents")
    assert "No watchdog from Alertmanager" in str(message)

    send_watchdog(engine)

    wait_until(lambda: len(pd_actions(fake_pagerduty)) == 2, timeout=30)
    assert pd_actions(fake_pagerduty) == [("trigger", CHAIN), ("resolve", CHAIN)]
    assert len(fake_slack.posted("incidents")) == 1
    assert engine.metric("ftw_observe_webhook_watchdogs_total") == 1
    assert engine.metric("ftw_observe_watchdog_last_received_timestamp_seconds") > 0


def test_prometheus_down_trips_both_chain_alerts_and_pages_once(
    start: Start, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()  # Prometheus will listen here; nothing does yet
    engine = start(
        PROMETHEUS_URL=f"http://127.0.0.1:{port}",
        FTW_META_ALERT_AFTER_SECONDS="1",
        FTW_WATCHDOG_TIMEOUT_SECONDS="2",
    )

    def firing() -> set[str]:
        alerts = engine.get("/api/alerts").json()
        return {alert["labels"]["alertname"] for alert in alerts if alert["phase"] == "firing"}

    wait_until(lambda: firing() == {names.META_ALERT, names.WATCHDOG_MISSING_ALERT}, timeout=30)
    wait_until(lambda: pd_actions(fake_pagerduty), timeout=30)
    prometheus = run_prometheus(tmp_path / "prometheus", port)
    try:
        wait_until(lambda: firing() == {names.WATCHDOG_MISSING_ALERT}, timeout=30)
        assert pd_actions(fake_pagerduty) == [("trigger", CHAIN)]
        send_watchdog(engine)
        wait_until(lambda: len(pd_actions(fake_pagerduty)) == 2, timeout=30)
    finally:
        prometheus.stop()

    assert pd_actions(fake_pagerduty) == [("trigger", CHAIN), ("resolve", CHAIN)]
    assert len(fake_slack.posted("incidents")) == 1


def test_the_heartbeat_is_pinged_only_while_the_watchdog_arrives(
    start: Start, check: FakeCheck, tmp_path: Path
) -> None:
    port = free_port()
    prometheus = run_prometheus(tmp_path / "prometheus", port)
    try:
        engine = start(
            PROMETHEUS_URL=prometheus.url,
            FTW_WATCHDOG_TIMEOUT_SECONDS="60",
            FTW_HEARTBEAT_URL=check.ping_url,
        )
        success = 'ftw_observe_cycles_total{outcome="success"}'
        wait_until(lambda: engine.metric(success) >= 2, timeout=30)
        assert check.pings() == []

        send_watchdog(engine)

        wait_until(lambda: check.pings(), timeout=30)
        wait_until(lambda: engine.metric('ftw_observe_heartbeats_total{outcome="sent"}') >= 1)
    finally:
        prometheus.stop()
    assert TOKEN not in engine.log_text()
    assert TOKEN not in engine.get("/metrics").text


def test_the_chains_metrics_are_on_metrics(start: Start) -> None:
    engine = start(FTW_WATCHDOG_TIMEOUT_SECONDS="60")
    wait_until(lambda: engine.metric("ftw_observe_last_cycle_timestamp_seconds") > 0)

    text = engine.get("/metrics").text

    assert engine.metric("ftw_observe_cycle_interval_seconds") == 1
    for sample in (
        "ftw_observe_outbox_pending ",
        "ftw_observe_outbox_oldest_pending_age_seconds ",
        "ftw_observe_watchdog_last_received_timestamp_seconds 0.0",
        'ftw_observe_heartbeats_total{outcome="sent"} 0.0',
        'ftw_observe_heartbeats_total{outcome="failed"} 0.0',
        "ftw_observe_webhook_watchdogs_total 0.0",
    ):
        assert sample in text, sample
