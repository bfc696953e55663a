"""Alertmanager's webhook: the token before the body, a bounded body, each alert on its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.store import Store
from tests.ftw_observe.api.seed import marketplace_specs
from tests.support.asgi import send_in_chunks

TOKEN = "hook-secret-7f3a"
PATH = "/api/webhooks/alertmanager"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def payload(*alerts: Any) -> dict[str, Any]:
    return {"version": "4", "status": "firing", "receiver": "ftw-observe", "alerts": list(alerts)}


BURN: dict[str, Any] = {
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
CPU: dict[str, Any] = {
    "status": "resolved",
    "labels": {
        "alertname": "HostHighCpuUtilization",
        "severity": "critical",
        "service": "host",
        "instance": "db1",
    },
    "annotations": {},
}


def queued(store: Store) -> list[tuple[str, str]]:
    items = store.notifications.claim(datetime.now(UTC), 10, routed=False)
    return [(item.notification.dedup_key, item.notification.kind.value) for item in items]


def metric(client: TestClient, sample: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{sample} is not on /metrics")


@pytest.fixture
def client(store: Store) -> TestClient:
    return TestClient(
        create_app(
            store=store, specs=marketplace_specs(), webhook_token=TOKEN, webhook_max_bytes=4096
        )
    )


def test_a_missing_or_wrong_token_is_refused_and_never_logged(
    client: TestClient, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("DEBUG"):
        missing = client.post(PATH, json=payload(BURN))
        wrong = client.post(
            PATH, json=payload(BURN), headers={"Authorization": "Bearer not-the-token"}
        )
    assert missing.status_code == wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert "not-the-token" not in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in wrong.text
    assert store.outbox_depth() == 0
    assert metric(client, 'ftw_observe_webhook_requests_total{outcome="unauthorized"}') == 2


def test_without_a_configured_token_the_webhook_refuses_everything(store: Store) -> None:
    client = TestClient(create_app(store=store, specs=marketplace_specs()))
    response = client.post(PATH, json=payload(BURN), headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert "FTW_WEBHOOK_TOKEN" in response.json()["detail"]


def test_alerts_are_queued_with_the_engines_identity(client: TestClient, store: Store) -> None:
    response = client.post(PATH, json=payload(BURN, CPU), headers=AUTH)

    assert response.status_code == 202
    assert response.json() == {"accepted": 2, "rejected_count": 0, "rejected": [], "watchdogs": 0}
    assert set(queued(store)) == {
        ("ftw/marketplace/api-latency-p95/route=/api/jobs/page-1h", "trigger"),
        ("am/HostHighCpuUtilization/instance=db1,service=host,severity=critical", "resolve"),
    }


def test_the_token_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post(PATH, content=b"{not json", headers={"Content-Type": "application/json"})

    assert response.status_code == 401


def test_one_bad_alert_is_rejected_by_index_and_the_others_are_queued(
    client: TestClient, store: Store
) -> None:
    sleeping = {**CPU, "status": "sleeping"}
    nul = {**CPU, "labels": {**CPU["labels"], "instance": "db\x001"}}

    response = client.post(PATH, json=payload(sleeping, BURN, nul), headers=AUTH)

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected_count"]) == (1, 2)
    assert [(item["index"], item["reason"]) for item in body["rejected"]] == [
        (0, "invalid_status"),
        (2, "control_character"),
    ]
    assert "status" in body["rejected"][0]["detail"]
    assert queued(store) == [("ftw/marketplace/api-latency-p95/route=/api/jobs/page-1h", "trigger")]
    rejected = 'ftw_observe_webhook_alerts_rejected_total{reason="%s"}'
    assert metric(client, rejected % "invalid_status") == 1
    assert metric(client, rejected % "control_character") == 1
    assert metric(client, rejected % "invalid_unicode") == 0


def test_a_flood_of_bad_alerts_is_counted_but_not_echoed_in_full(store: Store) -> None:
    client = TestClient(create_app(store=store, specs=marketplace_specs(), webhook_token=TOKEN))

    response = client.post(PATH, json=payload(BURN, *[{}] * 5000), headers=AUTH)

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected_count"], len(body["rejected"])) == (1, 5000, 100)
    rejected = 'ftw_observe_webhook_alerts_rejected_total{reason="invalid_status"}'
    assert metric(client, rejected) == 5000


def test_lone_surrogates_in_the_json_text_reject_that_alert_only(
    client: TestClient, store: Store
) -> None:
    text = json.dumps(payload(BURN, {**CPU, "labels": {"alertname": "X\ud800"}}))
    assert "\\ud800" in text  # as raw JSON escapes, the way a hostile client sends it

    response = client.post(PATH, content=text.encode(), headers=AUTH)

    assert response.status_code == 202
    assert response.json()["rejected"][0]["reason"] == "invalid_unicode"
    assert len(queued(store)) == 1


def test_invalid_utf8_inside_one_alert_rejects_that_alert_only(
    client: TestClient, store: Store
) -> None:
    text = json.dumps(payload(BURN, {**CPU, "labels": {"alertname": "HOLE"}})).encode()

    response = client.post(PATH, content=text.replace(b"HOLE", b"\xff\xfe"), headers=AUTH)

    assert response.status_code == 202
    assert [item["index"] for item in response.json()["rejected"]] == [1]
    assert len(queued(store)) == 1


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b"[" * 3000])
def test_a_body_that_is_not_json_is_400(client: TestClient, body: bytes) -> None:
    response = client.post(PATH, content=body, headers=AUTH)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(("the body is not JSON", "the body nests"))


@pytest.mark.parametrize(
    ("body", "field"),
    [({"nonsense": True}, "alerts"), ({"alerts": {"a": 1}}, "alerts"), ([BURN], "body")],
)
def test_a_body_not_shaped_like_alertmanagers_is_422_naming_the_field(
    client: TestClient, body: Any, field: str
) -> None:
    response = client.post(PATH, json=body, headers=AUTH)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert metric(client, 'ftw_observe_webhook_requests_total{outcome="malformed"}') == 1


def test_a_body_over_the_limit_is_413_by_its_declared_length(client: TestClient) -> None:
    response = client.post(PATH, content=b"x" * 5000, headers=AUTH)

    assert response.status_code == 413
    assert "4096 bytes" in response.json()["detail"]
    assert metric(client, 'ftw_observe_webhook_requests_total{outcome="too_large"}') == 1


def test_without_a_token_not_a_byte_of_the_body_is_read(store: Store) -> None:
    app = create_app(store=store, specs=marketplace_specs(), webhook_token=TOKEN)

    answer = send_in_chunks(app, "POST", PATH, [b"{" * 1024] * 50)

    assert answer.status == 401
    assert answer.chunks_read == 0


def test_a_chunked_body_is_read_no_further_than_the_limit(store: Store) -> None:
    app = create_app(
        store=store, specs=marketplace_specs(), webhook_token=TOKEN, webhook_max_bytes=4096
    )

    answer = send_in_chunks(app, "POST", PATH, [b" " * 1024] * 50, headers=AUTH)

    assert answer.status == 413
    assert answer.chunks_read == 5  # 5 KiB read: past the 4 KiB limit, and no further


def test_openapi_documents_the_body_and_every_answer(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][PATH]["post"]

    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["alerts"]
    alert = body["properties"]["alerts"]["items"]
    assert alert["properties"]["status"]["pattern"] == "^(firing|resolved)$"
    assert {"labels", "annotations"} <= set(alert["properties"])
    assert {"202", "400", "401", "413", "422", "503"} <= set(operation["responses"])
    answer = operation["responses"]["202"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/WebhookAnswer")
