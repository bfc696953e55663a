"""Errors keep the documented contract: `Allow` on 405, and 422 even for undecodable input."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ftw_observe.api.silence_access import SilenceRules


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
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(silence_rules=SilenceRules(token="errors-test-token"))
    body = b'{"matchers": ["a=b"], "author": "x\\ud800", "reason": "y", "duration": "1h"}'
    headers = {"Content-Type": "application/json", "Authorization": "Bearer errors-test-token"}

    response = client.post("/api/silences", content=body, headers=headers)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"][0] == "body"
    assert "column 41" in problem["msg"]  # where the lone surrogate stands
    assert "\ud800" not in response.text  # escaped if shown, never raw
