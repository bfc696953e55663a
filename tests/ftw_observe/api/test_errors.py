"""Errors keep the documented contract: `Allow` on 405, and 422 even for undecodable input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def methods(allow: str) -> set[str]:
    return {method.strip() for method in allow.split(",")}


def test_405_lists_every_method_of_a_path_served_by_several_routes(client: TestClient) -> None:
    response = client.request("PUT", "/api/silences")

    assert response.status_code == 405
    assert methods(response.headers["allow"]) == {"GET", "POST"}


def test_405_on_a_status_page_keeps_its_allow_header(client: TestClient) -> None:
    response = client.request("TRACE", "/slos/marketplace/api-availability")

    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert methods(response.headers["allow"]) == {"GET"}


def test_a_lone_surrogate_in_refused_input_is_a_422_not_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FTW_API_TOKEN", raising=False)
    body = b'{"matchers": ["a=b"], "author": "x\\ud800", "reason": "y", "duration": "1h"}'

    response = client.post(
        "/api/silences", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "author"]
    assert response.json()["detail"][0]["input"] == "x\\ud800"  # escaped, never raw
