"""The client sends the credentials it was given, and says plainly when it cannot."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ftw_observe.prometheus import PrometheusAuth, PrometheusClient, PrometheusError

EMPTY = {"status": "success", "data": {"resultType": "vector", "result": []}}


def recording(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMPTY)

    return httpx.MockTransport(answer)


def test_extra_headers_go_with_every_query() -> None:
    seen: list[httpx.Request] = []
    auth = PrometheusAuth(headers=(("X-Scope-OrgID", "team-a"),))
    with PrometheusClient("http://mimir", auth=auth, transport=recording(seen)) as client:
        client.query("up", at=1.0)
        client.query_range("up", start=1.0, end=2.0, step=1)

    assert [r.headers["X-Scope-OrgID"] for r in seen] == ["team-a", "team-a"]


def test_a_token_file_gone_between_queries_names_the_variable(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("t0ken-value\n")
    seen: list[httpx.Request] = []
    auth = PrometheusAuth(bearer_token_file=token)
    with PrometheusClient("http://mimir", auth=auth, transport=recording(seen)) as client:
        client.query("up", at=1.0)
        token.unlink()
        with pytest.raises(PrometheusError, match=r"PROMETHEUS_BEARER_TOKEN_FILE=.* cannot read"):
            client.query("up", at=1.0)

    assert [r.headers["Authorization"] for r in seen] == ["Bearer t0ken-value"]


def test_without_credentials_no_authorization_header_is_sent() -> None:
    seen: list[httpx.Request] = []
    with PrometheusClient("http://prometheus:9090", transport=recording(seen)) as client:
        client.query("up", at=1.0)

    assert "Authorization" not in seen[0].headers
