"""The watchdog through Alertmanager's webhook: recorded for the leader, never routed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.api.webhook_metrics import WebhookMetrics
from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.store import Store
from tests.ftw_observe.api.seed import marketplace_specs
from tests.ftw_observe.api.test_webhook import AUTH, BURN, PATH, TOKEN, metric, payload, queued

WATCHDOG: dict[str, Any] = {
    "status": "firing",
    "labels": {
        "alertname": "FTWObserveWatchdog",
        "component": "ftw-observe",
        "severity": "none",
    },
    "annotations": {"summary": "Always firing: Prometheus and Alertmanager reach the engine"},
    "startsAt": "2026-11-01T12:00:00Z",
}
REJECTED = 'ftw_observe_webhook_alerts_rejected_total{reason="%s"}'


def client_of(store: Store, metrics: EngineMetrics | None = None) -> TestClient:
    if metrics is None:
        return TestClient(create_app(store=store, specs=marketplace_specs(), webhook_token=TOKEN))
    webhook_metrics = WebhookMetrics.create(
        metrics.registry, watchdog_seen=metrics.chain.note_watchdog
    )
    app = create_app(
        store=store,
        specs=marketplace_specs(),
        registry=metrics.registry,
        webhook_token=TOKEN,
        webhook_metrics=webhook_metrics,
    )
    return TestClient(app)


def test_the_watchdog_is_recorded_and_never_routed(store: Store) -> None:
    client = client_of(store)
    before = datetime.now(UTC)

    response = client.post(PATH, json=payload(WATCHDOG), headers=AUTH)

    assert response.status_code == 202
    assert response.json() == {"accepted": 0, "rejected_count": 0, "rejected": [], "watchdogs": 1}
    received = store.watchdog_received_at()
    assert received is not None
    assert received >= before.replace(microsecond=0)
    assert queued(store) == []
    assert store.outbox_depth() == 0
    assert metric(client, "ftw_observe_webhook_watchdogs_total") == 1
    assert metric(client, 'ftw_observe_webhook_requests_total{outcome="accepted"}') == 1
    assert all(
        metric(client, REJECTED % reason) == 0 for reason in ("invalid_status", "invalid_labels")
    )


def test_a_resolved_watchdog_is_counted_but_proves_nothing(store: Store) -> None:
    client = client_of(store)

    response = client.post(PATH, json=payload({**WATCHDOG, "status": "resolved"}), headers=AUTH)

    assert response.json()["watchdogs"] == 1
    assert store.watchdog_received_at() is None
    assert queued(store) == []


def test_the_watchdog_beside_other_alerts_leaves_them_queued(store: Store) -> None:
    client = client_of(store)

    response = client.post(PATH, json=payload(WATCHDOG, BURN), headers=AUTH)

    assert (response.json()["accepted"], response.json()["watchdogs"]) == (1, 1)
    assert queued(store) == [("ftw/marketplace/api-latency-p95/route=/api/jobs/page-1h", "trigger")]
    assert store.watchdog_received_at() is not None


def test_the_receiving_replica_shows_the_arrival_on_its_metrics_at_once(store: Store) -> None:
    client = client_of(store, EngineMetrics.create())

    client.post(PATH, json=payload(WATCHDOG), headers=AUTH)

    received = store.watchdog_received_at()
    assert received is not None
    assert metric(client, "ftw_observe_watchdog_last_received_timestamp_seconds") == (
        received.timestamp()
    )
