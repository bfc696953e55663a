"""`alerts routes` against the policy file, `silence add|list|expire` against a served engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from ftw_observe.notify.commands import routes, silence_add, silence_expire, silence_list
from tests.conftest import free_port
from tests.ftw_observe.conftest import Server

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "alerts" / "routing.yaml"
PAGE = ["alertname=SLOErrorBudgetBurn", "service=marketplace", "slo=api-availability"]


def cli() -> typer.Typer:
    """Return the commands registered as the lead registers them in ftw_observe.cli."""
    app = typer.Typer()
    alerts = typer.Typer()
    alerts.command("routes")(routes)
    app.add_typer(alerts, name="alerts")
    silence = typer.Typer()
    silence.command("add")(silence_add)
    silence.command("list")(silence_list)
    silence.command("expire")(silence_expire)
    app.add_typer(silence, name="silence")
    return app


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli(), list(args), env={"COLUMNS": "200", **env})


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
    rows = [line.split("│")[1:-1] for line in lines if line.startswith("│")]
    cells = [[cell.strip() for cell in row] for row in rows]
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


def test_routes_exits_2_on_a_bad_policy_or_label(tmp_path: Path):
    bad = tmp_path / "routing.yaml"
    bad.write_text(
        POLICY.read_text().replace("receivers: [slack-slo-alerts]", "receivers: [slack]", 1)
    )

    broken = run("alerts", "routes", "severity=page", "--policy", str(bad))
    label = run("alerts", "routes", "severity", "--policy", str(POLICY))

    assert broken.exit_code == 2
    assert re.search(
        r"routing\.yaml:\d+: routes\[1\]\.receivers\[0\]: no receiver 'slack'", broken.output
    )
    assert label.exit_code == 2
    assert "'severity' is not label=value" in label.output


def test_silence_add_list_and_expire_through_the_api(
    server: Server, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FTW_API_TOKEN", "cli-token")  # the server requires it, the CLI sends it
    url = ["--url", server.url]

    added = run(
        "silence",
        "add",
        "service=marketplace",
        "slo=~api-.*",
        "--reason",
        "deploy",
        "--author",
        "ana",
        "--duration",
        "2h",
        *url,
    )
    assert added.exit_code == 0, added.output
    found = re.match(
        r"silence ([0-9a-f-]{36}) active until .* UTC: service=marketplace, slo=~api-\.\*$",
        added.output.strip(),
    )
    assert found, added.output
    silence_id = found.group(1)

    window = run(
        "silence",
        "add",
        "service=host",
        "--reason",
        "disk swap",
        "--starts",
        "1h",
        "--duration",
        "30m",
        *url,
        USER="bo",
    )
    assert window.exit_code == 0, window.output
    assert re.match(
        r"silence \S+ pending from .* UTC until .* UTC: service=host$", window.output.strip()
    )

    listed = run("silence", "list", *url)
    assert listed.exit_code == 0, listed.output
    assert silence_id in listed.output
    assert "pending" in listed.output
    assert "bo" in listed.output

    expired = run("silence", "expire", silence_id, *url)
    assert expired.exit_code == 0, expired.output
    assert expired.output.startswith(f"silence {silence_id} expired until")
    assert silence_id not in run("silence", "list", *url).output
    assert silence_id in run("silence", "list", "--all", *url).output


def test_silence_until_takes_an_iso_time(server: Server):
    result = run(
        "silence",
        "add",
        "slo=payout-success",
        "--reason",
        "provider migration",
        "--until",
        "2099-01-01T00:00",
        "--url",
        server.url,
    )

    assert result.exit_code == 0, result.output
    assert "until 2099-01-01 00:00 UTC" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["service", "--reason", "x", "--duration", "1h"], "'service' is not a matcher"),
        (["slo=~.*", "--reason", "x", "--duration", "1h"], "would silence every alert"),
        (["service=x", "--reason", "x"], "give --duration (such as 2h) or --until"),
        (["service=x", "--reason", "x", "--duration", "1h", "--until", "2h"], "give --duration"),
        (["service=x", "--reason", "x", "--until", "tomorrow"], "--until: 'tomorrow' is neither"),
        (
            ["service=x", "--reason", "x", "--duration", "2 hours"],
            "duration: '2 hours' is not a duration",
        ),
    ],
)
def test_silence_add_exits_2_on_bad_input(server: Server, args: list[str], message: str):
    result = run("silence", "add", *args, "--url", server.url)

    assert result.exit_code == 2, result.output
    assert message in result.output


def test_silence_commands_say_when_the_engine_is_unreachable_or_the_silence_unknown(
    server: Server,
):
    down = run("silence", "list", "--url", f"http://127.0.0.1:{free_port()}")
    unknown = run("silence", "expire", "no-such-id", "--url", server.url)

    assert down.exit_code == 1
    assert "error: cannot reach http://127.0.0.1:" in down.output
    assert unknown.exit_code == 1
    assert "HTTP 404: no silence 'no-such-id'" in unknown.output
