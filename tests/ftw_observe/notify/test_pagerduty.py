"""PagerDuty receiver: the real `pagerduty` client against a fake Events API v2."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty, event_errors
from ftw_observe.model import ACTIVE_SINCE, NotificationKind
from ftw_observe.notify import story
from ftw_observe.notify.model import Outcome
from ftw_observe.notify.pagerduty import PagerDutySender, pagerduty_dedup_key
from tests.support.notifications import burn_notification

ROUTING_KEY = "R0UT1NGK3Ysecret0123456789abcdef"
STATUS_PAGE = "http://127.0.0.1:8080"


@pytest.fixture
def sender(fake_pagerduty: FakePagerDuty) -> Iterator[PagerDutySender]:
    with PagerDutySender(
        "pagerduty",
        ROUTING_KEY,
        events_url=fake_pagerduty.url,
        status_page_url=STATUS_PAGE,
        timeout=0.5,
    ) as sender:
        yield sender


@pytest.fixture(autouse=True)
def no_library_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the library ever reaches one of its blocking retry sleeps."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"pagerduty slept {seconds} s")

    # Only the library's view of `time`: patching `time.sleep` itself would stop every thread.
    library_time = SimpleNamespace(
        **{name: getattr(time, name) for name in dir(time) if not name.startswith("_")}
    )
    library_time.sleep = refuse
    monkeypatch.setattr("pagerduty.api_client.time", library_time)


def test_trigger_sends_every_field(sender: PagerDutySender, fake_pagerduty: FakePagerDuty) -> None:
    notification = burn_notification()
    result = sender.send(notification, previous=None)

    assert result.outcome is Outcome.DELIVERED
    assert result.delivery == {"dedup_key": notification.dedup_key}
    [event] = fake_pagerduty.events()
    assert event_errors(event) == []
    assert event["routing_key"] == ROUTING_KEY
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == "ftw/marketplace/api-latency-p95/route=/api/jobs/page-1h"
    payload = event["payload"]
    assert payload["summary"] == notification.annotations["summary"]
    assert payload["source"] == "marketplace"
    assert payload["severity"] == "critical"
    assert datetime.fromisoformat(payload["timestamp"]) == notification.created_at
    assert (payload["component"], payload["group"], payload["class"]) == (
        "api-latency-p95",
        "marketplace",
        "page-1h",
    )
    details = payload["custom_details"]
    assert details["burn_rate"] == {"1h": "20.50", "5m": "31.00", "6h": "9.10"}
    assert details["burn_rate_threshold"] == "14.4"
    assert details["remaining_budget"] == "73.20%"
    assert details["time_to_exhaustion"] == "1d 11h 4m"
    assert details["counts"] == {"errors": "412", "events": "20000"}
    assert details["labels"] == notification.labels
    assert details["instance"] == "route=/api/jobs"
    assert event["links"] == [
        {"href": notification.annotations["runbook_url"], "text": "Runbook"},
        {"href": notification.annotations["dashboard_url"], "text": "Dashboard"},
        {"href": f"{STATUS_PAGE}/slos/marketplace/api-latency-p95", "text": "Status page"},
    ]
    assert fake_pagerduty.open_alerts() == {notification.dedup_key}


def test_resolve_sends_the_same_dedup_key(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    trigger = sender.send(burn_notification(), previous=None)
    resolve = sender.send(burn_notification(NotificationKind.RESOLVE), previous=trigger.delivery)

    assert resolve.outcome is Outcome.DELIVERED
    first, second = fake_pagerduty.events()
    assert second == {
        "event_action": "resolve",
        "dedup_key": first["dedup_key"],
        "routing_key": ROUTING_KEY,
    }
    assert fake_pagerduty.open_alerts() == set()


def test_a_trigger_says_since_when_its_slo_burns(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    base = burn_notification()
    since = (base.created_at - timedelta(minutes=12)).isoformat()
    sender.send(replace(base, annotations={**base.annotations, ACTIVE_SINCE: since}), previous=None)

    [event] = fake_pagerduty.events()
    assert event["payload"]["custom_details"]["since"] == (
        "Burning since 2025-03-04 04:54:07 UTC (12m before this message)"
    )


def test_a_resolve_carries_no_story_the_events_api_would_ignore(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    resolve = burn_notification(NotificationKind.RESOLVE)
    at = resolve.created_at
    told = story.Story(at - timedelta(minutes=47), at)
    notes = {**resolve.annotations, **story.to_annotations(told)}
    sender.send(replace(resolve, annotations=notes), previous=None)

    [event] = fake_pagerduty.events()
    assert set(event) == {"event_action", "dedup_key", "routing_key"}


def test_a_superseded_ticket_closes_its_own_alert(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    ticket = burn_notification()
    trigger = sender.send(ticket, previous=None)

    superseded = replace(ticket, kind=NotificationKind.SUPERSEDE)
    result = sender.send(superseded, previous=trigger.delivery)

    assert result.outcome is Outcome.DELIVERED
    assert [e["event_action"] for e in fake_pagerduty.events()] == ["trigger", "resolve"]
    assert fake_pagerduty.open_alerts() == set()


def test_an_announcement_is_never_sent_to_pagerduty(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    result = sender.send(burn_notification(NotificationKind.ANNOUNCE), previous=None)

    assert result.outcome is Outcome.REJECTED
    assert "announcements never go to PagerDuty" in result.detail
    assert fake_pagerduty.events() == []


def test_long_summary_is_cut_to_1024_characters(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    notes = {"summary": "x" * 5000, "description": "d" * 100_000}
    result = sender.send(burn_notification(annotations=notes), previous=None)

    assert result.outcome is Outcome.DELIVERED
    summary = fake_pagerduty.events()[0]["payload"]["summary"]
    assert len(summary) == 1024
    assert summary.endswith("…")


def test_long_dedup_keys_are_shortened_stably() -> None:
    key = "ftw/marketplace/slo/" + "route=/api/" * 40 + "/page-1h"
    short = pagerduty_dedup_key(key)
    assert len(short) == 255
    assert short == pagerduty_dedup_key(key)
    assert short != pagerduty_dedup_key(key + "x")
    assert pagerduty_dedup_key("ftw/a/b//page-1h") == "ftw/a/b//page-1h"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("page", "critical"),
        ("critical", "critical"),
        ("ticket", "warning"),
        ("warning", "warning"),
        ("info", "info"),
        ("bogus", "error"),
        ("", "error"),
    ],
)
def test_severity_mapping(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty, severity: str, expected: str
) -> None:
    labels = {**burn_notification().labels, "severity": severity}
    sender.send(burn_notification(labels=labels), previous=None)
    assert fake_pagerduty.events()[0]["payload"]["severity"] == expected


def test_threshold_alert_without_slo_or_service(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    notification = burn_notification(
        labels={"alertname": "HostDiskFull", "severity": "warning"}, annotations={}
    )
    assert sender.send(notification, previous=None).outcome is Outcome.DELIVERED
    [event] = fake_pagerduty.events()
    payload = event["payload"]
    assert payload["summary"] == "HostDiskFull"
    assert payload["source"] == "ftw-observe"
    assert payload["component"] == payload["class"] == "HostDiskFull"
    assert "group" not in payload
    assert event["links"] == [{"href": f"{STATUS_PAGE}/", "text": "Status page"}]


def test_400_is_rejected_with_the_reason(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": ["bad"]}
    fake_pagerduty.fail_next(1, status=400, body=body)

    result = sender.send(burn_notification(), previous=None)

    assert result.outcome is Outcome.REJECTED
    assert "HTTP 400" in result.detail
    assert "Event object is invalid; bad" in result.detail
    assert len(fake_pagerduty.requests) == 1


@pytest.mark.parametrize(("retry_after", "expected"), [(7, 7.0), (None, 30.0)])
def test_429_is_retried_after_the_servers_delay(
    sender: PagerDutySender,
    fake_pagerduty: FakePagerDuty,
    retry_after: float | None,
    expected: float,
) -> None:
    fake_pagerduty.fail_next(1, status=429, retry_after=retry_after)

    result = sender.send(burn_notification(), previous=None)

    assert result.outcome is Outcome.RETRY
    assert result.retry_after == expected
    assert len(fake_pagerduty.requests) == 1  # the library did not retry by itself
    assert fake_pagerduty.events() == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_by_the_outbox_not_the_library(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty, status: int
) -> None:
    fake_pagerduty.fail_next(1, status=status)

    result = sender.send(burn_notification(), previous=None)

    assert result.outcome is Outcome.RETRY
    assert f"HTTP {status}" in result.detail
    assert len(fake_pagerduty.requests) == 1
    assert sender.send(burn_notification(), previous=None).outcome is Outcome.DELIVERED


def test_down_is_retried_then_delivered_after_restart(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    fake_pagerduty.stop()
    result = sender.send(burn_notification(), previous=None)
    assert result.outcome is Outcome.RETRY
    assert "cannot reach PagerDuty" in result.detail

    fake_pagerduty.start()
    assert sender.send(burn_notification(), previous=None).outcome is Outcome.DELIVERED
    assert len(fake_pagerduty.events()) == 1


def test_slow_answer_beyond_the_timeout_is_retried(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty
) -> None:
    fake_pagerduty.set_delay(3)
    started = time.monotonic()

    result = sender.send(burn_notification(), previous=None)

    assert result.outcome is Outcome.RETRY
    assert "did not answer within 0.5 s" in result.detail
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "url",
    ["http://events.example.com", "http://10.0.0.1:8080", "ftp://127.0.0.1", "events.eu.pagerduty"],
)
def test_plain_http_is_refused_except_on_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="PAGERDUTY_EVENTS_URL must be an https:// URL"):
        PagerDutySender("pagerduty", ROUTING_KEY, events_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "https://events.eu.pagerduty.com",
        "https://events.pagerduty.com/v2/enqueue",
        "http://127.0.0.1:9",
        "http://[::1]:9",
        "http://localhost:9/",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    with PagerDutySender("pagerduty", ROUTING_KEY, events_url=url) as sender:
        assert not sender.events_url.endswith(("/", "/v2/enqueue"))


def test_events_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fake_pagerduty: FakePagerDuty
) -> None:
    monkeypatch.setenv("PAGERDUTY_EVENTS_URL", fake_pagerduty.url)
    with PagerDutySender("pagerduty", ROUTING_KEY) as sender:
        assert sender.send(burn_notification(), previous=None).outcome is Outcome.DELIVERED
    assert len(fake_pagerduty.events()) == 1


def test_routing_key_never_leaks(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    results = [sender.send(burn_notification(), previous=None)]
    fake_pagerduty.fail_next(1, status=400, body={"message": f"unknown key {ROUTING_KEY}"})
    fake_pagerduty.fail_next(1, status=401)
    fake_pagerduty.fail_next(1, status=429, retry_after=1)
    fake_pagerduty.fail_next(1, status=500)
    results += [sender.send(burn_notification(), previous=None) for _ in range(4)]
    fake_pagerduty.stop()
    results.append(sender.send(burn_notification(NotificationKind.RESOLVE), previous=None))

    assert [r.outcome for r in results] == [
        Outcome.DELIVERED,
        Outcome.REJECTED,
        Outcome.REJECTED,
        Outcome.RETRY,
        Outcome.RETRY,
        Outcome.RETRY,
    ]
    assert "unknown key ***" in results[1].detail
    texts = [caplog.text, repr(sender), str(sender), *(repr(r) for r in results)]
    for text in texts:
        assert ROUTING_KEY not in text
        assert ROUTING_KEY[-4:] not in text  # the library shows the last four characters


def test_empty_routing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="routing key is empty"):
        PagerDutySender("pagerduty", "  ", events_url="http://127.0.0.1:9")


@pytest.mark.parametrize("kind", [NotificationKind.REMIND, NotificationKind.JOIN])
def test_follow_ups_of_an_open_incident_never_page_again(
    sender: PagerDutySender, fake_pagerduty: FakePagerDuty, kind: NotificationKind
) -> None:
    result = sender.send(burn_notification(kind), previous={"dedup_key": "k"})

    assert result.outcome is Outcome.DELIVERED
    assert fake_pagerduty.events() == []
