"""What the demo prints once the stack is up."""

from __future__ import annotations

from pathlib import Path

from ftw_observe.demo.banner import Hints, ready_banner
from ftw_observe.demo.stack import DemoStack

HINTS = Hints(bin_dir=".venv/bin", rate=20, interval=5, logs="/srv/.ftw/logs")


def stack(pagerduty: str | None, slack: str | None) -> DemoStack:
    return DemoStack(
        home=Path("/srv/.ftw"),
        pid=1,
        marketplace_url="http://127.0.0.1:8000",
        engine_url="http://127.0.0.1:8080",
        prometheus_url="http://127.0.0.1:9090",
        alertmanager_url="http://127.0.0.1:9093",
        operator_key_file=Path("/srv/.ftw/operator.key"),
        fake_pagerduty_url=pagerduty,
        fake_slack_url=slack,
        exporter_url="http://127.0.0.1:9464",
        api_token_file=Path("/srv/.ftw/api-token"),
    )


def test_the_banner_says_where_everything_is_and_what_to_try() -> None:
    text = ready_banner(stack("http://127.0.0.1:8091", None), HINTS)
    lines = text.splitlines()
    assert lines[0] == "demo: the whole stack is up; the load generator sends 20 requests/s."
    assert "  status page       http://127.0.0.1:8080/" in lines
    exporter = (
        "  exporter metrics  http://127.0.0.1:9464/metrics   (business, Postgres, Redis, host)"
    )
    assert exporter in lines
    assert "  export FTW_OPERATOR_KEY=$(cat /srv/.ftw/operator.key)" in lines
    assert (
        "  .venv/bin/ftw-loadgen fault set --url http://127.0.0.1:8000 --route /api/jobs "
        "--error-ratio 1"
    ) in lines
    assert "  fake PagerDuty    http://127.0.0.1:8091/_fake/received" in text
    assert "fake Slack" not in text
    assert lines[-1] == "Live figures every 5 s; Ctrl-C stops everything."


def test_with_real_receivers_the_banner_says_so() -> None:
    text = ready_banner(stack(None, None), HINTS)
    assert "Pages go to the PagerDuty and Slack configured in the environment." in text


def test_a_demo_elsewhere_gets_the_options_to_find_it() -> None:
    hints = Hints(
        ".venv/bin", 20, 5, "/l", drill_options=" --home /h", routes_options=" --policy /p"
    )
    text = ready_banner(stack(None, None), hints)
    assert "`.venv/bin/ftw-observe demo --drill --home /h`" in text
    assert "tier=page-1h --policy /p" in text


def test_the_banner_says_where_the_api_token_is_and_never_what_it_is() -> None:
    lines = ready_banner(stack(None, None), HINTS).splitlines()

    assert "  export FTW_API_TOKEN=$(cat /srv/.ftw/api-token)" in lines
    assert (
        "  .venv/bin/ftw-observe silence add service=marketplace --reason deploy --duration 1h "
        "--url http://127.0.0.1:8080"
    ) in lines
    assert any("kept in /srv/.ftw/api-token" in line for line in lines)
