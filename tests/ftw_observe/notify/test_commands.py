"""`alerts routes`: the receivers by the policy file, what mutes the alert by the engine's API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import Result

from ftw_observe.matching.silences import expired, new_silence
from ftw_observe.notify.commands import muting
from ftw_observe.notify.policy_file import load_policy
from tests.conftest import free_port
from tests.ftw_observe.conftest import SERVER_API_TOKEN, Server
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "alerts" / "routing.yaml"
PAGE = ["alertname=SLOErrorBudgetBurn", "service=marketplace", "slo=api-availability"]
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def run(*args: str) -> Result:
    """Run a command that checks the policy alone."""
    return run_cli(*args, "--offline")


def test_routes_shows_the_receivers_of_a_page_and_what_could_mute_it():
    result = run(
        "alerts", "routes", *PAGE, "severity=page", "tier=page-6h", "--policy", str(POLICY)
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        'alert: SLOErrorBudgetBurn{service="marketplace",severity="page",'
        'slo="api-availability",tier="page-6h"}'
    )
    header = lines.index(
        "receiver           kind        target                            route   repeat"
    )
    cells = [re.split(r" {3,}", line) for line in lines[header + 1 : header + 3]]
    assert cells == [
        ["pagerduty-oncall", "pagerduty", "key from $PAGERDUTY_ROUTING_KEY", "pages", "4h"],
        ["slack-incidents", "slack", "#incidents", "pages", "4h"],
    ]
    assert (
        "muted by page-1h-mutes-slower-tiers while an alert "
        "{alertname=SLOErrorBudgetBurn, tier=page-1h} fires (same service, slo, route)"
    ) in lines
    assert any(
        line.startswith("mutes alerts {alertname=SLOErrorBudgetBurn, tier=~ticket-1d|ticket-3d}")
        for line in lines
    )


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (["severity=page", "tier=page-1h"], ["pagerduty-oncall", "slack-incidents"]),
        (["severity=ticket", "tier=ticket-1d"], ["slack-slo-alerts"]),
        (
            ["severity=critical", "alertname=HostHighDiskUsage"],
            ["slack-incidents", "pagerduty-oncall"],
        ),
        (["severity=info"], ["slack-slo-alerts"]),
        ([], ["slack-slo-alerts"]),
    ],
)
def test_routes_verifies_receivers_like_amtool(labels: list[str], receivers: list[str]):
    verify = [arg for name in receivers for arg in ("--verify-receivers", name)]

    assert run("alerts", "routes", *PAGE, *labels, *verify).exit_code == 0
    wrong = run("alerts", "routes", *PAGE, *labels, "--verify-receivers", "nobody")
    assert wrong.exit_code == 1
    assert "error: expected receivers nobody, got" in wrong.output


def test_routes_exits_1_on_a_bad_policy_and_2_on_a_bad_label(tmp_path: Path):
    bad = tmp_path / "routing.yaml"
    bad.write_text(
        POLICY.read_text().replace("receivers: [slack-slo-alerts]", "receivers: [slack]", 1)
    )

    broken = run("alerts", "routes", "severity=page", "--policy", str(bad))
    label = run("alerts", "routes", "severity", "--policy", str(POLICY))

    assert broken.exit_code == 1
    assert re.search(
        r"routing\.yaml:\d+: routes\[1\]\.receivers\[0\]: no receiver 'slack'", broken.output
    )
    assert label.exit_code == 2
    assert "'severity' is not label=value" in label.output


def add_silence(server: Server, matchers: list[str], **extra: object) -> str:
    response = httpx.post(
        f"{server.url}/api/silences",
        json={"matchers": matchers, "author": "ana", "reason": "deploy", **extra},
        headers={"Authorization": f"Bearer {SERVER_API_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_routes_lists_the_active_silence_that_mutes_the_alert(server: Server):
    silence_id = add_silence(server, ["service=marketplace"], duration="2h")
    add_silence(server, ["service=host"], duration="2h")

    result = run_cli("alerts", "routes", *PAGE, "severity=page", "--url", server.url)

    assert result.exit_code == 0, result.output
    muted = [line for line in result.output.splitlines() if line.startswith("MUTED")]
    assert len(muted) == 1
    assert muted[0].startswith(f"MUTED now by silence {silence_id} (by ana: deploy) until ")
    assert muted[0].endswith(" UTC: service=marketplace")


def test_routes_lists_a_maintenance_window_ahead(server: Server):
    start = datetime.now(UTC) + timedelta(hours=1)
    add_silence(
        server,
        ["slo=api-availability"],
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=1)).isoformat(),
    )

    result = run_cli("alerts", "routes", *PAGE, "severity=page", "--url", server.url)

    assert result.exit_code == 0, result.output
    assert re.search(
        r"^will be muted by maintenance window \S+ \(by ana: deploy\) from ", result.output, re.M
    )


def test_routes_says_when_nothing_mutes_the_alert(server: Server):
    add_silence(server, ["service=host"], duration="2h")

    result = run_cli("alerts", "routes", *PAGE, "severity=page", "--url", server.url)

    assert result.exit_code == 0, result.output
    assert "not muted: no silence matches it and no firing alert inhibits it" in result.output


def test_routes_says_when_the_engine_cannot_be_read():
    url = f"http://127.0.0.1:{free_port()}"

    result = run_cli("alerts", "routes", *PAGE, "severity=page", "--url", url)

    assert result.exit_code == 0, result.output
    assert f"warning: cannot read silences and firing alerts from the engine at {url}" in (
        result.output
    )
    assert "this alert may be muted" in result.output
    assert "not muted" not in result.output


def test_routes_offline_asks_no_engine():
    result = run("alerts", "routes", *PAGE, "severity=page", "--url", "http://127.0.0.1:1")

    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert "MUTED" not in result.output
    assert "not muted" not in result.output


def test_muting_names_the_firing_alert_that_inhibits_this_one():
    policy = load_policy(POLICY)
    slower = {**dict(pair.split("=") for pair in PAGE), "severity": "page", "tier": "page-6h"}
    faster = {**slower, "tier": "page-1h"}

    lines = muting(slower, [], [faster], policy, NOW)

    assert lines == [
        'MUTED now by page-1h-mutes-slower-tiers: SLOErrorBudgetBurn{service="marketplace",'
        'severity="page",slo="api-availability",tier="page-1h"} fires'
    ]


def test_muting_ignores_silences_that_ended_or_do_not_match():
    alert = {"service": "marketplace", "severity": "page"}
    ended = expired(
        new_silence(
            ["service=marketplace"],
            author="a",
            reason="r",
            starts_at=None,
            ends_at=NOW + timedelta(hours=1),
            now=NOW,
        ),
        NOW,
    )
    other = new_silence(
        ["service=host"],
        author="a",
        reason="r",
        starts_at=None,
        ends_at=NOW + timedelta(hours=1),
        now=NOW,
    )

    assert muting(alert, [ended, other], [], load_policy(POLICY), NOW + timedelta(minutes=1)) == []


def test_routes_json_names_the_receivers_and_rules_of_an_alert():
    result = run(
        "alerts",
        "routes",
        *PAGE,
        "severity=page",
        "tier=page-6h",
        "--policy",
        str(POLICY),
        "-o",
        "json",
    )

    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["alert"]["slo"] == "api-availability"
    assert [receiver["name"] for receiver in found["receivers"]] == [
        "pagerduty-oncall",
        "slack-incidents",
    ]
    assert found["routes"] == ["pages"]
    assert found["repeat_seconds"] == 4 * 3600
    assert any(rule.startswith("muted by page-1h") for rule in found["inhibit_rules"])
    assert found["muted_by"] is None  # offline: no engine asked


def test_routes_piped_is_plain_text_with_receiver_names_whole():
    result = run("alerts", "routes", *PAGE, "severity=page", "--policy", str(POLICY))

    assert result.exit_code == 0, result.output
    assert "pagerduty-oncall" in result.stdout
    assert not set("│─┃━") & set(result.stdout)
