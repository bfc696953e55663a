"""`ftw-observe demo --drill` options: --break, --outage and their clear refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftw_observe.demo.stack import DemoStack
from tests.support.cli import run_cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outage", "15m"], "Invalid value for --outage: goes with --drill"),
        (["--break", "engine"], "Invalid value for --break: goes with --drill"),
        (
            ["--drill", "--outage", "15x"],
            "Invalid value for --outage: '15x' is not a duration such as 30s, 5m",
        ),
        (
            ["--drill", "--break", "engine", "--outage", "5m"],
            "Invalid value for --outage: applies to the SLO drill, not to --break",
        ),
        (
            ["--drill", "--outage", "5m", "--min-outage", "30"],
            "Invalid value for --outage: give --outage or --min-outage, not both",
        ),
        (["--drill", "--break", "router"], "'router' is not one of 'engine', 'alertmanager'"),
    ],
)
def test_a_bad_drill_option_is_named(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli("demo", "--home", str(tmp_path), *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []  # nothing started


def test_a_break_drill_on_a_demo_with_real_receivers_says_why_not(tmp_path: Path) -> None:
    DemoStack(
        home=tmp_path,
        pid=os.getpid(),  # a running process: the demo is found
        marketplace_url="http://127.0.0.1:1",
        engine_url="http://127.0.0.1:1",
        prometheus_url="http://127.0.0.1:1",
        alertmanager_url="http://127.0.0.1:1",
        operator_key_file=tmp_path / "operator.key",
        fake_pagerduty_url=None,
        fake_slack_url=None,
        control_dir=tmp_path / "control",
    ).save()

    result = run_cli("demo", "--home", str(tmp_path), "--drill", "--break", "alertmanager")

    assert result.exit_code == 1
    assert "error: the break drills read what the demo's fake PagerDuty and Slack" in result.output
