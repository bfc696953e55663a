"""Inboxes: what the engine delivered, read from its API; what Alertmanager posted itself."""

from __future__ import annotations

from datetime import timedelta

from ftw_observe.demo.inbox import (
    EngineOutboxInbox,
    Receipt,
    from_alertmanager,
    pagerduty_receipt,
    slack_receipt,
)
from ftw_observe.model import NotificationKind, OutboxState
from tests.ftw_observe.conftest import Server
from tests.support.alertmanager import (
    GROUP_HASH,
    alertmanager_pagerduty_event,
    alertmanager_slack_post,
)
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


def test_alertmanagers_own_slack_posts_are_receipts_keyed_by_their_group() -> None:
    post = alertmanager_slack_post()
    call = {"method": "chat.postMessage", "ok": True, "received_at": 3.0, "params": post}
    resolved = {**call, "received_at": 9.0, "params": alertmanager_slack_post("resolved")}

    trigger, resolve = slack_receipt(call), slack_receipt(resolved)

    assert trigger == Receipt(
        receiver="slack #incidents",
        kind="trigger",
        dedup_key="alertmanager/ftw-observe/page",
        at=3.0,
        text="[FIRING] FTW Observe page: FTWObserveEngineDown",
        message=True,
        sender="alertmanager",
    )
    assert resolve is not None
    assert (resolve.kind, resolve.dedup_key, resolve.message) == (
        "resolve",
        "alertmanager/ftw-observe/page",
        False,
    )


def test_a_post_with_attachments_of_someone_else_is_no_receipt() -> None:
    post = alertmanager_slack_post()
    post["attachments"][0]["callback_id"] = "deploy-bot"
    call = {"method": "chat.postMessage", "ok": True, "params": post}

    assert slack_receipt(call) is None


def test_receipts_tell_alertmanager_from_the_engine() -> None:
    pagerduty = pagerduty_receipt(
        {"received_at": 1.0, "event": alertmanager_pagerduty_event("trigger")}
    )
    slack = slack_receipt(
        {"method": "chat.postMessage", "ok": True, "params": alertmanager_slack_post()}
    )
    engine = pagerduty_receipt({"event": {"event_action": "trigger", "dedup_key": KEY}})

    assert pagerduty.dedup_key == GROUP_HASH
    assert slack is not None
    assert from_alertmanager(pagerduty)
    assert from_alertmanager(slack)
    assert not from_alertmanager(engine)
