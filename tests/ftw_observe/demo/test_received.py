"""`GET /_fake/received` on the fake receivers: what arrived, never recorded, secrets left out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ftw_observe.demo.fakes.http import Answer, FakeServer, RecordedRequest
from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.model import NotificationKind
from ftw_observe.notify.model import Outcome
from ftw_observe.notify.pagerduty import PagerDutySender
from ftw_observe.notify.slack import SlackSender
from tests.support.notifications import burn_notification

ROUTING_KEY = "R0UT1NGK3Ysecret0123456789abcdef"


def received(fake: FakeServer) -> dict[str, Any]:
    response = httpx.get(f"{fake.url}/_fake/received", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def pagerduty_sender(fake_pagerduty: FakePagerDuty) -> Iterator[PagerDutySender]:
    with PagerDutySender(
        "pagerduty", ROUTING_KEY, events_url=fake_pagerduty.url, timeout=2
    ) as sender:
        yield sender


@pytest.fixture
def slack_sender(fake_slack: FakeSlack) -> SlackSender:
    return SlackSender("slack", "#incidents", fake_slack.token, base_url=fake_slack.api_url)


@dataclass
class Echo(FakeServer):
    """A fake that answers every request 200 with an empty object."""

    def answer(self, method: str, path: str, request: RecordedRequest) -> Answer:
        return 200, {}, {}


def test_recorded_requests_carry_their_arrival_time(fake_pagerduty: FakePagerDuty) -> None:
    before = time.time()
    httpx.post(f"{fake_pagerduty.url}/v2/enqueue", content=b"not json", timeout=5)
    after = time.time()

    [request] = fake_pagerduty.requests
    assert before <= request.received_at <= after


def test_pagerduty_shows_accepted_events_oldest_first_without_routing_keys(
    fake_pagerduty: FakePagerDuty, pagerduty_sender: PagerDutySender
) -> None:
    trigger = pagerduty_sender.send(burn_notification(), previous=None)
    httpx.post(f"{fake_pagerduty.url}/v2/enqueue", json={"event_action": "trigger"}, timeout=5)
    pagerduty_sender.send(burn_notification(NotificationKind.RESOLVE), previous=trigger.delivery)

    response = httpx.get(f"{fake_pagerduty.url}/_fake/received", timeout=5)
    body = response.json()

    assert ROUTING_KEY not in response.text
    assert list(body) == ["events"]
    events = body["events"]
    assert [e["event"]["event_action"] for e in events] == ["trigger", "resolve"]
    assert [e["event"]["routing_key"] for e in events] == ["<redacted>", "<redacted>"]
    accepted = [r for r in fake_pagerduty.requests if r.status == 202]
    assert [e["received_at"] for e in events] == [r.received_at for r in accepted]
    expected = [{**event, "routing_key": "<redacted>"} for event in fake_pagerduty.events()]
    assert [e["event"] for e in events] == expected
    assert fake_pagerduty.events()[0]["routing_key"] == ROUTING_KEY  # redacted in the copy only


def test_the_inspection_endpoint_is_not_recorded_and_never_fails(
    fake_pagerduty: FakePagerDuty, pagerduty_sender: PagerDutySender
) -> None:
    fake_pagerduty.fail_next(1, status=503)

    assert received(fake_pagerduty) == {"events": []}
    assert fake_pagerduty.requests == []
    failed = pagerduty_sender.send(burn_notification(), previous=None)
    assert failed.outcome is not Outcome.DELIVERED  # the programmed failure was still pending
    assert pagerduty_sender.send(burn_notification(), previous=None).outcome is Outcome.DELIVERED
    assert len(received(fake_pagerduty)["events"]) == 1
    assert [r.status for r in fake_pagerduty.requests] == [503, 202]


def test_slack_shows_calls_without_tokens_and_messages_by_channel_name(
    fake_slack: FakeSlack, slack_sender: SlackSender
) -> None:
    trigger = slack_sender.send(burn_notification(), previous=None)
    resolve = burn_notification(NotificationKind.RESOLVE)
    assert slack_sender.send(resolve, previous=trigger.delivery).outcome is Outcome.DELIVERED
    recorded = len(fake_slack.requests)

    response = httpx.get(f"{fake_slack.url}/_fake/received", timeout=5)
    body = response.json()

    assert len(fake_slack.requests) == recorded
    assert fake_slack.token not in response.text
    assert set(body) == {"calls", "messages", "channels"}
    assert body["channels"] == {"incidents": "C0INCIDENTS", "slo-alerts": "C0SLOALERTS"}
    calls = body["calls"]
    assert [c["method"] for c in calls] == [
        r.path.removeprefix("/api/") for r in fake_slack.requests
    ]
    assert {"chat.postMessage", "chat.update"} <= {c["method"] for c in calls}
    assert all(c["ok"] is True for c in calls)
    assert [c["received_at"] for c in calls] == [r.received_at for r in fake_slack.requests]
    [update] = [c["params"] for c in calls if c["method"] == "chat.update"]
    assert update == fake_slack.calls("chat.update")[0]
    assert update["channel"] == "C0INCIDENTS"
    assert isinstance(update["blocks"], list)  # decoded, not a JSON string

    assert set(body["messages"]) == {"incidents", "slo-alerts"}
    assert body["messages"]["slo-alerts"] == []
    [message, reply] = body["messages"]["incidents"]
    assert trigger.delivery is not None
    assert message["ts"] == trigger.delivery["ts"]
    assert "edited" in message
    assert reply["thread_ts"] == message["ts"]
    assert message["text"] == fake_slack.posted("#incidents")[0]["text"]


def test_slack_shows_failed_calls_as_not_ok(fake_slack: FakeSlack) -> None:
    api = fake_slack.api_url
    token = fake_slack.token
    form = {"token": token, "channel": "#incidents", "text": "hello"}
    fake_slack.fail_next(1, error="channel_not_found", method="chat.postMessage")

    assert received(fake_slack)["calls"] == []  # the pending failure does not apply to it
    httpx.post(f"{api}chat.postMessage", data=form, headers={"authorization": "Bearer x"})
    httpx.post(f"{api}chat.postMessage", data=form, headers={"authorization": "Bearer nope"})
    ok = httpx.post(
        f"{api}chat.postMessage", data=form, headers={"authorization": f"Bearer {token}"}
    )
    assert ok.json()["ok"] is True
    httpx.post(f"{api}no.suchMethod", data=form, headers={"authorization": f"Bearer {token}"})

    body = received(fake_slack)
    calls = body["calls"]
    assert [(c["method"], c["ok"]) for c in calls] == [
        ("chat.postMessage", False),  # the programmed failure
        ("chat.postMessage", False),  # invalid_auth
        ("chat.postMessage", True),
        ("no.suchMethod", False),
    ]
    assert all(c["params"] == {"channel": "#incidents", "text": "hello"} for c in calls)
    assert [m["text"] for m in body["messages"]["incidents"]] == ["hello"]


def test_the_base_fake_lists_requests_without_headers_or_bodies() -> None:
    with Echo() as fake:
        httpx.post(f"{fake.url}/hook?x=1", json={"secret": "s3cr3t"}, timeout=5)
        body = received(fake)
        [request] = fake.requests

    assert body == {
        "requests": [
            {
                "received_at": request.received_at,
                "method": "POST",
                "path": "/hook",
                "query": {"x": "1"},
                "status": 200,
            }
        ]
    }


def test_only_get_is_the_inspection_endpoint(fake_pagerduty: FakePagerDuty) -> None:
    response = httpx.post(f"{fake_pagerduty.url}/_fake/received", timeout=5)

    assert response.status_code == 404
    assert [(r.method, r.path) for r in fake_pagerduty.requests] == [("POST", "/_fake/received")]


def test_slack_takes_an_attachments_only_post_as_alertmanager_sends_it(
    fake_slack: FakeSlack,
) -> None:
    attachment = {"title": "[FIRING:1] ftw-observe page", "text": "", "color": "danger"}
    response = httpx.post(
        f"{fake_slack.api_url}chat.postMessage",
        json={"channel": "#incidents", "username": "Alertmanager", "attachments": [attachment]},
        headers={"authorization": f"Bearer {fake_slack.token}"},
        timeout=5,
    )

    assert response.json()["ok"] is True
    [message] = fake_slack.posted("#incidents")
    assert message["attachments"] == [attachment]
    [call] = received(fake_slack)["calls"]
    assert call["ok"] is True
    assert call["params"]["attachments"] == [attachment]


def test_slack_still_refuses_a_post_without_any_content(fake_slack: FakeSlack) -> None:
    response = httpx.post(
        f"{fake_slack.api_url}chat.postMessage",
        json={"channel": "#incidents", "attachments": []},
        headers={"authorization": f"Bearer {fake_slack.token}"},
        timeout=5,
    )
    assert response.json() == {"ok": False, "error": "no_text"}
