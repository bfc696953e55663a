"""The client reads a real Prometheus through a proxy that wants credentials, one per scheme."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ftw_observe.prometheus import (
    PrometheusAuth,
    PrometheusClient,
    PrometheusError,
    prometheus_auth,
)
from tests.conftest import free_port
from tests.support.auth_proxy import AuthProxy, Guard, server_tls
from tests.support.certs import Certificates, make_certificates
from tests.support.prometheus import PrometheusServer

TOKEN = "bearer-5e1d0c-secret"
PASSWORD = "basic-pw-8a7b6c-secret"
TENANT = "team-a"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def secret_file(directory: Path, name: str, value: str) -> Path:
    path = directory / name
    path.write_text(value + "\n")
    return path


@contextmanager
def through(
    bare_prometheus: PrometheusServer, guard: Guard, auth: PrometheusAuth | None = None
) -> Iterator[PrometheusClient]:
    """Yield a client reading `bare_prometheus` through a proxy that lets `guard` pass."""
    with (
        AuthProxy(bare_prometheus.url, guard) as proxy,
        PrometheusClient(proxy.url, auth=auth) as c,
    ):
        yield c


def one(client: PrometheusClient) -> float:
    (sample,) = client.query("vector(1)", at=time.time())
    return sample.value


def bearer_guard() -> Guard:
    return Guard({"authorization": f"Bearer {TOKEN}"})


def test_a_bearer_token_from_its_file_passes(
    bare_prometheus: PrometheusServer, tmp_path: Path
) -> None:
    auth = PrometheusAuth(bearer_token_file=secret_file(tmp_path, "token", TOKEN))
    with through(bare_prometheus, bearer_guard(), auth) as client:
        assert one(client) == 1.0


def test_without_credentials_the_error_names_the_status_not_the_secret(
    bare_prometheus: PrometheusServer,
) -> None:
    with (
        through(bare_prometheus, bearer_guard()) as client,
        pytest.raises(PrometheusError, match="HTTP 401 Unauthorized") as raised,
    ):
        one(client)
    assert "refused" in str(raised.value)


def test_a_wrong_token_is_never_repeated_in_the_error(
    bare_prometheus: PrometheusServer, tmp_path: Path
) -> None:
    wrong = "wrong-token-4c3b2a"
    auth = PrometheusAuth(bearer_token_file=secret_file(tmp_path, "token", wrong))
    # The proxy echoes the request's headers in its body, as some gateways do.
    with (
        through(bare_prometheus, bearer_guard(), auth) as client,
        pytest.raises(PrometheusError) as raised,
    ):
        one(client)
    assert wrong not in str(raised.value)
    assert wrong not in repr(client)


def test_a_rotated_token_file_counts_from_the_next_query(
    bare_prometheus: PrometheusServer, tmp_path: Path
) -> None:
    token = secret_file(tmp_path, "token", "old-token")
    with (
        AuthProxy(bare_prometheus.url, bearer_guard()) as proxy,
        PrometheusClient(proxy.url, auth=PrometheusAuth(bearer_token_file=token)) as client,
    ):
        with pytest.raises(PrometheusError, match="401"):
            one(client)
        secret_file(tmp_path, "token", TOKEN)
        assert one(client) == 1.0


def test_basic_auth_passes_with_the_password_from_its_file(
    bare_prometheus: PrometheusServer, tmp_path: Path
) -> None:
    pair = base64.b64encode(f"grafana:{PASSWORD}".encode()).decode()
    guard = Guard({"authorization": f"Basic {pair}"})
    auth = PrometheusAuth(
        basic_user="grafana", basic_password_file=secret_file(tmp_path, "pw", PASSWORD)
    )
    with through(bare_prometheus, guard, auth) as c:
        assert one(c) == 1.0


def test_the_tenant_header_reaches_the_backend(bare_prometheus: PrometheusServer) -> None:
    guard = Guard({"x-scope-orgid": TENANT})
    auth = prometheus_auth({"PROMETHEUS_HEADERS": f"X-Scope-OrgID={TENANT}"}, "http://x")
    with through(bare_prometheus, guard, auth) as c:
        assert one(c) == 1.0


def test_a_missing_tenant_is_reported_as_forbidden(bare_prometheus: PrometheusServer) -> None:
    guard = Guard({"x-scope-orgid": TENANT})
    with (
        through(bare_prometheus, guard) as client,
        pytest.raises(PrometheusError, match="HTTP 403 Forbidden"),
    ):
        one(client)


def tls_guard(certs: Certificates) -> Guard:
    return Guard(tls=server_tls(str(certs.server_cert), str(certs.server_key), str(certs.ca)))


def test_a_client_certificate_passes_mutual_tls(
    bare_prometheus: PrometheusServer, certs: Certificates
) -> None:
    auth = PrometheusAuth(
        ca_file=certs.ca, client_cert_file=certs.client_cert, client_key_file=certs.client_key
    )
    with through(bare_prometheus, tls_guard(certs), auth) as client:
        assert one(client) == 1.0


def test_without_a_client_certificate_the_backend_is_unreachable(
    bare_prometheus: PrometheusServer, certs: Certificates
) -> None:
    auth = PrometheusAuth(ca_file=certs.ca)
    with (
        through(bare_prometheus, tls_guard(certs), auth) as client,
        pytest.raises(PrometheusError, match="unreachable"),
    ):
        one(client)


def test_a_server_outside_the_ca_bundle_is_refused(
    bare_prometheus: PrometheusServer, certs: Certificates
) -> None:
    auth = PrometheusAuth(
        ca_file=certs.other_ca,
        client_cert_file=certs.client_cert,
        client_key_file=certs.client_key,
    )
    with (
        through(bare_prometheus, tls_guard(certs), auth) as client,
        pytest.raises(PrometheusError, match="unreachable: ConnectError"),
    ):
        one(client)


def test_a_password_in_the_url_never_shows_in_errors() -> None:
    url = f"http://grafana:{PASSWORD}@127.0.0.1:{free_port()}"
    with PrometheusClient(url, timeout=1) as client, pytest.raises(PrometheusError) as raised:
        one(client)
    assert PASSWORD not in str(raised.value)
    assert PASSWORD not in repr(client)


def test_a_user_and_password_in_the_url_pass_basic_auth_and_stay_out_of_the_log(
    bare_prometheus: PrometheusServer, caplog: pytest.LogCaptureFixture
) -> None:
    pair = base64.b64encode(f"grafana:{PASSWORD}".encode()).decode()
    with AuthProxy(bare_prometheus.url, Guard({"authorization": f"Basic {pair}"})) as proxy:
        url = proxy.url.replace("//", f"//grafana:{PASSWORD}@")
        with caplog.at_level(logging.DEBUG), PrometheusClient(url) as client:
            assert one(client) == 1.0
    assert "HTTP Request" in caplog.text  # httpx logs every URL it requests
    assert PASSWORD not in caplog.text
