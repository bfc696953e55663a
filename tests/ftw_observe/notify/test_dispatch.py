"""Routing and delivery through the durable outbox to fake PagerDuty and Slack servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.matching.silences import new_silence
from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify.dispatch import Dispatcher, backoff
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.notify.receivers import build_senders
from ftw_observe.store import Store
from tests.support.dispatch import REPO, T0, Rig
from tests.support.notifications import burn_notification

PAGE = burn_notification()
# Receivers see the incident, which every page tier of the SLO instance shares.
KEY = "ftw/marketplace/page"
RESOLVE = replace(PAGE, kind=NotificationKind.RESOLVE)


def ticket(tier: str = "page-6h", severity: str = "page") -> Notification:
    labels = {**PAGE.labels, "tier": tier, "severity": severity}
    return replace(PAGE, dedup_key=PAGE.dedup_key.replace("page-1h", tier), labels=labels)


def test_a_page_reaches_pagerduty_and_slack_once_and_resolves_once(rig: Rig) -> None:
    rig.emit(PAGE)
    rig.run()
    assert rig.pd_actions() == [("trigger", KEY)]
    (message,) = rig.incidents_messages()
    assert rig.slack.posted("slo-alerts") == []
    rig.emit(RESOLVE)
    rig.run(30)
    assert rig.pd_actions() == [("trigger", KEY), ("resolve", KEY)]
    assert len(rig.incidents_messages()) == 1, "the resolve edits the message, no new post"
    assert rig.slack.calls("chat.update")
    assert len(rig.slack.thread("incidents", message["ts"])) == 1
    assert rig.pagerduty.open_alerts() == set()


def test_a_ticket_goes_to_slack_only(rig: Rig) -> None:
    rig.emit(ticket("ticket-1d", "ticket"))
    rig.run()
    assert rig.pd_actions() == []
    assert len(rig.slack.posted("slo-alerts")) == 1


def test_the_same_alert_from_the_engine_and_alertmanager_pages_once(rig: Rig) -> None:
    rig.emit(PAGE)
    rig.emit(replace(PAGE, source="alertmanager"))
    rig.run()
    rig.emit(replace(PAGE, source="alertmanager"))  # Alertmanager repeats firing alerts
    rig.run(60)
    assert rig.pd_actions() == [("trigger", KEY)]
    assert len(rig.incidents_messages()) == 1
    # The alert resolves only when every source that fired says so.
    rig.emit(RESOLVE)
    rig.run(30)
    assert rig.pd_actions() == [("trigger", KEY)]
    rig.emit(replace(RESOLVE, source="alertmanager"))
    rig.run(30)
    assert rig.pd_actions() == [("trigger", KEY), ("resolve", KEY)]


def test_receivers_down_for_minutes_lose_nothing_and_duplicate_nothing(rig: Rig) -> None:
    rig.pagerduty.stop()
    rig.slack.stop()
    rig.emit(PAGE)
    rig.run()
    rig.emit(RESOLVE)
    for _ in range(10):  # five minutes of failures with backoff
        rig.run(30)
    assert rig.store.outbox_depth() == 4  # a trigger and a resolve for each receiver
    rig.pagerduty.start()
    rig.slack.start()
    for _ in range(12):
        rig.run(30)
    assert rig.pd_actions() == [("trigger", KEY), ("resolve", KEY)]
    assert len(rig.incidents_messages()) == 1
    assert rig.store.outbox_depth() == 0


def test_a_resolve_never_overtakes_its_trigger(rig: Rig) -> None:
    rig.pagerduty.fail_next(1, status=500)
    rig.emit(PAGE)
    rig.run()
    rig.emit(RESOLVE)
    rig.run(1)  # the trigger waits for its backoff; the resolve must wait behind it
    assert rig.pd_actions() == []
    rig.run(backoff(1))  # the trigger goes, then (once it is settled) its resolve
    assert rig.pd_actions() == [("trigger", KEY), ("resolve", KEY)]


def test_a_429_is_retried_after_retry_after_not_before(rig: Rig) -> None:
    rig.pagerduty.fail_next(1, status=429, retry_after=40)
    rig.emit(PAGE)
    rig.run()
    rig.run(30)
    assert rig.pd_actions() == []
    rig.run(11)
    assert rig.pd_actions() == [("trigger", KEY)]


def test_a_crash_between_sending_and_settling_pages_once(rig: Rig) -> None:
    rig.emit(PAGE)
    rig.dispatcher.router.route(rig.clock())
    # Deliver, then "crash" before settling: the rows stay claimed.
    items = rig.store.notifications.claim(rig.clock(), 10, routed=True)
    for item in items:
        rig.dispatcher._send(item, item.receiver or "")
    assert rig.pd_actions() == [("trigger", KEY)]
    assert len(rig.incidents_messages()) == 1
    restarted = rig.make(rig.env)
    rig.clock.advance(180)  # past the claim timeout: the claims are released and retried
    restarted.run_once()
    assert rig.pagerduty.open_alerts() == {KEY}, "a resent trigger with its dedup key is one alert"
    assert len(rig.incidents_messages()) == 1, "Slack's earlier message is found, not reposted"
    assert rig.store.outbox_depth() == 0


def test_a_silenced_page_is_not_sent_until_the_silence_ends(rig: Rig) -> None:
    rig.store.add_silence(
        new_silence(
            ["service=marketplace"],
            author="sre",
            reason="deploy",
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=10),
            now=T0,
        )
    )
    rig.emit(PAGE)
    rig.run()
    assert rig.pd_actions() == []
    rig.run(11 * 60)
    assert rig.pd_actions() == [("trigger", KEY)]


def test_a_page_silenced_after_it_fired_still_gets_its_resolve(rig: Rig) -> None:
    rig.emit(PAGE)
    rig.run()
    now = rig.clock()
    rig.store.add_silence(
        new_silence(
            ["service=marketplace"],
            author="sre",
            reason="known",
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            now=now,
        )
    )
    rig.emit(RESOLVE)
    rig.run(30)
    assert rig.pd_actions() == [("trigger", KEY), ("resolve", KEY)]


def test_a_slower_tier_joins_the_page_of_the_faster_one(rig: Rig) -> None:
    rig.emit(PAGE)
    rig.run()
    rig.emit(ticket("page-6h"))
    rig.run(30)
    assert rig.pd_actions() == [("trigger", KEY)]
    assert len(rig.incidents_messages()) == 1


def test_a_permanent_error_is_rejected_surfaced_and_not_retried(rig: Rig) -> None:
    rig.slack.fail_next(1, error="channel_not_found", method="chat.postMessage")
    rig.emit(PAGE)
    rig.run()
    rejected = rig.store.rejected()
    assert [item.receiver for item in rejected] == ["slack-incidents"]
    assert "channel_not_found" in (rejected[0].last_error or "")
    posts = len(rig.slack.calls("chat.postMessage"))
    rig.run(600)
    assert len(rig.slack.calls("chat.postMessage")) == posts
    value = rig.metrics.notifications.labels("slack-incidents", "rejected")._value.get()
    assert value == 1


def test_without_credentials_receivers_only_log(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    policy = load_policy(REPO / "alerts" / "routing.yaml")
    dispatcher = Dispatcher(
        store.notifications, lambda: policy, build_senders(policy, status_page_url="", env={})
    )
    store.enqueue([PAGE])
    with caplog.at_level("INFO"):
        report = dispatcher.run_once()
    assert report.delivered == 2
    assert "receiver pagerduty-oncall is unconfigured" in caplog.text


def test_a_page_still_firing_after_its_repeat_interval_is_recalled_in_its_thread(rig: Rig) -> None:
    rig.emit(PAGE)
    rig.run()
    (message,) = rig.incidents_messages()
    rig.run(3 * 3600)
    assert rig.slack.thread("incidents", message["ts"]) == []
    rig.run(3600)  # 4 h after the page: the pages route's repeat interval
    (reply,) = rig.slack.thread("incidents", message["ts"])
    assert reply["text"].startswith("Still firing")
    assert rig.pd_actions() == [("trigger", KEY)], "PagerDuty escalates by itself"
    rig.run(60)
    assert len(rig.slack.thread("incidents", message["ts"])) == 1, "one reminder per interval"
    rig.emit(RESOLVE)
    rig.run(30)
    assert len(rig.incidents_messages()) == 1
    assert rig.pd_actions() == [("trigger", KEY), ("resolve", KEY)]


def test_two_dispatchers_on_one_database_deliver_each_notification_once(
    pg_store_url: str, store_engines, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    import threading

    store = Store(store_engines(pg_store_url))
    first = Rig(store, fake_pagerduty, fake_slack)
    second = first.make(first.env)
    for index in range(20):
        # One service each: a service's pages would share one incident.
        labels = {**PAGE.labels, "service": f"svc{index}", "route": f"/api/r{index}"}
        key = f"ftw/svc{index}/api-latency-p95/route=/api/r{index}/page-1h"
        first.emit(replace(PAGE, dedup_key=key, labels=labels))
    threads = [threading.Thread(target=d.run_once) for d in (first.dispatcher, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(3):
        first.run(1)
        second.run_once()
    keys = [event["dedup_key"] for event in fake_pagerduty.events()]
    expected = [f"ftw/svc{index}/page" for index in range(20)]
    assert sorted(keys) == sorted(expected)
    assert len(fake_slack.posted("incidents")) == 20


def test_rejected_notifications_are_listed_by_the_api(rig: Rig) -> None:
    from fastapi.testclient import TestClient

    from ftw_observe.api.app import create_app

    rig.slack.fail_next(1, error="channel_not_found", method="chat.postMessage")
    rig.emit(PAGE)
    rig.run()
    body = TestClient(create_app(store=rig.store, specs=[])).get("/api/notifications").json()
    assert body["depth"] == 0
    (rejected,) = body["rejected"]
    assert rejected["receiver"] == "slack-incidents"
    assert "channel_not_found" in rejected["error"]
    assert rejected["summary"] == PAGE.annotations["summary"]
