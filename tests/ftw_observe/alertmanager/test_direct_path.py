"""The real Alertmanager on the generated config: FTW Observe's own alerts reach PagerDuty and
Slack without any engine running, and the watchdog reaches the engine's webhook only.

The config is the committed `alerts/alertmanager.yml` as the demo renders it: the webhook
points at a recorder standing in for the engine, the direct receivers at the fakes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftw_observe.alertmanager import DirectPath
from ftw_observe.demo.configs import Wiring, alertmanager_config
from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.demo.files import write_private
from ftw_observe.demo.inbox import FakeReceiversInbox, from_alertmanager
from ftw_observe.demo.settings import Ports
from tests.conftest import wait_until
from tests.support.alertmanager import (
    RunningAlertmanager,
    WebhookRecorder,
    alert,
    start_alertmanager,
)

ROOT = Path(__file__).resolve().parents[3]
RULES = yaml.safe_load((ROOT / "alerts" / "ftw-observe.rules.yml").read_text())["groups"]
ROUTING_KEY = "R0UT1NGK3Y0123456789abcdef012345"
WEBHOOK_TOKEN = "webhook-token-0123456789"
# Alertmanager flushes a page group every 30 s and waits 30 s before a ticket group's first.
FLUSH_TIMEOUT = 75.0


@dataclass
class Rig:
    """Alertmanager with its receivers: the fakes, and a recorder in place of the engine."""

    alertmanager: RunningAlertmanager
    pagerduty: FakePagerDuty
    slack: FakeSlack
    webhook: WebhookRecorder

    def nothing_reached_the_engine(self) -> bool:
        return self.webhook.bodies() == []

    def inbox(self) -> FakeReceiversInbox:
        return FakeReceiversInbox(self.pagerduty.url, self.slack.url)


def own_alert(name: str, *, resolved: bool = False) -> dict[str, Any]:
    """Return the alert a self-monitoring rule raises, with the labels and text it sets."""
    rule = next(rule for group in RULES for rule in group["rules"] if rule["alert"] == name)
    labels = {"alertname": name, **rule["labels"]}
    # As Prometheus renders them: every template in the annotations stands for a value.
    annotations = {k: re.sub(r"\{\{[^}]*\}\}", "3", v) for k, v in rule["annotations"].items()}
    return alert(labels, annotations, resolved=resolved)


@pytest.fixture
def rig(tmp_path: Path, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack) -> Iterator[Rig]:
    with WebhookRecorder() as webhook:
        key_file, token_file = tmp_path / "pagerduty-routing-key", tmp_path / "slack-bot-token"
        write_private(key_file, ROUTING_KEY + "\n")
        write_private(token_file, fake_slack.token + "\n")
        write_private(tmp_path / "webhook-token", WEBHOOK_TOKEN + "\n")
        direct = DirectPath(
            routing_key_file=str(key_file),
            slack_token_file=str(token_file),
            pagerduty_url=f"{fake_pagerduty.url}/v2/enqueue",
            slack_api_url=f"{fake_slack.api_url}chat.postMessage",
        )
        wiring = Wiring(Ports(engine=webhook.port), (), tmp_path / "webhook-token", direct=direct)
        template = (ROOT / "alerts" / "alertmanager.yml").read_text()
        config = alertmanager_config(template, wiring)
        alertmanager = start_alertmanager(tmp_path / "alertmanager", config)
        try:
            yield Rig(alertmanager, fake_pagerduty, fake_slack, webhook)
        finally:
            alertmanager.stop()


def test_one_failure_tripping_two_pages_is_one_pagerduty_incident_and_incidents_post(
    rig: Rig,
) -> None:
    rig.alertmanager.post_alerts(
        [own_alert("FTWObserveEngineDown"), own_alert("FTWObserveWebhookFailing")]
    )

    def both_paged() -> bool:
        summaries = " ".join(e["payload"]["summary"] for e in rig.pagerduty.events())
        return "FTWObserveEngineDown" in summaries and "FTWObserveWebhookFailing" in summaries

    wait_until(both_paged, timeout=FLUSH_TIMEOUT)
    events = rig.pagerduty.events()
    assert {event["event_action"] for event in events} == {"trigger"}
    [dedup_key] = {event["dedup_key"] for event in events}
    assert re.fullmatch(r"[0-9a-f]{64}", dedup_key)
    assert rig.pagerduty.open_alerts() == {dedup_key}
    event = events[-1]
    assert event["routing_key"] == ROUTING_KEY
    assert event["payload"]["severity"] == "critical"
    runbooks = event["payload"]["custom_details"]["runbook"]
    assert "http://localhost:8080/runbooks/ftw-observe#engine-down" in runbooks
    titles = [m["attachments"][0]["title"] for m in rig.slack.posted("#incidents")]
    assert titles[0].startswith("[FIRING:")
    assert "FTW Observe page: FTWObserveEngineDown" in titles[0]
    assert rig.slack.posted("#slo-alerts") == []
    assert rig.nothing_reached_the_engine()


def test_a_page_resolves_in_pagerduty_and_in_incidents(rig: Rig) -> None:
    rig.alertmanager.post_alerts([own_alert("FTWObserveOutboxStuck")])
    wait_until(lambda: rig.pagerduty.open_alerts(), timeout=FLUSH_TIMEOUT)
    wait_until(lambda: rig.slack.posted("#incidents"), timeout=FLUSH_TIMEOUT)

    rig.alertmanager.post_alerts([own_alert("FTWObserveOutboxStuck", resolved=True)])

    wait_until(lambda: not rig.pagerduty.open_alerts(), timeout=FLUSH_TIMEOUT)
    wait_until(lambda: len(rig.slack.posted("#incidents")) == 2, timeout=FLUSH_TIMEOUT)
    trigger, resolve = rig.pagerduty.events()
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["dedup_key"] == resolve["dedup_key"]
    resolved = rig.slack.posted("#incidents")[1]["attachments"][0]
    assert resolved["title"] == "[RESOLVED] FTW Observe page: FTWObserveOutboxStuck"
    assert resolved["color"] == "good"
    receipts = rig.inbox().receipts()
    # Alertmanager notifies PagerDuty and Slack side by side: only each one's order is known.
    assert sorted((r.receiver, r.kind, r.message) for r in receipts) == [
        ("pagerduty", "resolve", False),
        ("pagerduty", "trigger", True),
        ("slack #incidents", "resolve", False),
        ("slack #incidents", "trigger", True),
    ]
    assert all(from_alertmanager(receipt) for receipt in receipts)
    assert rig.nothing_reached_the_engine()


def test_a_ticket_reaches_slo_alerts_only(rig: Rig) -> None:
    rig.alertmanager.post_alerts([own_alert("FTWObserveRuleEvaluationFailures")])

    wait_until(lambda: rig.slack.posted("#slo-alerts"), timeout=FLUSH_TIMEOUT)

    [post] = rig.slack.posted("#slo-alerts")
    attachment = post["attachments"][0]
    assert attachment["title"] == "[FIRING:1] FTW Observe ticket: FTWObserveRuleEvaluationFailures"
    assert "runbooks/ftw-observe#rule-evaluation-failures" in attachment["text"]
    assert rig.pagerduty.events() == []
    assert rig.slack.posted("#incidents") == []
    assert rig.nothing_reached_the_engine()


def test_the_watchdog_reaches_the_engines_webhook_and_no_person(rig: Rig) -> None:
    rig.alertmanager.post_alerts([own_alert("FTWObserveWatchdog")])

    wait_until(rig.webhook.bodies, timeout=FLUSH_TIMEOUT)

    [body] = rig.webhook.bodies()

    assert body["receiver"] == "ftw-observe-watchdog"
    assert [a["labels"]["alertname"] for a in body["alerts"]] == ["FTWObserveWatchdog"]
    [request] = rig.webhook.requests
    assert request.headers["authorization"] == f"Bearer {WEBHOOK_TOKEN}"
    assert rig.pagerduty.requests == []
    assert rig.slack.requests == []
