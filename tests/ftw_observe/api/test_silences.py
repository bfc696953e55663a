"""`/api/silences`: list, create and expire silences; writes always need the API token."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from ftw_observe.api.silence_access import SilenceRules
from ftw_observe.notify.announce import announcement_key
from ftw_observe.rules.catalogue import alert_catalogue
from tests.ftw_observe.api.seed import Seeded, marketplace_specs

TOKEN = "s3cret-api-token-for-tests"
KNOWN = len(alert_catalogue(marketplace_specs()))
BODY = {
    "matchers": ["service=marketplace", "slo=~api-.*"],
    "author": "ana",
    "reason": "migrating the payment provider",
    "duration": "2h",
}


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def iso(value: datetime) -> str:
    return value.isoformat()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an app whose engine has an API token."""
    return make_client(silence_rules=SilenceRules(token=TOKEN))


@pytest.fixture
def no_token_client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an app configured by default: no API token."""
    return make_client()


def test_create_list_and_expire_a_silence(client: TestClient):
    before = datetime.now(UTC)

    created = client.post("/api/silences", json=BODY, headers=bearer())

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "active"
    assert body["matchers"] == ["service=marketplace", "slo=~api-.*"]
    assert (body["author"], body["reason"]) == ("ana", "migrating the payment provider")
    starts, ends = (datetime.fromisoformat(body[k]) for k in ("starts_at", "ends_at"))
    assert before <= starts <= datetime.now(UTC)
    assert ends - starts == timedelta(hours=2)
    assert body["expired_at"] is None

    listed = client.get("/api/silences")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [body["id"]]

    deleted = client.delete(f"/api/silences/{body['id']}", headers=bearer())
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["state"] == "expired"
    assert deleted.json()["expired_at"] is not None
    assert client.get("/api/silences").json() == []
    history = client.get("/api/silences", params={"all": "true"}).json()
    assert [(item["id"], item["state"]) for item in history] == [(body["id"], "expired")]


def test_a_maintenance_window_is_pending_until_it_starts(client: TestClient):
    start = datetime.now(UTC) + timedelta(days=1)
    body = {
        **BODY,
        "starts_at": iso(start),
        "duration": None,
        "ends_at": iso(start + timedelta(hours=3)),
    }

    created = client.post("/api/silences", json=body, headers=bearer())

    assert created.status_code == 201, created.text
    assert created.json()["state"] == "pending"
    assert datetime.fromisoformat(created.json()["starts_at"]) == start
    assert [item["state"] for item in client.get("/api/silences").json()] == ["pending"]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("wrong"), {"Authorization": TOKEN}, {"Authorization": "Basic YWRtaW46YWRtaW4="}],
)
def test_writes_without_the_right_token_are_refused(
    client: TestClient, headers: dict[str, str], caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)

    created = client.post("/api/silences", json=BODY, headers=headers)
    expired = client.delete("/api/silences/anything", headers=headers)

    assert created.status_code == 401
    assert created.headers["www-authenticate"] == "Bearer"
    assert created.json() == {
        "detail": "send Authorization: Bearer <FTW_API_TOKEN> to change silences"
    }
    assert expired.status_code == 401
    assert client.get("/api/silences").json() == []  # nothing was created
    assert TOKEN not in caplog.text
    assert "wrong" not in caplog.text


def test_reads_need_no_token(client: TestClient, no_token_client: TestClient):
    assert client.get("/api/silences").status_code == 200
    assert no_token_client.get("/api/silences").status_code == 200


def test_the_token_is_checked_before_the_body_is_read(client: TestClient):
    response = client.post(
        "/api/silences", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("headers", [{}, bearer()])
def test_without_a_configured_token_every_write_is_refused_with_how_to_configure_one(
    no_token_client: TestClient, headers: dict[str, str]
):
    created = no_token_client.post("/api/silences", json=BODY, headers=headers)
    expired = no_token_client.delete("/api/silences/anything", headers=headers)

    assert created.status_code == expired.status_code == 403
    detail = created.json()["detail"]
    assert "Set FTW_API_TOKEN in the engine's environment" in detail
    assert ".ftw/api-token" in detail
    assert no_token_client.get("/api/silences").json() == []


def test_a_silence_says_how_many_known_alerts_it_mutes(client: TestClient):
    created = client.post("/api/silences", json=BODY, headers=bearer()).json()

    assert created["known_alerts"] == KNOWN
    # service=marketplace, slo=~api-.*: the api-* SLOs' alerts, not the threshold alerts.
    assert 0 < created["muted_alerts"] < KNOWN


def test_a_new_silence_is_queued_for_announcement_with_it(client: TestClient, seeded: Seeded):
    created = client.post("/api/silences", json=BODY, headers=bearer()).json()

    (queued,) = seeded.store.notifications.announcements([announcement_key(created["id"])])
    assert queued.labels["event"] == "created"
    assert queued.labels["severity"] == "ticket"
    assert queued.annotations["author"] == "ana"
    assert queued.annotations["reason"] == "migrating the payment provider"
    assert queued.annotations["matchers"] == "service=marketplace\nslo=~api-.*"


MUTE_ALL = [
    ["severity=~.+"],
    ['severity!=""'],
    ['alertname=~".*."'],
    ["alertname!="],
    ["service=~.+", "severity!~nothing"],
]


@pytest.mark.parametrize("matchers", MUTE_ALL)
def test_a_silence_muting_every_known_alert_is_refused_without_force(
    client: TestClient, matchers: list[str]
):
    response = client.post("/api/silences", json={**BODY, "matchers": matchers}, headers=bearer())

    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "matchers"]
    assert f"would mute {KNOWN} of the {KNOWN} alerts" in error["msg"]
    assert '"force": true' in error["msg"]
    assert client.get("/api/silences").json() == []


@pytest.mark.parametrize("matchers", MUTE_ALL)
def test_a_forced_mute_all_silence_is_set_and_announced_as_such(
    client: TestClient, seeded: Seeded, matchers: list[str]
):
    response = client.post(
        "/api/silences",
        json={**BODY, "matchers": matchers, "force": True},
        headers=bearer(),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["muted_alerts"] == body["known_alerts"] == KNOWN
    (queued,) = seeded.store.notifications.announcements([announcement_key(body["id"])])
    assert queued.labels["event"] == "forced"
    assert queued.annotations["mutes"] == f"{KNOWN} of {KNOWN} known alerts"


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"duration": "8d"}, ["body", "duration"]),
        ({"duration": None, "ends_at": "9999-12-31T00:00:00Z"}, ["body", "ends_at"]),
    ],
)
def test_a_silence_longer_than_the_maximum_is_refused(
    client: TestClient, change: dict[str, object], loc: list[object]
):
    response = client.post("/api/silences", json={**BODY, **change}, headers=bearer())

    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == loc
    assert "longer than the 7d a silence may last" in error["msg"]
    assert "FTW_SILENCE_MAX_DURATION" in error["msg"]


def test_the_maximum_duration_is_the_engine_s_to_set(make_client: Callable[..., TestClient]):
    rules = SilenceRules(token=TOKEN, max_duration=timedelta(hours=1))
    client = make_client(silence_rules=rules)

    short = client.post("/api/silences", json={**BODY, "duration": "1h"}, headers=bearer())
    long = client.post("/api/silences", json={**BODY, "duration": "61m"}, headers=bearer())

    assert short.status_code == 201
    assert long.status_code == 422
    assert "longer than the 1h" in long.json()["detail"][0]["msg"]


def test_expiring_an_unknown_silence_is_404(client: TestClient):
    response = client.delete("/api/silences/no-such-id", headers=bearer())

    assert response.status_code == 404
    assert response.json() == {"detail": "no silence 'no-such-id'"}


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        ({"matchers": ["service"]}, ["body", "matchers", 0], "is not a matcher"),
        ({"matchers": ["slo=~.*"]}, ["body", "matchers"], "would silence every alert"),
        ({"matchers": []}, ["body", "matchers"], "at least 1 item"),
        ({"reason": ""}, ["body", "reason"], "at least 1 character"),
        ({"author": None}, ["body", "author"], "valid string"),
        ({"duration": "2 hours"}, ["body", "duration"], "is not a duration"),
        ({"duration": "0s"}, ["body", "duration"], "longer than 0s"),
        ({"duration": None}, ["body", "ends_at"], "give ends_at or duration"),
        ({"ends_at": "2030-01-01T00:00:00Z"}, ["body", "ends_at"], "give ends_at or duration"),
        (
            {"duration": None, "ends_at": "2020-01-01T00:00:00Z"},
            ["body", "ends_at"],
            "is not after the start and now",
        ),
        (
            {"duration": None, "ends_at": "2030-01-01T00:00:00"},
            ["body", "ends_at"],
            "timezone",
        ),
        ({"starts": "now"}, ["body", "starts"], "Extra inputs"),
    ],
)
def test_validation_errors_name_the_field(
    client: TestClient, change: dict[str, object], loc: list[object], message: str
):
    response = client.post("/api/silences", json={**BODY, **change}, headers=bearer())

    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert [error["loc"] for error in errors] == [loc]
    assert message in errors[0]["msg"]


def test_silences_are_in_the_openapi_document(client: TestClient):
    document = client.get("/openapi.json").json()
    paths = document["paths"]

    assert set(paths["/api/silences"]) == {"get", "post"}
    assert set(paths["/api/silences/{silence_id}"]) == {"delete"}
    post = paths["/api/silences"]["post"]
    assert {"401", "403", "422"} <= set(post["responses"])
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"matchers", "author", "reason", "duration", "force"} <= set(schema["properties"])
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SilenceOut"
    )
    assert "404" in paths["/api/silences/{silence_id}"]["delete"]["responses"]
