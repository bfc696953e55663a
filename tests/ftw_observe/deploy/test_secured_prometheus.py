"""The deployment config's credentials for a secured Prometheus: paths only, checked in pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftw_observe.deploy import DeployConfig, load_deploy_config
from ftw_observe.spec.issues import SpecError

NO_ENV: dict[str, str] = {}


def _errors(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "deploy.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        load_deploy_config(path, env or NO_ENV)
    return [str(issue) for issue in raised.value.issues]


def test_by_default_prometheus_needs_no_credentials() -> None:
    config = DeployConfig()
    assert config.prometheus_bearer_token_file is None
    assert config.prometheus_headers == {}


def test_a_tenant_and_token_file_are_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        "prometheus_bearer_token_file: /run/secrets/mimir-token\n"
        "prometheus_headers: {X-Scope-OrgID: team-a}\n"
    )
    config = load_deploy_config(path, NO_ENV)
    assert config.prometheus_bearer_token_file == "/run/secrets/mimir-token"
    assert config.prometheus_headers == {"X-Scope-OrgID": "team-a"}


def test_headers_from_the_environment_are_name_value_pairs() -> None:
    env = {"FTW_DEPLOY_PROMETHEUS_HEADERS": "X-Scope-OrgID=team-a, X-Source=ftw"}
    config = load_deploy_config(None, env)
    assert config.prometheus_headers == {"X-Scope-OrgID": "team-a", "X-Source": "ftw"}


def test_a_relative_secret_path_is_refused_at_its_line(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "scrape_interval: 15s\nprometheus_ca_file: certs/ca.pem\n")
    assert len(errors) == 1
    assert "deploy.yaml:2: prometheus_ca_file:" in errors[0]
    assert "must be an absolute path" in errors[0]


def test_bearer_and_basic_auth_together_are_refused(tmp_path: Path) -> None:
    (error,) = _errors(
        tmp_path,
        "prometheus_bearer_token_file: /t\n"
        "prometheus_basic_auth_user: grafana\n"
        "prometheus_basic_auth_password_file: /p\n",
    )
    assert "both set: choose one" in error


def test_a_client_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, "prometheus_client_cert_file: /tls/client.pem\n")
    assert "prometheus_client_cert_file is set without prometheus_client_key_file" in error


def test_an_authorization_header_is_refused(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, "prometheus_headers: {Authorization: Bearer abc}\n")
    assert "prometheus_headers" in error
    assert "use prometheus_bearer_token_file" in error


def test_a_malformed_header_variable_is_named(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, "scrape_interval: 15s\n", {"FTW_DEPLOY_PROMETHEUS_HEADERS": "X"})
    assert "FTW_DEPLOY_PROMETHEUS_HEADERS" in error
    assert "Name=value" in error


def test_a_password_in_the_prometheus_url_is_refused(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, "prometheus_url: https://grafana:hunter2@mimir.internal\n")
    assert "must not hold a user or password" in error
