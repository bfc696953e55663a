"""Query parameters accept what OpenAPI documents and refuse the rest with a 422 naming them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/api/alerts/history", {"since": "0.5"}, "since"),
        ("/api/alerts/history", {"since": "1700000000"}, "since"),
        ("/api/alerts/history", {"since": "2026-11-01"}, "since"),
        ("/api/notifications/sent", {"since": "0001-01-01T00:00:00+00:01"}, "since"),
        ("/api/notifications/sent", {"limit": "1.0"}, "limit"),
        ("/api/notifications", {"limit": "+5"}, "limit"),
        ("/api/alerts/history", {"limit": " 5"}, "limit"),
        ("/api/slos/marketplace/api-availability/history", {"until": "1e9"}, "until"),
        ("/api/slos/marketplace/api-availability/history", {"points": "2.5"}, "points"),
    ],
)
def test_loose_numbers_and_times_are_422_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, str], name: str
) -> None:
    response = client.get(path, params=params)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


@pytest.mark.parametrize(
    "since", ["2026-11-01T12:00:00Z", "2026-11-01T12:00", "2026-11-01 12:00:00.5+02:00"]
)
def test_iso_times_with_or_without_zone_are_accepted(client: TestClient, since: str) -> None:
    assert client.get("/api/alerts/history", params={"since": since}).status_code == 200


def test_openapi_keeps_the_bounds_of_whole_numbers(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/alerts/history"]["get"]
    limit = next(item for item in operation["parameters"] if item["name"] == "limit")

    assert (limit["schema"]["type"], limit["schema"]["minimum"]) == ("integer", 1)
    assert limit["schema"]["maximum"] == 5000
