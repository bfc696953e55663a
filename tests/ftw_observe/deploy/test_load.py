"""The deployment config: the defaults file, validation at file:line:field, env overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftw_observe.deploy import (
    DEFAULT_FILE,
    DeployConfig,
    config_file,
    env_variable,
    load_deploy_config,
)
from ftw_observe.spec.issues import SpecError

REPO = Path(__file__).resolve().parents[3]
NO_ENV: dict[str, str] = {}


def _errors(path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        load_deploy_config(path, env or NO_ENV)
    return [str(issue) for issue in raised.value.issues]


def test_the_committed_default_file_holds_the_defaults() -> None:
    assert load_deploy_config(REPO / DEFAULT_FILE, NO_ENV) == DeployConfig()


def test_the_default_file_names_every_field() -> None:
    text = (REPO / DEFAULT_FILE).read_text()
    for name in DeployConfig.model_fields:
        assert f"\n{name}: " in text


def test_no_file_gives_the_defaults() -> None:
    assert load_deploy_config(None, NO_ENV) == DeployConfig()


def test_a_file_sets_the_fields_it_names(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text("grafana_url: https://grafana.example.com/\nscrape_interval: 60s\n")
    config = load_deploy_config(path, NO_ENV)
    assert config.grafana_url == "https://grafana.example.com"
    assert config.scrape_interval == "1m"
    assert config.engine_url == DeployConfig().engine_url


def test_the_webhook_is_under_the_engine_url_alertmanager_reaches(tmp_path: Path) -> None:
    config = DeployConfig(webhook_engine_url="http://ftw-engine.internal:8080/")
    assert config.webhook_url == "http://ftw-engine.internal:8080/api/webhooks/alertmanager"


def test_a_bad_url_is_refused_at_its_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    errors = _errors(path, "grafana_url: https://g.example.com\nengine_url: ftw.example.com\n")
    assert errors == [
        f"{path}:2: engine_url: 'ftw.example.com' is not an http(s) URL such as "
        "https://ftw.example.com"
    ]


def test_a_url_with_a_query_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    errors = _errors(path, "prometheus_url: http://prometheus:9090/?x=1\n")
    assert errors == [
        f"{path}:1: prometheus_url: 'http://prometheus:9090/?x=1' must not have a query "
        "or a fragment"
    ]


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    errors = _errors(path, "grafana_url: https://g.example.com\ngrafana_ulr: x\n")
    assert errors == [f"{path}:2: grafana_ulr: unknown field 'grafana_ulr'"]


def test_a_value_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    errors = _errors(path, "webhook_token_file: /run/ftw/token\nscrape_interval: 15\n")
    assert errors == [f"{path}:2: scrape_interval: Input should be a valid string"]


def test_a_zero_scrape_interval_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    assert _errors(path, "scrape_interval: 0s\n") == [
        f"{path}:1: scrape_interval: '0s' must be longer than 0s"
    ]


def test_a_blank_file_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    assert _errors(path, "slack_token_file: ' '\n") == [
        f"{path}:1: slack_token_file: a file path is required"
    ]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    errors = _errors(path, "grafana_url: x\nengine_url: y\nextra: 1\n")
    assert [error.split(": ")[0] for error in errors] == [f"{path}:1", f"{path}:2", f"{path}:3"]


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    assert _errors(path, "- grafana_url\n") == [f"{path}:1: a deploy config is a mapping of fields"]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(SpecError, match=r"absent\.yaml: cannot read"):
        load_deploy_config(path, NO_ENV)


def test_an_environment_variable_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text("grafana_url: https://old.example.com\n")
    env = {"FTW_DEPLOY_GRAFANA_URL": "https://grafana.example.com"}
    assert load_deploy_config(path, env).grafana_url == "https://grafana.example.com"


def test_an_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text("grafana_url: https://grafana.example.com\n")
    config = load_deploy_config(path, {"FTW_DEPLOY_GRAFANA_URL": ""})
    assert config.grafana_url == "https://grafana.example.com"


def test_a_bad_environment_variable_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    errors = _errors(
        path, "grafana_url: https://grafana.example.com\n", {"FTW_DEPLOY_SCRAPE_INTERVAL": "soon"}
    )
    assert errors == [
        "environment variable FTW_DEPLOY_SCRAPE_INTERVAL: scrape_interval: 'soon' is not a "
        "duration such as 30s, 5m, 1h30m or 30d"
    ]


def test_every_field_has_its_own_variable() -> None:
    assert env_variable("webhook_engine_url") == "FTW_DEPLOY_WEBHOOK_ENGINE_URL"
    env = {env_variable(name): "http://x.example.com/" for name in ("grafana_url", "engine_url")}
    config = load_deploy_config(None, env)
    assert (config.grafana_url, config.engine_url) == ("http://x.example.com",) * 2


def test_the_given_file_comes_before_the_projects_default(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    assert config_file(REPO, mine) == mine
    assert config_file(REPO) == REPO / DEFAULT_FILE
    assert config_file(tmp_path) is None
