"""Drills against real receivers read what the engine delivered from its API."""

from __future__ import annotations

from datetime import timedelta

from ftw_observe.demo.inbox import EngineOutboxInbox
from ftw_observe.model import Notification, NotificationKind
from tests.ftw_observe.conftest import Server

KEY = "ftw/marketplace/job-posting-availability//page-1h"


def _deliver(server: Server, key: str, kind: NotificationKind, after: timedelta) -> None:
    store, now = server.seeded.store, server.seeded.now
    notes = {"summary": f"{key} {kind.value}"}
    store.enqueue([Notification(key, kind, now + after, {}, notes)], receiver="pagerduty-oncall")
    for item in store.claim_due(now + after + timedelta(minutes=1), 100):
        if item.receiver and item.notification.dedup_key == key:
            store.mark_sent(item.id, at=now + after)


def test_the_engine_outbox_lists_the_drill_page_and_resolve_oldest_first(server: Server) -> None:
    _deliver(server, KEY, NotificationKind.TRIGGER, timedelta(seconds=10))
    _deliver(server, KEY, NotificationKind.RESOLVE, timedelta(seconds=300))
    _deliver(
        server,
        "ftw/marketplace/api-availability//page-1h",
        NotificationKind.TRIGGER,
        timedelta(seconds=20),
    )
    inbox = EngineOutboxInbox(
        server.url,
        dedup_key_prefix="ftw/marketplace/job-posting-availability/",
        since=server.seeded.now,
    )

    receipts = inbox.receipts()

    assert [(r.kind, r.receiver, r.message) for r in receipts] == [
        ("trigger", "pagerduty-oncall", True),
        ("resolve", "pagerduty-oncall", False),
    ]
    assert receipts[1].at - receipts[0].at == 290
    assert receipts[0].text == f"{KEY} trigger"
