"""Drills against real receivers read what the engine delivered from its API."""

from __future__ import annotations

from datetime import timedelta

from ftw_observe.demo.inbox import EngineOutboxInbox
from ftw_observe.model import NotificationKind, OutboxState
from tests.ftw_observe.conftest import Server
from tests.support.seed import notification, settle

KEY = "ftw/marketplace/job-posting-availability//page-1h"


def _deliver(server: Server, key: str, kind: NotificationKind, after: timedelta) -> None:
    store, now = server.seeded.store, server.seeded.now
    summary = {"summary": f"{key} {kind.value}"}
    queued = notification(key, now + after, kind=kind, annotations=summary)
    store.enqueue([queued], receiver="pagerduty-oncall")
    for item in store.notifications.claim(now + after + timedelta(minutes=1), 100, routed=True):
        if item.notification.dedup_key == key:
            settle(store, item.id, OutboxState.SENT, now + after)


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
