"""The demo's direct path: this run's receivers for Alertmanager, secrets in private files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ftw_observe.demo.direct import (
    pagerduty_enqueue_url,
    slack_post_message_url,
    write_direct_path,
)
from ftw_observe.demo.settings import DemoError

KEY, TOKEN = "R0UT1NGK3Y0123456789abcdef012345", "xoxb-1234-5678-s3cr3t"
FAKES = {
    "PAGERDUTY_ROUTING_KEY": KEY,
    "PAGERDUTY_EVENTS_URL": "http://127.0.0.1:8091",
    "SLACK_BOT_TOKEN": TOKEN,
    "SLACK_API_URL": "http://127.0.0.1:8092/api/",
}


def test_the_fakes_endpoints_become_alertmanagers_urls(tmp_path: Path) -> None:
    direct = write_direct_path(tmp_path, FAKES)

    assert direct.pagerduty_url == "http://127.0.0.1:8091/v2/enqueue"
    assert direct.slack_api_url == "http://127.0.0.1:8092/api/chat.postMessage"


def test_the_key_and_token_are_written_to_private_files_and_only_named(tmp_path: Path) -> None:
    direct = write_direct_path(tmp_path, FAKES)

    key_file, token_file = Path(direct.routing_key_file), Path(direct.slack_token_file)
    assert (key_file.read_text(), token_file.read_text()) == (KEY + "\n", TOKEN + "\n")
    for path in (key_file, token_file):
        assert path.parent == tmp_path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KEY not in repr(direct)
    assert TOKEN not in repr(direct)


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({}, "https://events.pagerduty.com/v2/enqueue"),
        (
            {"PAGERDUTY_EVENTS_URL": "https://events.eu.pagerduty.com/"},
            "https://events.eu.pagerduty.com/v2/enqueue",
        ),
        (
            {"PAGERDUTY_EVENTS_URL": "http://127.0.0.1:9/v2/enqueue"},
            "http://127.0.0.1:9/v2/enqueue",
        ),
    ],
)
def test_real_pagerduty_takes_its_default_or_configured_endpoint(
    env: dict[str, str], url: str
) -> None:
    assert pagerduty_enqueue_url(env) == url


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({}, "https://slack.com/api/chat.postMessage"),
        ({"SLACK_API_URL": "http://127.0.0.1:9/api"}, "http://127.0.0.1:9/api/chat.postMessage"),
    ],
)
def test_real_slack_takes_its_default_or_configured_api(env: dict[str, str], url: str) -> None:
    assert slack_post_message_url(env) == url


def test_a_missing_key_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(DemoError, match="SLACK_BOT_TOKEN is not set"):
        write_direct_path(tmp_path, {"PAGERDUTY_ROUTING_KEY": KEY})
