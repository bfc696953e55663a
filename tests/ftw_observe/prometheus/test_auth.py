"""Prometheus credentials from the environment: checked up front, errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftw_observe.engine.settings import EngineSettings, SettingsError
from ftw_observe.prometheus import PrometheusAuth, PrometheusAuthError, prometheus_auth
from ftw_observe.prometheus.auth import parse_headers

SECRET = "tok-3f9a1c-very-secret"
URL = "http://mimir.internal:8080/prometheus"


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(SECRET + "\n")
    return path


def test_nothing_set_means_no_credentials() -> None:
    assert prometheus_auth({}, URL) == PrometheusAuth()


def test_a_bearer_token_file_is_kept_as_a_path(token_file: Path) -> None:
    auth = prometheus_auth({"PROMETHEUS_BEARER_TOKEN_FILE": str(token_file)}, URL)

    assert auth.bearer_token_file == token_file
    assert auth.scheme == "bearer"


def test_a_missing_file_names_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(PrometheusAuthError, match=f"PROMETHEUS_BEARER_TOKEN_FILE={missing}: "):
        prometheus_auth({"PROMETHEUS_BEARER_TOKEN_FILE": str(missing)}, URL)


def test_an_unreadable_file_names_the_variable(tmp_path: Path) -> None:
    # A directory cannot be read as a file, even by root (a chmod 000 file can).
    env = {"PROMETHEUS_BASIC_AUTH_USER": "u", "PROMETHEUS_BASIC_AUTH_PASSWORD_FILE": str(tmp_path)}
    with pytest.raises(
        PrometheusAuthError, match=r"PROMETHEUS_BASIC_AUTH_PASSWORD_FILE=.*cannot read the file"
    ):
        prometheus_auth(env, URL)


def test_an_empty_token_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(PrometheusAuthError, match=r"PROMETHEUS_BEARER_TOKEN_FILE=.*empty"):
        prometheus_auth({"PROMETHEUS_BEARER_TOKEN_FILE": str(empty)}, URL)


def test_bearer_and_basic_auth_together_are_refused(token_file: Path) -> None:
    env = {
        "PROMETHEUS_BEARER_TOKEN_FILE": str(token_file),
        "PROMETHEUS_BASIC_AUTH_USER": "grafana",
        "PROMETHEUS_BASIC_AUTH_PASSWORD_FILE": str(token_file),
    }
    with pytest.raises(PrometheusAuthError, match="both set: choose one"):
        prometheus_auth(env, URL)


def test_a_basic_auth_user_needs_its_password_file() -> None:
    with pytest.raises(PrometheusAuthError, match="PROMETHEUS_BASIC_AUTH_USER is set without"):
        prometheus_auth({"PROMETHEUS_BASIC_AUTH_USER": "grafana"}, URL)


def test_a_client_certificate_needs_its_key(token_file: Path) -> None:
    env = {"PROMETHEUS_CLIENT_CERT_FILE": str(token_file)}
    with pytest.raises(
        PrometheusAuthError,
        match="PROMETHEUS_CLIENT_CERT_FILE is set without PROMETHEUS_CLIENT_KEY_FILE",
    ):
        prometheus_auth(env, "https://prometheus.internal")


def test_tls_files_need_an_https_url(token_file: Path) -> None:
    with pytest.raises(PrometheusAuthError, match=r"PROMETHEUS_CA_FILE is set but .* not an https"):
        prometheus_auth({"PROMETHEUS_CA_FILE": str(token_file)}, URL)


def test_a_ca_file_that_is_no_certificate_names_the_variable(token_file: Path) -> None:
    with pytest.raises(PrometheusAuthError, match=r"PROMETHEUS_CA_FILE=.*not a PEM CA bundle"):
        prometheus_auth({"PROMETHEUS_CA_FILE": str(token_file)}, "https://prometheus.internal")


def test_several_headers_are_comma_separated_name_value_pairs() -> None:
    headers = parse_headers("X-Scope-OrgID=team-a|team-b, X-Source = ftw-observe")

    assert headers == (("X-Scope-OrgID", "team-a|team-b"), ("X-Source", "ftw-observe"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("X-Scope-OrgID", "entry 1 must be Name=value"),
        ("X-A=1,=2", "entry 2 must be Name=value"),
        ("X Scope=1", "entry 1: 'X Scope' is not a valid header name"),
        ("X-Scope-OrgID=", "entry 1: the value of X-Scope-OrgID is empty"),
        ("X-A=1,x-a=2", "entry 2: x-a is given twice"),
    ],
)
def test_a_malformed_header_names_the_variable_and_entry(raw: str, message: str) -> None:
    with pytest.raises(PrometheusAuthError, match=f"PROMETHEUS_HEADERS {message}"):
        parse_headers(raw)


def test_a_header_never_overrides_authorization() -> None:
    with pytest.raises(PrometheusAuthError, match="Authorization is set by the client itself"):
        parse_headers(f"Authorization=Bearer {SECRET}")


def test_a_header_error_never_quotes_the_value() -> None:
    with pytest.raises(PrometheusAuthError) as raised:
        parse_headers(f"Authorization=Bearer {SECRET}")
    assert SECRET not in str(raised.value)


def test_the_repr_shows_paths_and_header_names_only(token_file: Path) -> None:
    env = {
        "PROMETHEUS_BEARER_TOKEN_FILE": str(token_file),
        "PROMETHEUS_HEADERS": "X-Api-Key=key-9d8e7f",
    }
    auth = prometheus_auth(env, URL)

    assert repr(auth) == f"PrometheusAuth(bearer_token_file={token_file}, headers=['X-Api-Key'])"


def test_the_engine_settings_carry_the_credentials_and_hide_them(token_file: Path) -> None:
    env = {
        "PROMETHEUS_URL": URL,
        "PROMETHEUS_BEARER_TOKEN_FILE": str(token_file),
        "PROMETHEUS_HEADERS": "X-Scope-OrgID=tenant-7b2c",
    }
    settings = EngineSettings.from_env(env)

    assert settings.prometheus_auth.bearer_token_file == token_file
    assert SECRET not in repr(settings)
    assert "tenant-7b2c" not in repr(settings)


def test_a_credential_error_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="PROMETHEUS_BASIC_AUTH_USER is set without"):
        EngineSettings.from_env({"PROMETHEUS_BASIC_AUTH_USER": "grafana"})


def test_a_password_in_the_url_and_a_credential_file_are_refused_together(
    token_file: Path,
) -> None:
    env = {"PROMETHEUS_BEARER_TOKEN_FILE": str(token_file)}
    with pytest.raises(PrometheusAuthError, match="holds a user and password") as raised:
        prometheus_auth(env, "https://grafana:hunter2@mimir.internal")
    assert "hunter2" not in str(raised.value)
