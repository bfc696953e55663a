"""`ftw-observe generate` with a deployment config: every URL and secret path comes from it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ftw_observe.cli import app

REPO = Path(__file__).resolve().parents[2]
DEPLOY = """\
grafana_url: https://grafana.example.com
engine_url: https://ftw.example.com/
webhook_engine_url: http://ftw-engine.internal:8080
webhook_token_file: /run/secrets/ftw/webhook-token
pagerduty_routing_key_file: /run/secrets/ftw/pagerduty-routing-key
slack_token_file: /run/secrets/ftw/slack-bot-token
pagerduty_events_url: https://events.eu.pagerduty.com/v2/enqueue
slack_api_url: https://slack-proxy.example.com/api/chat.postMessage
prometheus_url: http://prometheus.internal:9090
scrape_interval: 30s
"""


pytestmark = pytest.mark.usefixtures("no_deploy_environment")


def _project(tmp_path: Path) -> Path:
    """Copy the specs as they are, and write the example deployment's config beside them."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "slo", root / "slo")
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    return root


def _generate(root: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["generate", "--root", str(root), *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _generated(root: Path) -> dict[str, str]:
    files = [*root.glob("alerts/*"), *root.glob("dashboards/**/*")]
    return {path.relative_to(root).as_posix(): path.read_text() for path in files if path.is_file()}


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_a_deployment_config_leaves_no_local_address_in_any_output(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _generate(root, "--config", str(tmp_path / "deploy.yaml"))
    files = _generated(root)
    assert "alerts/alertmanager.yml" in files
    assert "dashboards/provisioning/datasources.yaml" in files
    for path, text in files.items():
        assert "localhost" not in text, path
        assert "127.0.0.1" not in text, path


def test_every_configured_url_and_file_reaches_the_outputs(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _generate(root, "--config", str(tmp_path / "deploy.yaml"))
    files = _generated(root)
    alertmanager = files["alerts/alertmanager.yml"]
    assert "url: http://ftw-engine.internal:8080/api/webhooks/alertmanager" in alertmanager
    for secret in ("webhook-token", "pagerduty-routing-key", "slack-bot-token"):
        assert f"/run/secrets/ftw/{secret}" in alertmanager
    assert "url: https://events.eu.pagerduty.com/v2/enqueue" in alertmanager
    assert "api_url: https://slack-proxy.example.com/api/chat.postMessage" in alertmanager
    assert "https://ftw.example.com/runbooks/thresholds#" in files["alerts/thresholds.rules.yml"]
    assert (
        "https://grafana.example.com/d/ftw-infrastructure?viewPanel="
        in (files["alerts/thresholds.rules.yml"])
    )
    assert "https://ftw.example.com/runbooks/ftw-observe#" in files["alerts/ftw-observe.rules.yml"]
    datasources = files["dashboards/provisioning/datasources.yaml"]
    assert "url: http://prometheus.internal:9090" in datasources
    assert "timeInterval: 30s" in datasources


def test_the_slo_alerts_link_to_the_configured_engine_and_grafana(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _generate(root, "--config", str(tmp_path / "deploy.yaml"))
    rules = yaml.safe_load((root / "alerts" / "marketplace.rules.yml").read_text())
    alert = next(
        rule
        for group in rules["groups"]
        for rule in group["rules"]
        if rule.get("alert") and rule["labels"]["slo"] == "api-availability"
    )
    assert alert["annotations"]["runbook_url"] == (
        "https://ftw.example.com/runbooks/marketplace/api-availability"
    )
    assert alert["annotations"]["dashboard_url"] == (
        "https://grafana.example.com/d/ftw-slo-detail?var-service=marketplace"
        "&var-slo=api-availability"
    )


def test_the_outputs_of_a_deployment_config_pass_promtool_and_amtool(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _generate(root, "--config", str(tmp_path / "deploy.yaml"))
    rules = sorted(str(path) for path in (root / "alerts").glob("*.rules.yml"))
    promtool = _run("promtool", "check", "rules", *rules)
    assert promtool.returncode == 0, promtool.stdout + promtool.stderr
    amtool = _run("amtool", "check-config", str(root / "alerts" / "alertmanager.yml"))
    assert amtool.returncode == 0, amtool.stdout + amtool.stderr


def test_check_uses_the_config_named_by_its_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    _generate(root, "--config", str(tmp_path / "deploy.yaml"))
    monkeypatch.setenv("FTW_DEPLOY_CONFIG", str(tmp_path / "deploy.yaml"))
    assert "up to date" in _generate(root, "--check")


def test_an_environment_override_makes_the_outputs_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    _generate(root, "--config", str(tmp_path / "deploy.yaml"))
    monkeypatch.setenv("FTW_DEPLOY_GRAFANA_URL", "https://grafana2.example.com")
    result = CliRunner().invoke(
        app, ["generate", "--check", "--root", str(root), "--config", str(tmp_path / "deploy.yaml")]
    )
    assert result.exit_code == 1
    assert "stale: alerts/thresholds.rules.yml" in result.stderr


def test_a_bad_config_is_refused_with_its_file_line_and_field(tmp_path: Path) -> None:
    root = _project(tmp_path)
    config = tmp_path / "deploy.yaml"
    config.write_text("grafana_url: https://grafana.example.com\nprometheus_url: prometheus\n")
    result = CliRunner().invoke(app, ["generate", "--root", str(root), "--config", str(config)])
    assert result.exit_code == 1
    assert f"error: {config}:2: prometheus_url: 'prometheus' is not an http(s) URL" in (
        result.stderr
    )
    assert not (root / "alerts").exists(), "nothing is written"


def test_without_a_config_the_project_default_file_is_read(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "deploy").mkdir()
    (root / "deploy" / "default.yaml").write_text(DEPLOY)
    _generate(root)
    assert (
        "http://prometheus.internal:9090"
        in (root / "dashboards" / "provisioning" / "datasources.yaml").read_text()
    )


def test_a_secured_prometheus_reaches_the_datasource_as_file_references(tmp_path: Path) -> None:
    root = _project(tmp_path)
    config = tmp_path / "deploy.yaml"
    config.write_text(
        DEPLOY
        + "prometheus_bearer_token_file: /run/secrets/mimir-token\n"
        + "prometheus_headers: {X-Scope-OrgID: marketplace}\n"
    )
    _generate(root, "--config", str(config))

    text = (root / "dashboards" / "provisioning" / "datasources.yaml").read_text()
    (datasource,) = yaml.safe_load(text)["datasources"]
    assert datasource["secureJsonData"] == {
        "httpHeaderValue1": "Bearer $__file{/run/secrets/mimir-token}",
        "httpHeaderValue2": "marketplace",
    }
