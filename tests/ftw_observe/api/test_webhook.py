"""Alertmanager's webhook: bearer token, and alerts queued with the engine's identities."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.store import Store
from tests.ftw_observe.api.seed import marketplace_specs

TOKEN = "hook-secret-7f3a"


def payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {"version": "4", "status": "firing", "receiver": "ftw-observe", "alerts": list(alerts)}


BURN = {
    "status": "firing",
    "labels": {
        "alertname": "SLOErrorBudgetBurn",
        "service": "marketplace",
        "slo": "api-latency-p95",
        "route": "/api/jobs",
        "team": "marketplace",
        "severity": "page",
        "tier": "page-1h",
    },
    "annotations": {"summary": "burning"},
    "startsAt": "2026-11-01T12:00:00Z",
    "fingerprint": "abc",
}
CPU = {
    "status": "resolved",
    "labels": {
        "alertname": "HostHighCpuUtilization",
        "severity": "critical",
        "service": "host",
        "instance": "db1",
    },
    "annotations": {},
}


@pytest.fixture
def client(store: Store) -> TestClient:
    return TestClient(create_app(store=store, specs=marketplace_specs(), webhook_token=TOKEN))


def test_a_missing_or_wrong_token_is_refused_and_never_logged(
    client: TestClient, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("DEBUG"):
        missing = client.post("/api/webhooks/alertmanager", json=payload(BURN))
        wrong = client.post(
            "/api/webhooks/alertmanager",
            json=payload(BURN),
            headers={"Authorization": "Bearer not-the-token"},
        )
    assert missing.status_code == wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert "not-the-token" not in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in wrong.text
    assert store.outbox_depth() == 0


def test_without_a_configured_token_the_webhook_refuses_everything(store: Store) -> None:
    client = TestClient(create_app(store=store, specs=marketplace_specs()))
    response = client.post(
        "/api/webhooks/alertmanager", json=payload(BURN), headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 401
    assert "FTW_WEBHOOK_TOKEN" in response.json()["detail"]


def test_alerts_are_queued_with_the_engines_identity(client: TestClient, store: Store) -> None:
    response = client.post(
        "/api/webhooks/alertmanager",
        json=payload(BURN, CPU),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": 2}
    from datetime import UTC, datetime

    items = store.notifications.claim(datetime.now(UTC), 10, routed=False)
    keys = {(item.notification.dedup_key, item.notification.kind.value) for item in items}
    assert keys == {
        ("ftw/marketplace/api-latency-p95/route=/api/jobs/page-1h", "trigger"),
        ("am/HostHighCpuUtilization/instance=db1,service=host,severity=critical", "resolve"),
    }
    assert all(item.notification.source == "alertmanager" for item in items)


def test_the_token_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post("/api/webhooks/alertmanager", json={"nonsense": True})
    assert response.status_code == 401


def test_a_malformed_payload_names_the_field(client: TestClient) -> None:
    response = client.post(
        "/api/webhooks/alertmanager",
        json={"alerts": [{"status": "sleeping", "labels": {}}]},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 422
    assert "status" in str(response.json()["detail"])
