"""Hostile and careless calls of the webhook, against a real engine over HTTP."""

from __future__ import annotations

import json
from typing import Any

import psutil
import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from tests.conftest import wait_until
from tests.support.engine import WEBHOOK_TOKEN, RunningEngine

pytestmark = pytest.mark.integration

PATH = "/api/webhooks/alertmanager"
AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
JSON = {"Content-Type": "application/json"}
TWENTY_MB = 20 * 1024 * 1024
# Allocator noise and the first requests' caches, not a 20 MB body.
RSS_GROWTH_BYTES = 5 * 1024 * 1024


def alert(**labels: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": "HostDown", "severity": "critical", "service": "host", **labels},
        "annotations": {"summary": "db1 is down", "description": "line one\n\tline two"},
        "startsAt": "2026-11-01T12:00:00Z",
    }


def rss(engine: RunningEngine) -> int:
    return int(psutil.Process(engine.process.pid).memory_info().rss)


def settled_rss(engine: RunningEngine) -> int:
    """Return the engine's RSS after a few calls of the webhook have warmed its code paths."""
    for _ in range(3):
        engine.post(PATH, content=b"{}", headers=JSON)
        engine.post(PATH, content=b"{}", headers={**JSON, **AUTH})
    return rss(engine)


def test_invalid_json_without_a_token_is_401(engine_with_receivers: RunningEngine) -> None:
    response = engine_with_receivers.post(PATH, content=b"{not json", headers=JSON)

    assert response.status_code == 401


def test_a_20_mb_body_without_a_token_is_401_and_never_read_into_memory(
    engine_with_receivers: RunningEngine,
) -> None:
    before = settled_rss(engine_with_receivers)

    response = engine_with_receivers.post(PATH, content=b"[" * TWENTY_MB, headers=JSON, timeout=60)

    assert response.status_code == 401
    assert rss(engine_with_receivers) - before < RSS_GROWTH_BYTES


def test_a_20_mb_body_with_the_token_is_413_and_never_read_into_memory(
    engine_with_receivers: RunningEngine,
) -> None:
    before = settled_rss(engine_with_receivers)

    response = engine_with_receivers.post(
        PATH, content=b"[" * TWENTY_MB, headers={**JSON, **AUTH}, timeout=60
    )

    assert response.status_code == 413
    assert rss(engine_with_receivers) - before < RSS_GROWTH_BYTES


def test_a_valid_alert_pages_although_its_neighbours_are_hostile(
    engine_with_receivers: RunningEngine, fake_pagerduty: FakePagerDuty
) -> None:
    body = {
        "version": "4",
        "status": "firing",
        "receiver": "ftw-observe",
        "alerts": [
            alert(instance="db1"),
            alert(instance="db\x002"),
            alert(instance="db\ud8003"),
            {**alert(instance="db4"), "status": "on fire"},
        ],
    }
    text = json.dumps(body)  # NUL and the lone surrogate travel as \u escapes, as sent by a client
    assert "\\u0000" in text
    assert "\\ud800" in text

    response = engine_with_receivers.post(PATH, content=text.encode(), headers={**JSON, **AUTH})

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["accepted"] == 1
    assert [(item["index"], item["reason"]) for item in answer["rejected"]] == [
        (1, "control_character"),
        (2, "invalid_unicode"),
        (3, "invalid_status"),
    ]
    paged = wait_until(
        lambda: [e for e in fake_pagerduty.events() if e["payload"]["summary"] == "db1 is down"]
    )
    assert isinstance(paged, list)
    assert len(paged) == 1
    counted = engine_with_receivers.get("/metrics").text
    for reason in ("control_character", "invalid_unicode", "invalid_status"):
        assert f'ftw_observe_webhook_alerts_rejected_total{{reason="{reason}"}} 1.0' in counted
    assert 'ftw_observe_webhook_requests_total{outcome="accepted"} 1.0' in counted


def tier(name: str, status: str) -> dict[str, Any]:
    severity = "page" if name.startswith("page") else "ticket"
    labels = {
        "alertname": "SLOErrorBudgetBurn",
        "service": "marketplace",
        "slo": "job-posting-availability",
        "team": "marketplace",
        "severity": severity,
        "tier": name,
    }
    return {"status": status, "labels": labels, "annotations": {"summary": f"{name} burns"}}


def test_tiers_reported_in_any_order_and_again_page_once_and_resolve_once(
    engine_with_receivers: RunningEngine, fake_pagerduty: FakePagerDuty
) -> None:
    # A careless Alertmanager (no inhibit rules, repeats, a resolve before its firing):
    # whatever the order, the outage is one incident.
    storm = [
        tier("page-6h", "resolved"),
        tier("page-6h", "firing"),
        tier("page-1h", "firing"),
        tier("page-1h", "firing"),
        tier("ticket-1d", "firing"),
        tier("page-6h", "firing"),
        tier("page-1h", "resolved"),
        tier("ticket-1d", "resolved"),
        tier("page-6h", "resolved"),
    ]
    for each in storm:
        body = {"version": "4", "status": each["status"], "receiver": "ftw-observe"}
        response = engine_with_receivers.post(PATH, json={**body, "alerts": [each]}, headers=AUTH)
        assert response.status_code == 202, response.text

    key = "ftw/marketplace/page"
    wait_until(lambda: ("resolve", key) in actions(fake_pagerduty))
    assert actions(fake_pagerduty) == [("trigger", key), ("resolve", key)]


def actions(fake_pagerduty: FakePagerDuty) -> list[tuple[str, str]]:
    return [(e["event_action"], e["dedup_key"]) for e in fake_pagerduty.events()]
