"""Alertmanager config: amtool accepts it, routes by severity, inhibits slower tiers and twins."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftw_observe.alertmanager import TIERS, alertmanager_config

WEBHOOK_URL = "http://127.0.0.1:8080/api/webhooks/alertmanager"
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


def test_amtool_accepts_the_config(tmp_path: Path) -> None:
    path = _write(tmp_path)
    result = _amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    # Every list is its own object, so the YAML has no anchors or aliases to puzzle a reader.
    assert "&id" not in path.read_text()


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["severity=page", "tier=page-1h", "slo=availability"], "ftw-observe-urgent"),
        (["severity=critical", "alertname=TargetDown"], "ftw-observe-urgent"),
        (["severity=ticket", "tier=ticket-1d", "slo=availability"], "ftw-observe"),
        (["severity=warning", "alertname=HostHighDiskUsage"], "ftw-observe"),
        (["severity=info"], "ftw-observe"),
        (["alertname=Watchdog"], "ftw-observe"),
    ],
)
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


def test_both_receivers_post_every_alert_to_the_engine_with_a_bearer_token() -> None:
    config = _config("/run/ftw/webhook.token")
    assert config["global"] == {"resolve_timeout": "5m"}
    assert config["route"]["receiver"] == "ftw-observe"
    assert [receiver["name"] for receiver in config["receivers"]] == [
        "ftw-observe-urgent",
        "ftw-observe",
    ]
    for receiver in config["receivers"]:
        assert receiver["webhook_configs"] == [
            {
                "url": WEBHOOK_URL,
                "send_resolved": True,
                "max_alerts": 0,
                "http_config": {
                    "authorization": {
                        "type": "Bearer",
                        "credentials_file": "/run/ftw/webhook.token",
                    }
                },
            }
        ]


def test_a_bad_label_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Prometheus label name"):
        alertmanager_config(webhook_url=WEBHOOK_URL, token_file="/t", equal_labels=["route-id"])
