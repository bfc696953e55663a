"""A real `ftw-observe serve` reads a Prometheus behind a proxy that wants a tenant and a token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_until
from tests.support.auth_proxy import AuthProxy, Guard
from tests.support.engine import RunningEngine, engine_env, start_engine
from tests.support.prometheus import PrometheusServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TOKEN = "engine-token-71d2e9-secret"
TENANT = "tenant-marketplace"
Start = Callable[..., RunningEngine]


@pytest.fixture
def mimir(bare_prometheus: PrometheusServer) -> Iterator[AuthProxy]:
    """A gateway in front of Prometheus, like Mimir's: it wants the tenant and the token."""
    guard = Guard({"authorization": f"Bearer {TOKEN}", "x-scope-orgid": TENANT})
    with AuthProxy(bare_prometheus.url, guard) as proxy:
        yield proxy


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    started: list[RunningEngine] = []

    def run(**settings: str) -> RunningEngine:
        env = {**engine_env(f"sqlite:///{tmp_path / 'observe.db'}"), **settings}
        engine = start_engine("engine", tmp_path, env)
        started.append(engine)
        return engine

    yield run
    for engine in started:
        engine.stop()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def readiness(engine: RunningEngine) -> dict[str, Any]:
    body: dict[str, Any] = engine.get("/readyz").json()
    return body


def test_the_engine_reads_through_the_gateway_with_tenant_and_token(
    start: Start, mimir: AuthProxy, token_file: Path
) -> None:
    engine = start(
        PROMETHEUS_URL=mimir.url,
        PROMETHEUS_BEARER_TOKEN_FILE=str(token_file),
        PROMETHEUS_HEADERS=f"X-Scope-OrgID={TENANT}",
    )

    wait_until(lambda: readiness(engine)["prometheus"] == "ok", timeout=30)
    assert {h.get("x-scope-orgid") for h in mimir.seen} == {TENANT}
    assert "auth: bearer, headers X-Scope-OrgID" in engine.log_text()


def test_without_the_token_the_engine_says_unauthorised_and_never_the_secret(
    start: Start, mimir: AuthProxy
) -> None:
    engine = start(PROMETHEUS_URL=mimir.url, PROMETHEUS_HEADERS=f"X-Scope-OrgID={TENANT}")

    wait_until(lambda: readiness(engine)["prometheus"] == "unreachable", timeout=30)
    detail = readiness(engine)["prometheus_detail"]
    assert "HTTP 401 Unauthorized" in detail
    for shown in (detail, engine.log_text(), engine.get("/metrics").text):
        assert TOKEN not in shown
        assert TENANT not in shown


def test_a_rejected_token_never_reaches_the_log_or_the_api(
    start: Start, mimir: AuthProxy, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("wrong-token-c0ffee\n")
    engine = start(
        PROMETHEUS_URL=mimir.url,
        PROMETHEUS_BEARER_TOKEN_FILE=str(wrong),
        PROMETHEUS_HEADERS=f"X-Scope-OrgID={TENANT}",
    )

    wait_until(lambda: readiness(engine)["prometheus"] == "unreachable", timeout=30)
    shown = [engine.log_text(), engine.get("/readyz").text, engine.get("/metrics").text]
    assert not [text for text in shown if "wrong-token-c0ffee" in text]


def test_conflicting_credentials_stop_the_engine_naming_the_variables(
    start: Start, token_file: Path
) -> None:
    with pytest.raises(RuntimeError, match=r"PROMETHEUS_BEARER_TOKEN_FILE and .* both set"):
        start(
            PROMETHEUS_BEARER_TOKEN_FILE=str(token_file),
            PROMETHEUS_BASIC_AUTH_USER="grafana",
            PROMETHEUS_BASIC_AUTH_PASSWORD_FILE=str(token_file),
        )
