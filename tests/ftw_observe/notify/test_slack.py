"""Slack receiver: the real `slack-sdk` WebClient against a fake Slack Web API."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ftw_observe.demo.fakes.slack import FakeSlack, block_errors
from ftw_observe.model import NotificationKind
from ftw_observe.notify.model import Outcome
from ftw_observe.notify.slack import SlackSender, notification_id
from tests.support.notifications import burn_notification

STATUS_PAGE = "http://127.0.0.1:8080"
RESOLVED_AT = datetime(2025, 3, 4, 6, 0, 0, tzinfo=UTC)


def make_sender(fake: FakeSlack, channel: str = "#incidents", **kwargs) -> SlackSender:
    options = {"base_url": fake.api_url, "status_page_url": STATUS_PAGE, "timeout": 1, **kwargs}
    return SlackSender("slack", channel, fake.token, **options)


@pytest.fixture
def sender(fake_slack: FakeSlack) -> SlackSender:
    return make_sender(fake_slack)


RESOLVE = burn_notification(NotificationKind.RESOLVE, created_at=RESOLVED_AT)


def test_trigger_posts_block_kit_with_metadata(sender: SlackSender, fake_slack: FakeSlack) -> None:
    notification = burn_notification()
    result = sender.send(notification, previous=None)

    assert result.outcome is Outcome.DELIVERED
    [message] = fake_slack.posted("#incidents")
    assert result.delivery == {"channel": "C0INCIDENTS", "ts": message["ts"]}
    [request] = fake_slack.requests
    assert request.headers["authorization"] == f"Bearer {fake_slack.token}"
    assert message["text"].startswith(":rotating_light: PAGE: marketplace api-latency-p95")
    assert block_errors(message["blocks"]) == []
    header = message["blocks"][0]["text"]["text"]
    assert header.startswith(":rotating_light: PAGE:")
    assert message["metadata"] == {
        "event_type": "ftw_alert",
        "event_payload": {
            "dedup_key": notification.dedup_key,
            "notification": notification_id(notification),
            "kind": "trigger",
        },
    }
    buttons = message["blocks"][-1]["elements"]
    assert [b["url"] for b in buttons][-1] == f"{STATUS_PAGE}/slos/marketplace/api-latency-p95"


def test_resolve_updates_the_message_and_replies_in_its_thread(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    trigger = sender.send(burn_notification(), previous=None)
    result = sender.send(RESOLVE, previous=trigger.delivery)

    assert result.outcome is Outcome.DELIVERED
    assert result.delivery == trigger.delivery
    [message] = fake_slack.posted("#incidents")
    assert "edited" in message
    assert message["text"].startswith(":white_check_mark: Resolved: ")
    assert message["blocks"][0]["text"]["text"].startswith(":white_check_mark: Resolved: ")
    assert message["metadata"]["event_payload"]["kind"] == "trigger"  # kept by the update
    [reply] = fake_slack.thread("#incidents", message["ts"])
    assert reply["text"].startswith(":white_check_mark: Resolved at <!date^1741068000^")
    [update] = fake_slack.calls("chat.update")
    assert (update["channel"], update["ts"]) == ("C0INCIDENTS", message["ts"])


def test_an_early_resolve_says_why_in_the_thread(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    trigger = sender.send(burn_notification(), previous=None)
    why = "the 5m window has been clean for 10m; page-6h still counts the outage's errors"
    early = replace(RESOLVE, annotations={**RESOLVE.annotations, "resolution": why})

    sender.send(early, previous=trigger.delivery)

    [message] = fake_slack.posted("#incidents")
    [reply] = fake_slack.thread("#incidents", message["ts"])
    assert reply["text"].startswith(":white_check_mark: Resolved at <!date^1741068000^")
    assert reply["text"].endswith(f": {why}")


def test_a_superseded_ticket_says_so_in_its_message_and_thread(
    fake_slack: FakeSlack,
) -> None:
    sender = make_sender(fake_slack, channel="#slo-alerts")
    ticket = burn_notification(labels={**burn_notification().labels, "severity": "ticket"})
    trigger = sender.send(ticket, previous=None)
    page = "ftw/marketplace/api-latency-p95/route=/api/jobs/page"
    notes = {"superseded_by": page, "superseded_by_summary": "burning 20x over 1h"}
    superseded = replace(
        ticket, kind=NotificationKind.SUPERSEDE, annotations={**ticket.annotations, **notes}
    )

    result = sender.send(superseded, previous=trigger.delivery)

    assert result.outcome is Outcome.DELIVERED
    [message] = fake_slack.posted("#slo-alerts")
    assert message["text"].startswith(":arrow_double_up: Superseded by a page: ")
    assert block_errors(message["blocks"]) == []
    assert "A page took over: burning 20x over 1h" in message["blocks"][1]["text"]["text"]
    [reply] = fake_slack.thread("#slo-alerts", message["ts"])
    assert f"by the page burning 20x over 1h (`{page}`)" in reply["text"]


def test_resolve_without_a_trigger_message_posts_on_its_own(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    result = sender.send(RESOLVE, previous=None)

    assert result.outcome is Outcome.DELIVERED
    [message] = fake_slack.posted("#incidents")
    assert message["text"].startswith(":white_check_mark: Resolved: ")
    assert fake_slack.calls("chat.update") == []


def test_resolve_of_a_deleted_message_posts_on_its_own(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    previous = {"channel": "C0INCIDENTS", "ts": "1.000001"}
    result = sender.send(RESOLVE, previous=previous)

    assert result.outcome is Outcome.DELIVERED
    assert result.delivery is not None
    assert result.delivery["ts"] != "1.000001"
    assert len(fake_slack.posted("#incidents")) == 1


def test_retried_trigger_adopts_the_message_an_earlier_attempt_posted(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    first = sender.send(burn_notification(), previous=None)  # then the process crashed
    restarted = make_sender(fake_slack)  # no memory of the channel id

    second = restarted.send(burn_notification(), previous=None, attempt=2)

    assert second.outcome is Outcome.DELIVERED
    assert second.delivery == first.delivery
    assert len(fake_slack.posted("#incidents")) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert fake_slack.calls("conversations.history")[0]["include_all_metadata"] in ("1", True)


def test_timeout_after_posting_does_not_post_twice(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    fake_slack.set_delay(2)
    lost = sender.send(burn_notification(), previous=None)
    assert lost.outcome is Outcome.RETRY  # Slack posted it, but the answer never arrived
    fake_slack.set_delay(0)

    retried = sender.send(burn_notification(), previous=None, attempt=2)

    [message] = fake_slack.posted("#incidents")
    assert retried.outcome is Outcome.DELIVERED
    assert retried.delivery == {"channel": "C0INCIDENTS", "ts": message["ts"]}


def test_first_attempt_does_not_read_history(sender: SlackSender, fake_slack: FakeSlack) -> None:
    sender.send(burn_notification(), previous=None)
    sender.send(burn_notification(), previous=None)  # a second trigger, attempt 1: a new alert
    assert fake_slack.calls("conversations.history") == []
    assert len(fake_slack.posted("#incidents")) == 2


def test_retried_resolve_does_not_reply_twice(sender: SlackSender, fake_slack: FakeSlack) -> None:
    trigger = sender.send(burn_notification(), previous=None)
    assert trigger.delivery is not None
    sender.send(RESOLVE, previous=trigger.delivery)  # delivery then lost

    again = sender.send(RESOLVE, previous=trigger.delivery, attempt=2)

    assert again.outcome is Outcome.DELIVERED
    assert len(fake_slack.thread("#incidents", trigger.delivery["ts"])) == 1


def test_channel_id_is_used_as_given(fake_slack: FakeSlack) -> None:
    sender = make_sender(fake_slack, channel="C0SLOALERTS")
    sender.send(burn_notification(), previous=None)
    sender.send(burn_notification(), previous=None, attempt=2)
    assert fake_slack.calls("conversations.list") == []
    assert len(fake_slack.posted("C0SLOALERTS")) == 1


@pytest.mark.parametrize(("retry_after", "expected"), [(12, 12.0), (None, 30.0)])
def test_rate_limit_is_retried_after_the_servers_delay(
    sender: SlackSender, fake_slack: FakeSlack, retry_after: float | None, expected: float
) -> None:
    fake_slack.fail_next(1, status=429, retry_after=retry_after)

    result = sender.send(burn_notification(), previous=None)

    assert result.outcome is Outcome.RETRY
    assert result.retry_after == expected
    assert len(fake_slack.requests) == 1  # no retry inside the SDK


@pytest.mark.parametrize(
    ("channel", "token", "error"),
    [("#nowhere", None, "channel_not_found"), ("#incidents", "xoxb-wrong", "invalid_auth")],
)
def test_real_refusals_are_rejected(
    fake_slack: FakeSlack, channel: str, token: str | None, error: str
) -> None:
    sender = SlackSender("slack", channel, token or fake_slack.token, base_url=fake_slack.api_url)
    result = sender.send(burn_notification(), previous=None)
    assert result.outcome is Outcome.REJECTED
    assert result.detail == f"Slack refused the message: {error}"


PERMANENT = ["channel_not_found", "not_in_channel", "invalid_auth", "account_inactive"]
PERMANENT += ["invalid_blocks", "msg_too_long"]


@pytest.mark.parametrize("error", PERMANENT)
def test_permanent_errors_are_rejected(sender: SlackSender, fake_slack: FakeSlack, error: str):
    fake_slack.fail_next(1, error=error)
    result = sender.send(burn_notification(), previous=None)
    assert result.outcome is Outcome.REJECTED
    assert result.detail == f"Slack refused the message: {error}"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(sender: SlackSender, fake_slack: FakeSlack, status: int) -> None:
    fake_slack.fail_next(1, status=status)
    result = sender.send(burn_notification(), previous=None)
    assert result.outcome is Outcome.RETRY
    assert f"HTTP {status}" in result.detail


def test_down_is_retried_then_delivered(sender: SlackSender, fake_slack: FakeSlack) -> None:
    fake_slack.stop()
    result = sender.send(burn_notification(), previous=None)
    assert result.outcome is Outcome.RETRY
    assert "cannot reach Slack" in result.detail

    fake_slack.start()
    assert sender.send(burn_notification(), previous=None, attempt=2).outcome is Outcome.DELIVERED
    assert len(fake_slack.posted("#incidents")) == 1


def test_slow_answer_beyond_the_timeout_is_retried(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    fake_slack.set_delay(3)
    started = time.monotonic()
    result = sender.send(burn_notification(), previous=None)
    assert result.outcome is Outcome.RETRY
    assert time.monotonic() - started < 2.5


def test_history_without_access_still_posts(sender: SlackSender, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next(1, error="missing_scope", method="conversations.list")
    result = sender.send(burn_notification(), previous=None, attempt=2)
    assert result.outcome is Outcome.DELIVERED
    assert len(fake_slack.posted("#incidents")) == 1


def test_huge_texts_stay_within_block_kit_limits(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    notes = {
        **burn_notification().annotations,
        "summary": "S<&>" * 2000,
        "description": "D & <x> " * 5000,
        "runbook_url": "https://runbooks.example.com/" + "r" * 4000,
    }
    notification = burn_notification(annotations=notes)
    trigger = sender.send(notification, previous=None)
    resolve = sender.send(
        burn_notification(NotificationKind.RESOLVE, annotations=notes, created_at=RESOLVED_AT),
        previous=trigger.delivery,
    )

    assert (trigger.outcome, resolve.outcome) == (Outcome.DELIVERED, Outcome.DELIVERED)
    [message] = fake_slack.posted("#incidents")
    assert block_errors(message["blocks"]) == []


@pytest.mark.parametrize("url", ["http://slack.example.com/api/", "http://192.168.1.5/api/"])
def test_plain_http_is_refused_except_on_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="SLACK_API_URL must be an https:// URL"):
        SlackSender("slack", "#incidents", "xoxb-1", base_url=url)


def test_base_url_from_the_environment_keeps_its_trailing_slash(
    monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack
) -> None:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url.rstrip("/"))
    sender = SlackSender("slack", "#incidents", fake_slack.token)
    assert sender.base_url == fake_slack.api_url
    assert sender.send(burn_notification(), previous=None).outcome is Outcome.DELIVERED


def test_token_never_leaks(
    sender: SlackSender, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    results = [sender.send(burn_notification(), previous=None)]
    fake_slack.fail_next(1, status=429, retry_after=1)
    fake_slack.fail_next(1, error="invalid_auth")
    fake_slack.fail_next(1, status=500)
    results += [sender.send(burn_notification(), previous=None) for _ in range(3)]
    results.append(sender.send(burn_notification(), previous=None, attempt=2))
    results.append(sender.send(RESOLVE, previous=results[0].delivery, attempt=2))
    fake_slack.stop()
    results.append(sender.send(burn_notification(), previous=None))

    assert [r.outcome for r in results] == [
        Outcome.DELIVERED,
        Outcome.RETRY,
        Outcome.REJECTED,
        Outcome.RETRY,
        Outcome.DELIVERED,
        Outcome.DELIVERED,
        Outcome.RETRY,
    ]
    assert len(fake_slack.posted("#incidents")) == 1
    for text in [caplog.text, repr(sender), str(sender), *(repr(r) for r in results)]:
        assert fake_slack.token not in text
