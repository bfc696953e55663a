"""The demo's Prometheus and Alertmanager configs, rendered for its ports and files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ftw_observe.alertmanager import DirectPath
from ftw_observe.demo.configs import (
    ALERTMANAGER_HEADER,
    PROMETHEUS_HEADER,
    Wiring,
    alertmanager_config,
    prometheus_config,
)
from ftw_observe.demo.settings import Ports
from ftw_observe.deploy import DeployConfig
from ftw_observe.generate import build_outputs

ROOT = Path(__file__).resolve().parents[3]
PORTS = Ports(marketplace=18000, exporter=19464, engine=18080, prometheus=19090, alertmanager=19093)
RULES = tuple(sorted((ROOT / "alerts").glob("*.rules.yml")))
TEMPLATE = (ROOT / "alerts" / "alertmanager.yml").read_text()


def wiring(tmp_path: Path) -> Wiring:
    return Wiring(PORTS, rule_files=RULES, token_file=tmp_path / "webhook-token")


def direct_wiring(tmp_path: Path) -> Wiring:
    direct = DirectPath(
        routing_key_file=str(tmp_path / "pagerduty-routing-key"),
        slack_token_file=str(tmp_path / "slack-bot-token"),
        pagerduty_url="http://127.0.0.1:18091/v2/enqueue",
        slack_api_url="http://127.0.0.1:18092/api/chat.postMessage",
    )
    return Wiring(PORTS, RULES, tmp_path / "webhook-token", direct=direct)


def test_prometheus_scrapes_every_part_every_5_seconds(tmp_path: Path) -> None:
    text = prometheus_config(wiring(tmp_path))
    assert text.startswith(PROMETHEUS_HEADER)
    config = yaml.safe_load(text)
    assert config["global"] == {"scrape_interval": "5s", "evaluation_interval": "5s"}
    jobs = {job["job_name"]: job["static_configs"] for job in config["scrape_configs"]}
    assert jobs == {
        "marketplace": [{"targets": ["127.0.0.1:18000"]}],
        "ftw-exporter": [{"targets": ["127.0.0.1:19464"]}],
        "ftw-observe": [{"targets": ["127.0.0.1:18080"]}],
        "prometheus": [{"targets": ["127.0.0.1:19090"]}],
        "alertmanager": [{"targets": ["127.0.0.1:19093"]}],
    }


def test_prometheus_loads_the_rule_files_and_alerts_alertmanager(tmp_path: Path) -> None:
    config = yaml.safe_load(prometheus_config(wiring(tmp_path)))
    assert config["rule_files"] == [str(path) for path in RULES]
    [alertmanager] = config["alerting"]["alertmanagers"]
    assert alertmanager == {"static_configs": [{"targets": ["127.0.0.1:19093"]}]}


def test_every_webhook_goes_to_this_engine_with_the_demo_token(tmp_path: Path) -> None:
    text = alertmanager_config(TEMPLATE, wiring(tmp_path))
    assert text.startswith(ALERTMANAGER_HEADER)
    webhooks = [
        webhook
        for receiver in yaml.safe_load(text)["receivers"]
        for webhook in receiver.get("webhook_configs", [])
    ]
    assert webhooks
    for webhook in webhooks:
        assert webhook["url"] == "http://127.0.0.1:18080/api/webhooks/alertmanager"
        authorization = webhook["http_config"]["authorization"]
        assert authorization["credentials_file"] == str(tmp_path / "webhook-token")


def test_everything_else_in_the_alertmanager_config_is_kept(tmp_path: Path) -> None:
    generated = yaml.safe_load(TEMPLATE)
    rendered = yaml.safe_load(alertmanager_config(TEMPLATE, wiring(tmp_path)))
    assert rendered["route"] == generated["route"]
    assert rendered["inhibit_rules"] == generated["inhibit_rules"]
    assert [r["name"] for r in rendered["receivers"]] == [r["name"] for r in generated["receivers"]]


def test_own_alerts_go_to_this_runs_pagerduty_and_slack_with_its_secret_files(
    tmp_path: Path,
) -> None:
    rendered = yaml.safe_load(alertmanager_config(TEMPLATE, direct_wiring(tmp_path)))
    receivers = {receiver["name"]: receiver for receiver in rendered["receivers"]}
    [pagerduty] = receivers["ftw-observe-direct-page"]["pagerduty_configs"]
    assert pagerduty["url"] == "http://127.0.0.1:18091/v2/enqueue"
    assert pagerduty["routing_key_file"] == str(tmp_path / "pagerduty-routing-key")
    for name in ("ftw-observe-direct-page", "ftw-observe-direct-ticket"):
        [slack] = receivers[name]["slack_configs"]
        assert slack["api_url"] == "http://127.0.0.1:18092/api/chat.postMessage"
        token_file = slack["http_config"]["authorization"]["credentials_file"]
        assert token_file == str(tmp_path / "slack-bot-token")


def test_without_a_direct_path_own_receivers_are_kept_as_generated(tmp_path: Path) -> None:
    generated = {r["name"]: r for r in yaml.safe_load(TEMPLATE)["receivers"]}
    rendered = yaml.safe_load(alertmanager_config(TEMPLATE, wiring(tmp_path)))
    for receiver in rendered["receivers"]:
        if receiver["name"].startswith("ftw-observe-direct"):
            assert receiver == generated[receiver["name"]]


def test_a_deployments_alertmanager_config_is_rendered_for_this_run(tmp_path: Path) -> None:
    deploy = DeployConfig(
        webhook_engine_url="https://ftw.example.com",
        webhook_token_file="/run/secrets/ftw/webhook-token",
        pagerduty_routing_key_file="/run/secrets/ftw/pagerduty-routing-key",
        slack_token_file="/run/secrets/ftw/slack-bot-token",
    )
    [template] = [
        output.text
        for output in build_outputs(ROOT, deploy=deploy)
        if output.path == "alerts/alertmanager.yml"
    ]
    rendered = alertmanager_config(template, direct_wiring(tmp_path))
    assert "example.com" not in rendered
    assert "/run/secrets" not in rendered
    assert rendered == alertmanager_config(TEMPLATE, direct_wiring(tmp_path))


def test_a_webhook_without_a_token_gets_none(tmp_path: Path) -> None:
    template = yaml.safe_dump(
        {"receivers": [{"name": "open", "webhook_configs": [{"url": "http://x/"}]}, {"name": "n"}]}
    )
    rendered = yaml.safe_load(alertmanager_config(template, wiring(tmp_path)))
    assert rendered["receivers"][0]["webhook_configs"] == [
        {"url": "http://127.0.0.1:18080/api/webhooks/alertmanager"}
    ]
    assert rendered["receivers"][1] == {"name": "n"}


@pytest.mark.parametrize(
    ("tool", "command", "render"),
    [
        ("promtool", ["check", "config"], prometheus_config),
        ("amtool", ["check-config"], lambda wiring: alertmanager_config(TEMPLATE, wiring)),
    ],
)
def test_the_rendered_configs_pass_the_tools_own_checks(
    tmp_path: Path, tool: str, command: list[str], render: Callable[[Wiring], str]
) -> None:
    config = tmp_path / "config.yml"
    config.write_text(render(direct_wiring(tmp_path)))
    (tmp_path / "webhook-token").write_text("token\n")
    binary = shutil.which(tool)
    assert binary is not None, f"{tool} is missing: run `make setup`"
    checked = subprocess.run(
        [binary, *command, str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
