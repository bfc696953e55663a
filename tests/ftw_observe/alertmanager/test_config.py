"""Alertmanager config: amtool accepts it, routes by severity, inhibits slower tiers and twins,
and sends FTW Observe's own alerts to the engine (the watchdog) or straight out (the rest)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftw_observe.alertmanager import TIERS, DirectPath, alertmanager_config
from tests.support.alertmanager_sim import AlertmanagerSim

ROOT = Path(__file__).resolve().parents[3]
WEBHOOK_URL = "http://127.0.0.1:8080/api/webhooks/alertmanager"
WEBHOOK_RECEIVERS = ["ftw-observe-urgent", "ftw-observe", "ftw-observe-watchdog"]
_MATCHER = re.compile(r'(?P<name>\w+)(?P<op>=~|=)"(?P<value>[^"]*)"')


def _config(token_file: str = "/run/ftw/webhook.token") -> dict[str, Any]:
    return alertmanager_config(
        webhook_url=WEBHOOK_URL, token_file=token_file, equal_labels=["route"]
    )


def _write(tmp_path: Path) -> Path:
    token = tmp_path / "webhook.token"
    token.write_text("s3cret\n")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(_config(str(token)), sort_keys=False))
    return path


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    amtool = shutil.which("amtool")
    assert amtool, "amtool is missing: `make test` installs it (prometheus-alertmanager)"
    return subprocess.run([amtool, *args], capture_output=True, text=True, check=False, timeout=60)


def _matches(matcher: str, labels: dict[str, str]) -> bool:
    """Evaluate one string matcher the way Alertmanager does (regexes anchored)."""
    parsed = _MATCHER.fullmatch(matcher)
    assert parsed, matcher
    value = labels.get(parsed["name"], "")
    if parsed["op"] == "=":
        return value == parsed["value"]
    return re.fullmatch(parsed["value"], value) is not None


def _inhibits(rule: dict[str, Any], source: dict[str, str], target: dict[str, str]) -> bool:
    return (
        all(_matches(m, source) for m in rule["source_matchers"])
        and all(_matches(m, target) for m in rule["target_matchers"])
        and all(source.get(label) == target.get(label) for label in rule["equal"])
    )


def _muted(source: dict[str, str], target: dict[str, str]) -> bool:
    return any(_inhibits(rule, source, target) for rule in _config()["inhibit_rules"])


def test_amtool_accepts_the_committed_config() -> None:
    result = _amtool("check-config", str(ROOT / "alerts" / "alertmanager.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_amtool_accepts_the_config(tmp_path: Path) -> None:
    path = _write(tmp_path)
    result = _amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    # Every list is its own object, so the YAML has no anchors or aliases to puzzle a reader.
    assert "&id" not in path.read_text()


ROUTED = [
    (["severity=page", "tier=page-1h", "slo=availability"], "ftw-observe-urgent"),
    (["severity=critical", "alertname=TargetDown"], "ftw-observe-urgent"),
    (["severity=ticket", "tier=ticket-1d", "slo=availability"], "ftw-observe"),
    (["severity=warning", "alertname=HostHighDiskUsage"], "ftw-observe"),
    (["severity=info"], "ftw-observe"),
    (["alertname=Watchdog"], "ftw-observe"),
    (["severity=critical", "alertname=TargetDown", "job=ftw-observe"], "ftw-observe-urgent"),
    (
        ["alertname=FTWObserveWatchdog", "component=ftw-observe", "severity=none"],
        "ftw-observe-watchdog",
    ),
    (
        ["alertname=FTWObserveEngineDown", "component=ftw-observe", "severity=page"],
        "ftw-observe-direct-page",
    ),
    (
        [
            "alertname=FTWObserveRuleEvaluationFailures",
            "component=ftw-observe",
            "severity=ticket",
        ],
        "ftw-observe-direct-ticket",
    ),
]


@pytest.mark.parametrize(("labels", "receiver"), ROUTED)
def test_amtool_routes_by_severity(tmp_path: Path, labels: list[str], receiver: str) -> None:
    path = _write(tmp_path)
    result = _amtool(
        "config",
        "routes",
        "test",
        f"--config.file={path}",
        f"--verify.receivers={receiver}",
        *labels,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == [receiver]


@pytest.mark.parametrize(("labels", "receiver"), ROUTED)
def test_the_replays_model_of_alertmanager_routes_the_committed_config_alike(
    labels: list[str], receiver: str
) -> None:
    model = AlertmanagerSim.from_file(ROOT / "alerts" / "alertmanager.yml")
    route = model.route_of(dict(label.split("=", 1) for label in labels))
    assert route.receiver == receiver


def test_a_faster_tier_mutes_every_slower_tier_of_the_same_slo() -> None:
    slo = {"service": "marketplace", "slo": "availability", "route": "/api/jobs"}
    muted = {
        (source, target)
        for source in TIERS
        for target in TIERS
        if _muted({**slo, "tier": source}, {**slo, "tier": target})
    }
    assert muted == {
        ("page-1h", "page-6h"),
        ("page-1h", "ticket-1d"),
        ("page-1h", "ticket-3d"),
        ("page-6h", "ticket-1d"),
        ("page-6h", "ticket-3d"),
        ("ticket-1d", "ticket-3d"),
    }


@pytest.mark.parametrize(
    "other", [{"slo": "latency"}, {"service": "payouts"}, {"route": "/api/bids"}]
)
def test_a_tier_never_mutes_another_slo_or_route(other: dict[str, str]) -> None:
    source = {
        "service": "marketplace",
        "slo": "availability",
        "route": "/api/jobs",
        "tier": "page-1h",
    }
    assert not _muted(source, {**source, **other, "tier": "ticket-3d"})


def test_critical_mutes_its_warning_twin_only() -> None:
    critical = {"alertname": "HostHighDiskUsage", "service": "host", "severity": "critical"}
    disk = {"job": "ftw-exporter", "instance": "db-1:9464", "path": "/var/lib/postgresql"}
    warning = {**critical, **disk, "severity": "warning"}
    assert _muted({**critical, **disk}, warning)
    assert not _muted({**critical, **disk, "path": "/srv"}, warning)
    assert not _muted({**critical, **disk, "alertname": "HostHighMemoryUsage"}, warning)
    assert not _muted(warning, {**critical, **disk})
    # Labels absent on both sides count as equal: the marketplace alerts carry no instance.
    ratio = {
        "alertname": "MarketplaceHighErrorRatio",
        "service": "marketplace",
        "job": "marketplace",
    }
    assert _muted({**ratio, "severity": "critical"}, {**ratio, "severity": "warning"})


def test_group_by_adds_the_slo_grouping_labels_once() -> None:
    config = alertmanager_config(
        webhook_url=WEBHOOK_URL, token_file="/t", equal_labels=["route", "service"]
    )
    assert config["route"]["group_by"] == [
        "alertname",
        "service",
        "slo",
        "tier",
        "severity",
        "route",
    ]
    assert config["inhibit_rules"][0]["equal"] == ["service", "slo", "route"]


def test_the_webhook_receivers_post_to_the_engine_with_a_bearer_token() -> None:
    config = _config("/run/ftw/webhook.token")
    assert config["global"] == {"resolve_timeout": "5m"}
    assert config["route"]["receiver"] == "ftw-observe"
    webhooks = {
        r["name"]: r["webhook_configs"] for r in config["receivers"] if "webhook_configs" in r
    }
    assert list(webhooks) == WEBHOOK_RECEIVERS
    for name, configs in webhooks.items():
        assert configs == [
            {
                "url": WEBHOOK_URL,
                # The watchdog always fires: a resolve only means Alertmanager lost it.
                "send_resolved": name != "ftw-observe-watchdog",
                "max_alerts": 0,
                "http_config": {
                    "authorization": {
                        "type": "Bearer",
                        "credentials_file": "/run/ftw/webhook.token",
                    }
                },
            }
        ]


def test_the_routes_of_every_other_alert_are_unchanged_after_the_two_of_its_own() -> None:
    route = _config()["route"]
    assert [child["receiver"] for child in route["routes"]] == [
        "ftw-observe-watchdog",
        "ftw-observe-direct-ticket",
        "ftw-observe-urgent",
        "ftw-observe",
    ]
    assert route["routes"][2:] == [
        {
            "receiver": "ftw-observe-urgent",
            "matchers": ['severity=~"page|critical"'],
            "group_wait": "0s",
            "group_interval": "30s",
            "repeat_interval": "4h",
        },
        {
            "receiver": "ftw-observe",
            "matchers": ['severity=~"ticket|warning|info"'],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "12h",
        },
    ]


def test_the_watchdog_goes_to_the_engine_every_minute() -> None:
    assert _config()["route"]["routes"][0] == {
        "receiver": "ftw-observe-watchdog",
        "matchers": ['alertname="FTWObserveWatchdog"'],
        "group_by": ["alertname"],
        "group_wait": "0s",
        "group_interval": "30s",
        "repeat_interval": "1m",
    }


def test_own_alerts_are_grouped_by_severity_with_page_and_ticket_timing() -> None:
    own = _config()["route"]["routes"][1]
    assert own["matchers"] == ['component="ftw-observe"']
    assert own["group_by"] == ["component", "severity"]
    _, page, ticket = own["routes"]
    assert page == {
        "receiver": "ftw-observe-direct-page",
        "matchers": ['severity="page"'],
        "group_wait": "0s",
        "group_interval": "30s",
        "repeat_interval": "4h",
    }
    assert ticket == {"receiver": "ftw-observe-direct-ticket", "matchers": ['severity="ticket"']}
    assert (own["group_wait"], own["group_interval"], own["repeat_interval"]) == (
        "30s",
        "5m",
        "12h",
    )


def test_alertmanager_down_waits_a_minute_for_the_resolve_a_returning_alertmanager_sees() -> None:
    down = _config()["route"]["routes"][1]["routes"][0]
    assert down["matchers"] == ['alertname="FTWObserveAlertmanagerDown"']
    assert (down["receiver"], down["group_wait"]) == ("ftw-observe-direct-page", "1m")


def test_pages_go_to_pagerduty_and_incidents_tickets_to_slo_alerts() -> None:
    receivers = {r["name"]: r for r in _config()["receivers"]}
    page, ticket = receivers["ftw-observe-direct-page"], receivers["ftw-observe-direct-ticket"]
    [pagerduty] = page["pagerduty_configs"]
    assert pagerduty["routing_key_file"] == "../.ftw/pagerduty-routing-key"
    assert pagerduty["url"] == "https://events.pagerduty.com/v2/enqueue"
    assert (pagerduty["severity"], pagerduty["send_resolved"]) == ("critical", True)
    assert "$a.Labels.alertname" in pagerduty["description"]
    assert set(pagerduty["details"]) == {"runbook", "summary"}
    assert "pagerduty_configs" not in ticket
    for receiver, channel in ((page, "#incidents"), (ticket, "#slo-alerts")):
        [slack] = receiver["slack_configs"]
        assert slack["channel"] == channel
        assert slack["api_url"] == "https://slack.com/api/chat.postMessage"
        assert slack["send_resolved"] is True
        assert slack["http_config"] == {
            "authorization": {"type": "Bearer", "credentials_file": "../.ftw/slack-bot-token"}
        }
        assert "runbook_url" in slack["text"]
        assert "summary" in slack["text"]


def test_the_direct_path_takes_other_endpoints_and_files() -> None:
    direct = DirectPath(
        routing_key_file="/run/ftw/pd.key",
        slack_token_file="/run/ftw/slack.token",
        pagerduty_url="https://events.eu.pagerduty.com/v2/enqueue",
        slack_api_url="http://127.0.0.1:8092/api/chat.postMessage",
    )
    config = alertmanager_config(
        webhook_url=WEBHOOK_URL, token_file="/t", equal_labels=[], direct=direct
    )
    receivers = {r["name"]: r for r in config["receivers"]}
    [pagerduty] = receivers["ftw-observe-direct-page"]["pagerduty_configs"]
    [slack] = receivers["ftw-observe-direct-ticket"]["slack_configs"]
    assert pagerduty["routing_key_file"] == "/run/ftw/pd.key"
    assert pagerduty["url"] == "https://events.eu.pagerduty.com/v2/enqueue"
    assert slack["http_config"]["authorization"]["credentials_file"] == "/run/ftw/slack.token"
    assert slack["api_url"] == "http://127.0.0.1:8092/api/chat.postMessage"


def test_no_secret_value_is_ever_written_into_the_config(tmp_path: Path) -> None:
    key, token = "R0UT1NGK3Y0123456789abcdef012345", "xoxb-1234-5678-s3cr3t"
    (tmp_path / "pd.key").write_text(key + "\n")
    (tmp_path / "slack.token").write_text(token + "\n")
    direct = DirectPath(
        routing_key_file=str(tmp_path / "pd.key"), slack_token_file=str(tmp_path / "slack.token")
    )
    config = alertmanager_config(
        webhook_url=WEBHOOK_URL, token_file="/t", equal_labels=[], direct=direct
    )
    text = yaml.safe_dump(config)
    assert key not in text
    assert token not in text
    for field in ("routing_key:", "service_key:", "credentials:", "api_url_file", "xox"):
        assert field not in text
    committed = (ROOT / "alerts" / "alertmanager.yml").read_text()
    assert "routing_key:" not in committed
    assert "credentials:" not in committed


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"routing_key_file": " "}, "DirectPath.routing_key_file is empty"),
        ({"slack_api_url": ""}, "DirectPath.slack_api_url is empty"),
        ({"page_channel": "incidents"}, "DirectPath.page_channel must name a channel"),
    ],
)
def test_a_bad_direct_path_is_refused_naming_the_field(
    fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DirectPath(**fields)


def test_a_bad_label_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Prometheus label name"):
        alertmanager_config(webhook_url=WEBHOOK_URL, token_file="/t", equal_labels=["route-id"])
