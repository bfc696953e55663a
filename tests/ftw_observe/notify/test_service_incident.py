"""One outage of a service, one page: its SLOs' page tiers and critical thresholds share it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import yaml

from ftw_observe.matching.silences import new_silence
from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify.alertmanager import dedup_key
from ftw_observe.notify.policy_file import load_policy
from tests.support.dispatch import REPO, Rig
from tests.support.notifications import burn_notification

PAGE_KEY = "ftw/marketplace/page"
TRIGGER, RESOLVE = NotificationKind.TRIGGER, NotificationKind.RESOLVE
SEVERITY = {"page-1h": "page", "page-6h": "page", "ticket-1d": "ticket", "ticket-3d": "ticket"}


def burn(slo: str, tier: str, kind: NotificationKind = TRIGGER, **extra: str) -> Notification:
    """Return the engine's notification of one tier of one SLO of the marketplace."""
    base = burn_notification(kind)
    labels = {**base.labels, "slo": slo, "tier": tier, "severity": SEVERITY[tier], **extra}
    labels.pop("route")
    summary = f"marketplace {slo}: error budget burning too fast ({tier})"
    annotations = {**base.annotations, "summary": summary}
    key = f"ftw/marketplace/{slo}//{tier}"
    return replace(base, dedup_key=key, labels=labels, annotations=annotations)


def threshold(
    kind: NotificationKind = TRIGGER,
    severity: str = "critical",
    alertname: str = "MarketplaceHighErrorRatio",
) -> Notification:
    """Return Alertmanager's notification of one level of a marketplace threshold alert."""
    labels = {"alertname": alertname, "severity": severity}
    labels |= {"service": "marketplace", "job": "marketplace"}
    annotations = {"summary": "Marketplace 5xx ratio of job marketplace is 20% (above 5%)"}
    key = dedup_key(labels, lambda service, slo: None)
    return Notification(key, kind, burn_notification().created_at, labels, annotations, "am")


def step(rig: Rig, notification: Notification, after: float = 30.0) -> None:
    """Raise a notification now, route and deliver it, then let `after` seconds pass."""
    rig.emit(notification)
    rig.run()
    rig.run(after)


def test_the_pages_of_two_slos_of_a_service_page_once(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, burn("api-availability", "page-1h"))
    step(rig, burn("api-availability", "page-6h"))

    assert rig.pd_actions() == [("trigger", PAGE_KEY)]
    (message,) = rig.incidents_messages()
    assert "job-posting-availability" in message["text"], "shown as the alert that opened it"


def test_the_incident_resolves_when_the_last_slo_stops_firing(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, burn("api-availability", "page-1h"))
    step(rig, burn("job-posting-availability", "page-1h", RESOLVE))

    assert rig.pd_actions() == [("trigger", PAGE_KEY)], "api-availability still burns"

    step(rig, burn("api-availability", "page-1h", RESOLVE))

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    (message,) = rig.incidents_messages()
    kinds = [
        m["metadata"]["event_payload"]["kind"] for m in rig.slack.thread("incidents", message["ts"])
    ]
    assert kinds == ["join", "resolve"]


def test_a_critical_threshold_of_the_service_joins_its_page(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, threshold())
    step(rig, burn("job-posting-availability", "page-1h", RESOLVE))
    step(rig, threshold(RESOLVE))

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    assert len(rig.incidents_messages()) == 1


def test_a_threshold_that_fires_first_opens_the_page_the_slos_join(rig: Rig) -> None:
    step(rig, threshold())
    step(rig, burn("api-availability", "page-1h"))

    assert rig.pd_actions() == [("trigger", PAGE_KEY)]
    (message,) = rig.incidents_messages()
    assert "5xx ratio" in message["text"]


def test_another_services_page_is_paged_on_its_own(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    payouts = burn("payouts-same-day", "page-1h", service="payments")
    step(rig, replace(payouts, dedup_key="ftw/payments/payouts-same-day//page-1h"))

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("trigger", "ftw/payments/page")]


def test_an_alert_that_reaches_another_receiver_pages_it_alone_under_the_same_key(
    rig: Rig, tmp_path: Path
) -> None:
    policy = yaml.safe_load((REPO / "alerts" / "routing.yaml").read_text(encoding="utf-8"))
    policy["receivers"]["slack-payments"] = {"slack": {"channel": "#payments"}}
    route = {"match": {"slo": "payout-success"}, "receivers": ["slack-payments"]}
    policy["routes"].insert(0, {**route, "continue": True})
    (tmp_path / "routing.yaml").write_text(yaml.safe_dump(policy), encoding="utf-8")
    rig.policy = load_policy(tmp_path / "routing.yaml")
    rig.dispatcher = rig.make(rig.env)
    rig.slack.channels["payments"] = "C0PAYMENTS"

    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, burn("payout-success", "page-1h"))
    step(rig, burn("payout-success", "page-6h"))
    step(rig, burn("job-posting-availability", "page-1h", RESOLVE))
    step(rig, burn("payout-success", "page-1h", RESOLVE))
    step(rig, burn("payout-success", "page-6h", RESOLVE))

    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)]
    (message,) = rig.slack.posted("payments")
    posts = [c for c in rig.slack.calls("chat.postMessage") if c["channel"] == "#payments"]
    assert "payout-success" in posts[0]["text"], "told what reached it"
    assert len(rig.slack.thread("payments", message["ts"])) == 1, "and when it is over"
    assert len(rig.incidents_messages()) == 1


def test_a_page_that_joins_supersedes_the_open_ticket_of_its_slo(rig: Rig) -> None:
    step(rig, burn("api-availability", "ticket-1d"))
    step(rig, burn("api-latency-p50", "ticket-3d"))
    tickets = {m["text"]: m["ts"] for m in rig.slack.posted("slo-alerts")}
    step(rig, burn("job-posting-availability", "page-1h"))

    step(rig, burn("api-availability", "page-1h"))

    superseded = [text for text, ts in tickets.items() if rig.slack.thread("slo-alerts", ts)]
    assert len(superseded) == 1
    assert "api-availability" in superseded[0], "the SLO that joined the page, not another"
    assert rig.pd_actions() == [("trigger", PAGE_KEY)]


def test_another_slo_joining_is_said_in_the_pages_thread(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, burn("api-availability", "page-1h"))

    (message,) = rig.incidents_messages()
    (note,) = rig.slack.thread("incidents", message["ts"])
    assert note["text"].startswith("Also firing: ")
    assert "api-availability" in note["text"]
    assert rig.pd_actions() == [("trigger", PAGE_KEY)], "no second page"


def test_a_slower_tier_of_an_slo_already_in_the_page_joins_without_a_word(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, burn("job-posting-availability", "page-6h"))

    (message,) = rig.incidents_messages()
    assert rig.slack.thread("incidents", message["ts"]) == []


def test_a_silenced_alert_joins_without_a_word(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    now = rig.clock()
    rig.store.add_silence(
        new_silence(
            ["slo=api-availability"],
            author="sre",
            reason="known: api gateway migration",
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            now=now,
        )
    )

    step(rig, burn("api-availability", "page-1h"))

    (message,) = rig.incidents_messages()
    assert rig.slack.thread("incidents", message["ts"]) == []


def test_a_critical_that_joins_the_page_supersedes_its_warning_twin(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, threshold(severity="warning"))
    step(rig, threshold(severity="warning", alertname="MarketplaceHighP95Latency"))

    step(rig, threshold())

    twin, other = rig.slack.posted("slo-alerts")
    assert "Superseded by a page" in twin["text"]
    assert "Superseded" not in other["text"], "another threshold is news of its own"
    assert rig.pd_actions() == [("trigger", PAGE_KEY)]


def test_a_superseded_warning_resolves_in_silence_as_the_pages_tail(rig: Rig) -> None:
    step(rig, threshold(severity="warning"))
    step(rig, threshold())
    step(rig, threshold(RESOLVE))
    step(rig, threshold(RESOLVE, severity="warning"))

    (twin,) = rig.slack.posted("slo-alerts")
    assert [
        m["metadata"]["event_payload"]["kind"] for m in rig.slack.thread("slo-alerts", twin["ts"])
    ] == ["supersede"]


def test_a_superseded_warning_firing_long_after_its_page_is_news_again(rig: Rig) -> None:
    step(rig, threshold(severity="warning"))
    step(rig, threshold())
    step(rig, threshold(RESOLVE))

    rig.run(31 * 60)

    first, again = rig.slack.posted("slo-alerts")
    assert "Superseded by a page" in first["text"]
    assert "5xx ratio" in again["text"]
    assert "Superseded" not in again["text"]


def test_an_alert_that_flaps_within_the_page_is_said_once(rig: Rig) -> None:
    step(rig, burn("job-posting-availability", "page-1h"))
    step(rig, threshold())
    step(rig, threshold(RESOLVE))
    step(rig, threshold())

    (message,) = rig.incidents_messages()
    kinds = [
        m["metadata"]["event_payload"]["kind"] for m in rig.slack.thread("incidents", message["ts"])
    ]
    assert kinds == ["join"]
