"""The engine's deployment config: the engine and Grafana its alerts and API link to."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ftw_observe.cli import app
from ftw_observe.engine.settings import EngineSettings
from ftw_observe.spec.issues import SpecError

pytestmark = pytest.mark.usefixtures("no_deploy_environment")
CONFIG = "grafana_url: https://grafana.example.com\nengine_url: https://ftw.example.com/\n"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory: no deploy/default.yaml unless the test writes one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_config_named_by_its_variable_is_read(elsewhere: Path) -> None:
    (elsewhere / "deploy.yaml").write_text(CONFIG)
    deploy = EngineSettings.from_env({"FTW_DEPLOY_CONFIG": "deploy.yaml"}).deploy
    assert (deploy.engine_url, deploy.grafana_url) == (
        "https://ftw.example.com",
        "https://grafana.example.com",
    )


def test_without_a_variable_the_working_directorys_default_file_is_read(elsewhere: Path) -> None:
    (elsewhere / "deploy").mkdir()
    (elsewhere / "deploy" / "default.yaml").write_text(CONFIG)
    assert EngineSettings.from_env({}).deploy.engine_url == "https://ftw.example.com"


def test_without_any_file_the_defaults_apply(elsewhere: Path) -> None:
    assert EngineSettings.from_env({}).deploy.engine_url == "http://localhost:8080"


def test_a_variable_overrides_a_field(elsewhere: Path) -> None:
    settings = EngineSettings.from_env({"FTW_DEPLOY_GRAFANA_URL": "https://grafana2.example.com"})
    assert settings.deploy.grafana_url == "https://grafana2.example.com"


def test_a_bad_config_names_its_file_line_and_field(elsewhere: Path) -> None:
    (elsewhere / "deploy.yaml").write_text("engine_url: ftw.example.com\n")
    with pytest.raises(SpecError) as raised:
        EngineSettings.from_env({"FTW_DEPLOY_CONFIG": "deploy.yaml"})
    assert str(raised.value).startswith("deploy.yaml:1: engine_url: 'ftw.example.com' is not")


def test_a_bad_config_stops_the_engine_before_it_starts_without_a_traceback(
    elsewhere: Path,
) -> None:
    (elsewhere / "deploy.yaml").write_text("engine_url: ftw.example.com\n")
    result = CliRunner().invoke(app, ["serve"], env={"FTW_DEPLOY_CONFIG": "deploy.yaml"})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: deploy.yaml:1: engine_url: 'ftw.example.com' is not")
    assert "Traceback" not in result.output + result.stderr


def test_the_status_page_is_the_deployments_engine_url(elsewhere: Path) -> None:
    (elsewhere / "deploy.yaml").write_text(CONFIG)
    settings = EngineSettings.from_env({"FTW_DEPLOY_CONFIG": "deploy.yaml"})
    assert settings.status_page_url == "https://ftw.example.com"


def test_the_status_page_variable_wins_over_the_deployment(elsewhere: Path) -> None:
    (elsewhere / "deploy.yaml").write_text(CONFIG)
    env = {"FTW_DEPLOY_CONFIG": "deploy.yaml", "FTW_STATUS_PAGE_URL": "https://status.example.com/"}
    assert EngineSettings.from_env(env).status_page_url == "https://status.example.com"
