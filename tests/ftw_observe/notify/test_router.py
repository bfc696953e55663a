"""One outage, one page: incidents through the outbox to fake PagerDuty and Slack."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from ftw_observe.budget import Status
from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.matching.silences import new_silence
from ftw_observe.model import (
    ACTIVE_SINCE,
    EngineHealth,
    Evaluation,
    InstanceKey,
    Notification,
    NotificationKind,
    WindowBurn,
)
from ftw_observe.notify.recovery import Recovery
from ftw_observe.store import Store
from tests.ftw_observe.store.data import LEGACY_PAGE, legacy_incidents
from tests.support.dispatch import Rig
from tests.support.notifications import burn_notification

JOBS = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/jobs"),))
PAGE_KEY = "ftw/marketplace/page"
TICKET_KEY = "ftw/marketplace/api-latency-p95/route=/api/jobs/ticket"
SEVERITY = {"page-1h": "page", "page-6h": "page", "ticket-1d": "ticket", "ticket-3d": "ticket"}
MINUTE = 60


def alert(
    tier: str, kind: NotificationKind = NotificationKind.TRIGGER, source: str = "engine"
) -> Notification:
    base = burn_notification(kind)
    labels = {**base.labels, "tier": tier, "severity": SEVERITY[tier]}
    key = base.dedup_key.removesuffix("page-1h") + tier
    return replace(base, dedup_key=key, labels=labels, source=source)


def fires(rig: Rig, tier: str, source: str = "engine", after: float = 0.0) -> None:
    """Raise a tier's trigger now, route and deliver it, then let `after` seconds pass."""
    rig.emit(alert(tier, source=source))
    rig.run()
    rig.run(after)


def resolves(rig: Rig, tier: str, source: str = "engine", after: float = 0.0) -> None:
    """Raise a tier's resolve now, route and deliver it, then let `after` seconds pass."""
    rig.emit(alert(tier, NotificationKind.RESOLVE, source))
    rig.run()
    rig.run(after)


def evaluated(rig: Rig, burn_5m: float, minutes: int) -> None:
    """Save one evaluation a minute for the last `minutes`, each with this 5m burn rate."""
    now = rig.clock()
    evaluations = [
        Evaluation(
            key=JOBS,
            evaluated_at=now - timedelta(minutes=minutes - index),
            status=Status.BURNING,
            objective=95.0,
            period_seconds=30 * 86_400,
            sli=None,
            errors=None,
            events=None,
            remaining=None,
            remaining_minutes=None,
            seconds_to_exhaustion=None,
            windows=(WindowBurn("5m", 0.0, 1000.0, 0.0, burn_5m),),
        )
        for index in range(minutes + 1)
    ]
    rig.store.save_cycle(
        evaluations=evaluations, states=[], transitions=[], notifications=[], health=EngineHealth()
    )


@pytest.fixture
def early(store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack) -> Rig:
    """A rig whose router resolves an outage once its 5m window stays clean for 10 minutes."""
    return Rig(store, fake_pagerduty, fake_slack, recovery=Recovery(hold=timedelta(minutes=10)))


def test_tiers_in_any_order_page_once_and_resolve_with_the_last(rig: Rig) -> None:
    fires(rig, "page-6h")
    fires(rig, "page-1h", after=30)
    resolves(rig, "page-6h", after=30)
    assert rig.pd_actions() == [("trigger", PAGE_KEY)]
    resolves(rig, "page-1h", after=30)

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    (message,) = rig.incidents_messages()
    assert len(rig.slack.thread("incidents", message["ts"])) == 1


def test_the_slower_tier_alertmanager_reveals_joins_the_page(rig: Rig) -> None:
    # Alertmanager inhibits page-6h while page-1h fires, and sends it once page-1h resolved.
    fires(rig, "page-1h", source="alertmanager")
    resolves(rig, "page-1h", source="alertmanager")
    fires(rig, "page-6h", source="alertmanager", after=11)
    rig.run(30 * MINUTE)
    assert rig.pd_actions() == [("trigger", PAGE_KEY)]
    resolves(rig, "page-6h", source="alertmanager")

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    assert len(rig.incidents_messages()) == 1


def test_alertmanager_alone_resolves_once_no_hidden_tier_came(rig: Rig) -> None:
    fires(rig, "page-1h", source="alertmanager")
    resolves(rig, "page-1h", source="alertmanager", after=59)
    assert rig.pd_actions() == [("trigger", PAGE_KEY)]

    rig.run(2)

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]


def test_the_engine_reports_every_tier_so_its_resolve_waits_for_nothing(rig: Rig) -> None:
    fires(rig, "page-1h")
    resolves(rig, "page-1h")

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]


def test_a_page_supersedes_the_open_ticket_of_its_instance(rig: Rig) -> None:
    fires(rig, "ticket-1d")
    (ticket,) = rig.slack.posted("slo-alerts")

    fires(rig, "page-1h", after=30)

    assert rig.pd_actions() == [("trigger", PAGE_KEY)]
    assert len(rig.incidents_messages()) == 1
    (note,) = rig.slack.thread("slo-alerts", ticket["ts"])
    assert "Superseded" in note["text"]
    assert PAGE_KEY in note["text"]
    (update,) = rig.slack.calls("chat.update")
    assert update["ts"] == ticket["ts"]
    assert "Superseded by a page" in update["text"]


def test_a_superseded_ticket_does_not_come_back_when_the_page_resolves(rig: Rig) -> None:
    fires(rig, "ticket-1d")
    fires(rig, "page-1h", after=30)
    resolves(rig, "page-1h", after=30 * MINUTE)
    resolves(rig, "ticket-1d", after=30 * MINUTE)

    kinds = [
        item.notification.kind.value
        for item in rig.store.sent()
        if item.receiver == "slack-slo-alerts"
    ]
    assert sorted(kinds) == ["supersede", "trigger"]
    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]


def test_ticket_tiers_that_fire_during_a_page_are_its_tail(rig: Rig) -> None:
    fires(rig, "page-1h")
    fires(rig, "ticket-1d", after=30)
    resolves(rig, "page-1h", after=90 * MINUTE)
    resolves(rig, "ticket-1d", after=60 * MINUTE)

    assert rig.slack.posted("slo-alerts") == []
    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]


def test_a_tail_still_firing_one_short_window_on_is_a_burn_of_its_own(rig: Rig) -> None:
    fires(rig, "page-1h")
    fires(rig, "ticket-1d", after=30)
    resolves(rig, "page-1h", after=119 * MINUTE)
    assert rig.slack.posted("slo-alerts") == []

    rig.run(2 * MINUTE)  # ticket-1d's short window (2h) since the page ended

    (ticket,) = rig.slack.posted("slo-alerts")
    assert "TICKET" in ticket["text"]


def test_a_ticket_alertmanager_reveals_after_the_page_is_its_tail(rig: Rig) -> None:
    fires(rig, "page-1h", source="alertmanager")
    fires(rig, "page-6h", source="alertmanager")
    resolves(rig, "page-1h", source="alertmanager")
    resolves(rig, "page-6h", source="alertmanager", after=30)
    fires(rig, "ticket-1d", source="alertmanager", after=30)  # no longer inhibited
    resolves(rig, "ticket-1d", source="alertmanager", after=90 * MINUTE)

    assert rig.slack.posted("slo-alerts") == []


def burned(rig: Rig, since: timedelta, burns_1h: list[float], errors: list[float]) -> None:
    """Save one evaluation a minute from `since` ago: a 1h burn rate and the period's errors."""
    now = rig.clock()
    evaluations = [
        Evaluation(
            key=JOBS,
            evaluated_at=now - since + timedelta(minutes=index),
            status=Status.BURNING,
            objective=99.9,
            period_seconds=30 * 86_400,
            sli=None,
            errors=counted,
            events=1_000_000.0,  # at 99.9 %, a budget of 1,000 errors
            remaining=None,
            remaining_minutes=None,
            seconds_to_exhaustion=None,
            windows=(WindowBurn("1h", None, None, None, burn),),
        )
        for index, (burn, counted) in enumerate(zip(burns_1h, errors, strict=True))
    ]
    rig.store.save_cycle(
        evaluations=evaluations, states=[], transitions=[], notifications=[], health=EngineHealth()
    )


def test_the_page_says_since_when_and_the_resolve_what_the_outage_was(rig: Rig) -> None:
    trigger = alert("page-1h")
    since = (rig.clock() - timedelta(minutes=2)).isoformat()
    rig.emit(replace(trigger, annotations={**trigger.annotations, ACTIVE_SINCE: since}))
    rig.run(47 * MINUTE)
    burns = [0.0, 0.0, 12.0, 31.2, 25.0] + [5.0] * 46
    burned(rig, timedelta(minutes=50), burns, [100.0] * 2 + [250.0] * 48 + [400.0])
    resolves(rig, "page-1h")

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    (message,) = rig.incidents_messages()
    assert message["text"] == (
        ":white_check_mark: Resolved after 49m: marketplace api-latency-p95 (route=/api/jobs)"
    )
    shown = json.dumps(message["blocks"])
    for expected in [
        "*Started*\\n2026-11-01 11:58:00 UTC",
        "*Ended*\\n2026-11-01 12:47:00 UTC",
        "*Duration*\\n49m",
        "peak burn 31.20x over 1h at 12:00:00 UTC",
        "30.00% of its 30d error budget consumed (300 errors)",
    ]:
        assert expected in shown
    (reply,) = rig.slack.thread("incidents", message["ts"])
    assert "after 49m (started 2026-11-01 11:58:00 UTC)" in reply["text"]
    assert "30.00% of its 30d error budget consumed" in reply["text"]


def test_the_page_says_since_when_its_slo_burns(rig: Rig) -> None:
    trigger = alert("page-1h")
    since = (rig.clock() - timedelta(minutes=2)).isoformat()
    rig.emit(replace(trigger, annotations={**trigger.annotations, ACTIVE_SINCE: since}))
    rig.run()

    (message,) = rig.incidents_messages()
    shown = json.dumps(message["blocks"])
    assert "Burning since 2026-11-01 11:58:00 UTC (2m before this message)" in shown
    (event,) = rig.pagerduty.events()
    assert event["payload"]["custom_details"]["since"].startswith("Burning since 2026-11-01")


def test_an_outage_over_resolves_once_its_fast_window_stays_clean(early: Rig) -> None:
    fires(early, "page-1h")
    fires(early, "page-6h")
    resolves(early, "page-1h", after=9 * MINUTE)
    evaluated(early, 0.0, minutes=9)
    early.run()
    assert early.pd_actions() == [("trigger", PAGE_KEY)]

    early.run(MINUTE)
    evaluated(early, 0.0, minutes=10)
    early.run()

    assert early.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    (message,) = early.incidents_messages()
    (reply,) = early.slack.thread("incidents", message["ts"])
    assert "clean for 10m" in reply["text"]
    assert "page-6h" in reply["text"]
    resolves(early, "page-6h", after=20 * MINUTE)
    assert len(early.pagerduty.events()) == 2, "page-6h's end is the outage's tail"


def test_no_early_resolve_while_the_fast_window_burns_for_the_slower_tier(early: Rig) -> None:
    fires(early, "page-1h")
    fires(early, "page-6h")
    resolves(early, "page-1h", after=15 * MINUTE)
    evaluated(early, 10.0, minutes=15)  # 1 % errors: under page-1h's 14.4, over page-6h's 6
    early.run()

    assert early.pd_actions() == [("trigger", PAGE_KEY)]


def test_a_tail_still_firing_one_short_window_after_an_early_resolve_pages_again(
    early: Rig,
) -> None:
    fires(early, "page-1h")
    fires(early, "page-6h")
    resolves(early, "page-1h", after=10 * MINUTE)
    evaluated(early, 0.0, minutes=10)
    early.run()
    early.run(29 * MINUTE)
    assert early.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]

    early.run(2 * MINUTE)  # page-6h's short window (30m) since the resolve

    assert [action for action, _ in early.pd_actions()] == ["trigger", "resolve", "trigger"]


def test_a_fast_tier_firing_again_after_an_early_resolve_pages_again(early: Rig) -> None:
    fires(early, "page-1h")
    fires(early, "page-6h")
    resolves(early, "page-1h", after=10 * MINUTE)
    evaluated(early, 0.0, minutes=10)
    early.run(MINUTE)

    fires(early, "page-1h")

    assert [action for action, _ in early.pd_actions()] == ["trigger", "resolve", "trigger"]


def test_a_silenced_fast_tier_keeps_the_slower_one_muted_until_it_ends(rig: Rig) -> None:
    now = rig.clock()
    rig.store.add_silence(
        new_silence(
            ["tier=page-1h"],
            author="sre",
            reason="known",
            starts_at=now,
            ends_at=now + timedelta(minutes=10),
            now=now,
        )
    )
    fires(rig, "page-1h")
    fires(rig, "page-6h", after=MINUTE)
    assert rig.pd_actions() == []

    rig.run(10 * MINUTE)

    assert rig.pd_actions() == [("trigger", PAGE_KEY)]


def test_a_restarted_router_finds_the_open_incident(rig: Rig) -> None:
    fires(rig, "page-1h")
    restarted = rig.make(rig.env)

    rig.emit(alert("page-6h", source="alertmanager"))
    rig.clock.advance(30)
    restarted.run_once()

    assert rig.pd_actions() == [("trigger", PAGE_KEY)]


def test_threshold_alerts_remain_incidents_of_their_own(rig: Rig) -> None:
    for host in ("db1", "db2"):
        labels = {"alertname": "HostDown", "severity": "critical", "instance": host}
        rig.emit(
            Notification(
                f"am/HostDown/instance={host}",
                NotificationKind.TRIGGER,
                rig.clock(),
                labels,
                {},
                "alertmanager",
            )
        )
    rig.run()

    assert sorted(key for _, key in rig.pd_actions()) == [
        "am/HostDown/instance=db1",
        "am/HostDown/instance=db2",
    ]


def test_an_incident_opened_before_the_upgrade_keeps_its_key_to_the_end(
    tmp_path, store_engines, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    legacy_incidents(url)
    rig = Rig(Store(store_engines(url)), fake_pagerduty, fake_slack)

    def job_posting(tier: str, kind: NotificationKind, source: str) -> Notification:
        base = alert(tier, kind, source)
        labels = {**base.labels, "slo": "job-posting-availability"}
        labels.pop("route")
        key = f"ftw/marketplace/job-posting-availability//{tier}"
        return replace(base, dedup_key=key, labels=labels)

    rig.emit(job_posting("page-6h", NotificationKind.TRIGGER, "alertmanager"))
    for tier, source in [
        ("page-1h", "engine"),
        ("page-1h", "alertmanager"),
        ("page-6h", "engine"),
        ("page-6h", "alertmanager"),
    ]:
        rig.emit(job_posting(tier, NotificationKind.RESOLVE, source))
    rig.run()

    assert rig.pd_actions() == [("resolve", LEGACY_PAGE)]
