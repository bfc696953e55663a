"""Prometheus unreadable and the watchdog missing: one incident, one page, one resolve."""

from __future__ import annotations

from ftw_observe.model import Notification, NotificationKind
from ftw_observe.rules import names
from tests.support.dispatch import T0, Rig

CHAIN = names.META_KEY.dedup_key  # the key receivers see, whichever alert opened it
ALERTS = {
    "meta": (names.META_KEY.dedup_key, names.META_ALERT_LABELS),
    "watchdog": (names.WATCHDOG_MISSING_KEY.dedup_key, names.WATCHDOG_MISSING_LABELS),
}


def alert(name: str, kind: NotificationKind) -> Notification:
    key, labels = ALERTS[name]
    notes = {"summary": f"{name} summary", "runbook_url": names.engine_runbook(labels["alertname"])}
    return Notification(key, kind, T0, dict(labels), notes)


def fires(rig: Rig, *alerts: str) -> None:
    for name in alerts:
        rig.emit(alert(name, NotificationKind.TRIGGER))
    rig.run(30)


def resolves(rig: Rig, name: str) -> None:
    rig.emit(alert(name, NotificationKind.RESOLVE))
    rig.run(30)


def test_meta_first_then_the_watchdog_pages_once_and_resolves_with_the_last(rig: Rig) -> None:
    fires(rig, "meta")
    fires(rig, "watchdog")
    resolves(rig, "meta")
    assert rig.pd_actions() == [("trigger", CHAIN)]

    resolves(rig, "watchdog")

    assert rig.pd_actions() == [("trigger", CHAIN), ("resolve", CHAIN)]
    (message,) = rig.incidents_messages()
    thread = rig.slack.thread("incidents", message["ts"])
    kinds = [m["metadata"]["event_payload"]["kind"] for m in thread]
    assert kinds == ["join", "resolve"], "the watchdog's silence is said in the thread"


def test_watchdog_first_then_meta_pages_once_and_resolves_with_the_last(rig: Rig) -> None:
    fires(rig, "watchdog")
    fires(rig, "meta")
    resolves(rig, "watchdog")
    assert rig.pd_actions() == [("trigger", CHAIN)]

    resolves(rig, "meta")

    assert rig.pd_actions() == [("trigger", CHAIN), ("resolve", CHAIN)]
    assert len(rig.incidents_messages()) == 1


def test_both_at_once_page_once(rig: Rig) -> None:
    fires(rig, "meta", "watchdog")
    resolves(rig, "watchdog")
    resolves(rig, "meta")

    assert rig.pd_actions() == [("trigger", CHAIN), ("resolve", CHAIN)]
    assert len(rig.incidents_messages()) == 1


def test_the_page_shows_the_alert_that_opened_it(rig: Rig) -> None:
    fires(rig, "watchdog")
    fires(rig, "meta")

    (event,) = rig.pagerduty.events()
    assert event["payload"]["summary"].startswith("watchdog summary")


def test_after_both_cleared_a_missing_watchdog_alone_pages_again(rig: Rig) -> None:
    fires(rig, "meta", "watchdog")
    resolves(rig, "meta")
    resolves(rig, "watchdog")

    fires(rig, "watchdog")

    assert rig.pd_actions() == [("trigger", CHAIN), ("resolve", CHAIN), ("trigger", CHAIN)]
