"""`/api/silences`: list, create and expire silences; writes need the API token when set."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

TOKEN = "s3cret-api-token-for-tests"
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
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FTW_API_TOKEN", TOKEN)
    return TOKEN


def test_create_list_and_expire_a_silence(client: TestClient, token: str):
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


def test_a_maintenance_window_is_pending_until_it_starts(client: TestClient, token: str):
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
    client: TestClient, token: str, headers: dict[str, str], caplog: pytest.LogCaptureFixture
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


def test_reads_need_no_token(client: TestClient, token: str):
    assert client.get("/api/silences").status_code == 200


def test_writes_are_open_when_no_token_is_configured(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("FTW_API_TOKEN", raising=False)

    assert client.post("/api/silences", json=BODY).status_code == 201


def test_expiring_an_unknown_silence_is_404(client: TestClient, token: str):
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
    client: TestClient, token: str, change: dict[str, object], loc: list[object], message: str
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
    assert "401" in post["responses"]
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SilenceOut"
    )
    assert "404" in paths["/api/silences/{silence_id}"]["delete"]["responses"]
