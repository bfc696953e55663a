"""The fake receivers take what Alertmanager itself posts, as the real services do."""

from __future__ import annotations

from typing import Any

import httpx

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from tests.support.alertmanager import (
    GROUP_HASH,
    alertmanager_pagerduty_event,
    alertmanager_slack_post,
)


def post_to_slack(fake: FakeSlack, body: Any, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    response = httpx.post(f"{fake.api_url}chat.postMessage", json=body, headers=headers, timeout=5)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def test_slack_takes_an_attachments_only_post_into_the_named_channel(
    fake_slack: FakeSlack,
) -> None:
    answer = post_to_slack(fake_slack, alertmanager_slack_post())

    assert answer["ok"] is True
    [message] = fake_slack.posted("#incidents")
    assert message["text"] == ""
    assert message["attachments"][0]["callback_id"] == "alertmanager/ftw-observe/page"


def test_slack_shows_the_post_with_its_attachments_but_not_the_token(
    fake_slack: FakeSlack,
) -> None:
    post_to_slack(fake_slack, alertmanager_slack_post())

    response = httpx.get(f"{fake_slack.url}/_fake/received", timeout=5)

    assert fake_slack.token not in response.text
    [call] = response.json()["calls"]
    assert call["ok"] is True
    assert call["params"]["attachments"][0]["title"].startswith("[FIRING] ")


def test_slack_refuses_a_post_without_any_content_or_with_bad_attachments(
    fake_slack: FakeSlack,
) -> None:
    empty = {"channel": "#incidents", "attachments": []}
    bad = {"channel": "#incidents", "attachments": "not a list"}

    assert post_to_slack(fake_slack, empty) == {"ok": False, "error": "no_text"}
    assert post_to_slack(fake_slack, bad) == {"ok": False, "error": "invalid_attachments"}
    assert fake_slack.posted("#incidents") == []


def test_slack_refuses_a_post_with_another_token(fake_slack: FakeSlack) -> None:
    answer = post_to_slack(fake_slack, alertmanager_slack_post(), token="xoxb-wrong")

    assert answer == {"ok": False, "error": "invalid_auth"}


def test_pagerduty_takes_a_trigger_and_its_resolve(fake_pagerduty: FakePagerDuty) -> None:
    for action in ("trigger", "resolve"):
        response = httpx.post(
            f"{fake_pagerduty.url}/v2/enqueue",
            json=alertmanager_pagerduty_event(action),
            timeout=5,
        )
        assert response.status_code == 202, response.text
        assert response.json()["dedup_key"] == GROUP_HASH
        if action == "trigger":
            assert fake_pagerduty.open_alerts() == {GROUP_HASH}

    assert fake_pagerduty.open_alerts() == set()
