"""Attacks on silences against the real engine over HTTP: no key, wrong key, mute everything.

Each test starts `ftw-observe serve` (tests/support/engine.py); the fakes stand in for Slack
and PagerDuty, so what a silence announces is read where people would read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from tests.conftest import wait_until
from tests.support.cli import run_cli
from tests.support.engine import API_TOKEN, RunningEngine, engine_env, start_engine

BODY = {"matchers": ["service=marketplace"], "author": "mallory", "reason": "quiet night"}
MUTE_ALL = [
    ["severity=~.+"],
    ['severity!=""'],
    ['alertname=~".*."'],
    ["alertname!="],
    ["service=~.+"],
]
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def default_engine(tmp_path: Path) -> Iterator[RunningEngine]:
    """A real engine configured by default: no FTW_API_TOKEN."""
    env = engine_env(f"sqlite:///{tmp_path / 'observe.db'}", api_token=False)
    engine = start_engine("engine", tmp_path, env)
    try:
        yield engine
    finally:
        engine.stop()


def slo_alerts(fake_slack: FakeSlack, count: int) -> list[dict[str, Any]]:
    """Wait until #slo-alerts holds `count` messages; return them."""
    wait_until(lambda: len(fake_slack.posted("slo-alerts")) >= count, timeout=15)
    return fake_slack.posted("slo-alerts")


def test_on_a_default_config_nobody_can_write_silences_and_is_told_how_to_enable_it(
    default_engine: RunningEngine,
):
    headers: list[dict[str, str]] = [{}, {"Authorization": "Bearer guessed"}]
    for header in headers:
        created = default_engine.post(
            "/api/silences", json={**BODY, "duration": "1h"}, headers=header
        )
        expired = default_engine.delete("/api/silences/anything", headers=header)

        assert created.status_code == expired.status_code == 403
        assert "Set FTW_API_TOKEN in the engine's environment" in created.json()["detail"]
    assert default_engine.get("/api/silences").json() == []


def test_on_a_default_config_the_cli_passes_the_how_to_on(default_engine: RunningEngine):
    result = run_cli(
        *("silence", "add", "service=marketplace", "--reason", "r", "--duration", "1h"),
        *("--url", default_engine.url),
        env={"FTW_API_TOKEN": "anything"},
    )

    assert result.exit_code == 1
    assert f"the engine at {default_engine.url} refuses silence changes" in result.output
    assert "Set FTW_API_TOKEN in the engine's environment" in result.output


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": API_TOKEN}],
)
def test_with_a_token_a_missing_or_wrong_one_is_401_and_never_logged(
    engine_with_receivers: RunningEngine, headers: dict[str, str]
):
    engine = engine_with_receivers
    created = engine.post("/api/silences", json={**BODY, "duration": "1h"}, headers=headers)
    expired = engine.delete("/api/silences/anything", headers=headers)

    assert created.status_code == expired.status_code == 401
    assert engine.get("/api/silences").json() == []
    log = engine.log_text()
    assert "wrong-token" not in log
    assert API_TOKEN not in log


def test_mute_all_silences_are_refused_without_force(engine_with_receivers: RunningEngine):
    for matchers in MUTE_ALL:
        response = engine_with_receivers.post(
            "/api/silences",
            json={**BODY, "matchers": matchers, "duration": "1h"},
            headers=AUTH,
        )

        assert response.status_code == 422, (matchers, response.text)
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "matchers"]
        assert "would mute 58 of the 58 alerts" in error["msg"]
        assert '"force": true' in error["msg"]
    assert engine_with_receivers.get("/api/silences").json() == []


def test_a_silence_to_the_end_of_time_is_refused(engine_with_receivers: RunningEngine):
    response = engine_with_receivers.post(
        "/api/silences", json={**BODY, "ends_at": "9999-12-31T00:00:00Z"}, headers=AUTH
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ends_at"]


def test_a_forced_mute_all_silence_is_set_and_announced_in_slack(
    engine_with_receivers: RunningEngine, fake_slack: FakeSlack, fake_pagerduty: FakePagerDuty
):
    for matchers in MUTE_ALL:
        response = engine_with_receivers.post(
            "/api/silences",
            json={**BODY, "matchers": matchers, "duration": "1h", "force": True},
            headers=AUTH,
        )
        assert response.status_code == 201, response.text

    messages = slo_alerts(fake_slack, len(MUTE_ALL))
    assert len(messages) == len(MUTE_ALL)
    for message in messages:
        assert message["text"].startswith(":rotating_light: Forced silence by mallory mutes EVERY")
    assert fake_pagerduty.events() == []
    assert fake_slack.posted("incidents") == []


def test_an_ordinary_silence_is_posted_to_the_ticket_channel_when_set_and_when_expired(
    engine_with_receivers: RunningEngine, fake_slack: FakeSlack, fake_pagerduty: FakePagerDuty
):
    created = engine_with_receivers.post(
        "/api/silences", json={**BODY, "duration": "2h"}, headers=AUTH
    ).json()
    (posted,) = slo_alerts(fake_slack, 1)

    expired = engine_with_receivers.delete(f"/api/silences/{created['id']}", headers=AUTH)
    assert expired.status_code == 200
    ended = slo_alerts(fake_slack, 2)[1]

    assert posted["text"].startswith(":mute: Silence by mallory until ")
    assert "quiet night" in str(posted["blocks"])
    assert "`service=marketplace`" in str(posted["blocks"])
    assert ended["text"].startswith(":loud_sound: Silence by mallory expired early at ")
    assert fake_pagerduty.events() == []
    # Delivered once each: later dispatch passes post nothing more.
    wait_until(lambda: engine_with_receivers.get("/api/notifications").json()["depth"] == 0)
    assert len(fake_slack.posted("slo-alerts")) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"matchers": ["service=market\u0000place"]}, ["body", "matchers", 0]),
        ({"author": "mall\u0000ory"}, ["body", "author"]),
        ({"reason": "quiet\u0000night"}, ["body", "reason"]),
    ],
)
def test_a_nul_byte_in_a_silence_is_refused_and_never_stored(
    postgres_url: str, tmp_path: Path, change: dict[str, Any], field: list[Any]
):
    # Postgres refuses NUL in text: the engine must say so as a 422, not fail with a 500.
    engine = start_engine("engine", tmp_path, engine_env(postgres_url))
    try:
        response = engine.post(
            "/api/silences", json={**BODY, "duration": "1h", **change}, headers=AUTH
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == field
        assert engine.get("/api/silences", params={"all": "true"}).json() == []
    finally:
        engine.stop()
