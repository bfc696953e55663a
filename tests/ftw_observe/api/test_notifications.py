"""`/api/notifications/sent`: which notification reached which receiver, and when."""

from __future__ import annotations

import shutil
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.model import Incident, Member, NotificationKind, OutboxState
from tests.ftw_observe.api.seed import Seeded, marketplace_specs
from tests.support.seed import notification, settle

PATH = "/api/notifications/sent"
SECOND = timedelta(seconds=1)


def _deliveries(seeded: Seeded) -> dict[str, int]:
    """Deliver three routed notifications, reject one, leave one pending; return ids by key."""
    store, now = seeded.store, seeded.now
    notes = store.notifications
    page = notification(
        "ftw/marketplace/api-availability//page",
        now - 60 * SECOND,
        annotations={"summary": "Budget burns 14.4x", "runbook_url": "https://runbooks/x"},
    )
    resolve = notification(
        "am/50%_off", now, kind=NotificationKind.RESOLVE, annotations={}, source="alertmanager"
    )
    store.enqueue([page], receiver="slack-incidents")
    store.enqueue([resolve, notification("am/50xyoff", now)], receiver="pagerduty")
    store.enqueue([notification("ftw/refused", now)], receiver="slack-incidents")
    staged = notes.claim(now + 60 * SECOND, 100, routed=False)  # the seeded cycle's, unrouted
    claimed = notes.claim(now + 60 * SECOND, 100, routed=True)
    ids = {item.notification.dedup_key: item.id for item in claimed}
    sent = OutboxState.SENT
    secret = {"ts": "1.0", "token": "xoxb-secret"}
    settle(store, ids[page.dedup_key], sent, now - 30 * SECOND, delivery=secret)
    settle(store, ids["am/50%_off"], sent, now, delivery={"routing_key": "R0UT1NGKEY"})
    settle(store, ids["am/50xyoff"], sent, now + SECOND)
    settle(store, ids["ftw/refused"], OutboxState.REJECTED, now, error="channel_not_found")
    routed = staged[0]
    notes.settle_routing(
        routed,
        [Incident(routed.notification.dedup_key)],
        [],
        at=now + 2 * SECOND,
        outcome={"routed": ["slack-incidents"]},
    )
    store.enqueue([notification("ftw/pending", now)], receiver="slack-incidents")
    return ids


def test_sent_lists_each_delivery_with_its_receiver_newest_first(
    client: TestClient, seeded: Seeded
):
    ids = _deliveries(seeded)

    response = client.get(PATH)

    assert response.status_code == 200
    sent = response.json()["sent"]
    assert [(item["dedup_key"], item["receiver"]) for item in sent] == [
        ("am/50xyoff", "pagerduty"),
        ("am/50%_off", "pagerduty"),
        ("ftw/marketplace/api-availability//page", "slack-incidents"),
    ]
    assert sent[2] == {
        "id": ids["ftw/marketplace/api-availability//page"],
        "dedup_key": "ftw/marketplace/api-availability//page",
        "kind": "trigger",
        "receiver": "slack-incidents",
        "source": "engine",
        "created_at": (seeded.now - 60 * SECOND).isoformat().replace("+00:00", "Z"),
        "sent_at": (seeded.now - 30 * SECOND).isoformat().replace("+00:00", "Z"),
        "summary": "Budget burns 14.4x",
        "labels": {"service": "marketplace", "severity": "page"},
    }
    assert (sent[1]["kind"], sent[1]["source"], sent[1]["summary"]) == (
        "resolve",
        "alertmanager",
        None,
    )
    assert "secret" not in response.text  # receiver data is never shown
    assert "R0UT1NGKEY" not in response.text


def test_sent_filters_by_time_prefix_and_count(client: TestClient, seeded: Seeded):
    _deliveries(seeded)

    def keys(**params: str | int) -> list[str]:
        response = client.get(PATH, params=params)
        assert response.status_code == 200, response.text
        return [item["dedup_key"] for item in response.json()["sent"]]

    now = seeded.now
    assert keys(since=now.isoformat()) == ["am/50xyoff", "am/50%_off"]
    assert keys(since=now.replace(tzinfo=None).isoformat()) == ["am/50xyoff", "am/50%_off"]
    in_new_york = now.astimezone(timezone(timedelta(hours=-5)))
    assert keys(since=(in_new_york + SECOND).isoformat()) == ["am/50xyoff"]
    assert keys(dedup_key_prefix="am/50%_") == ["am/50%_off"]
    assert keys(dedup_key_prefix="am/") == ["am/50xyoff", "am/50%_off"]
    assert keys(dedup_key_prefix="ftw/refused") == []
    assert keys(limit=1) == ["am/50xyoff"]
    assert keys(limit=1000, dedup_key_prefix="ftw/", since=(now - 60 * SECOND).isoformat()) == [
        "ftw/marketplace/api-availability//page"
    ]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, params: dict[str, str | int], name: str
):
    response = client.get(PATH, params=params)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


def test_sent_answers_503_when_the_database_is_gone(client: TestClient, seeded: Seeded):
    shutil.rmtree(Path(seeded.url.removeprefix("sqlite:///")).parent)
    seeded.store.engine.dispose()

    response = client.get(PATH)

    assert response.status_code == 503
    assert response.json()["detail"].startswith("the store's database does not answer")


def test_openapi_documents_sent_without_receiver_data(seeded: Seeded):
    with TestClient(create_app(store=seeded.store, specs=marketplace_specs())) as client:
        document = client.get("/openapi.json").json()

    operation = document["paths"][PATH]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/SentList")
    assert "503" in operation["responses"]
    assert "422" in operation["responses"]
    assert operation["summary"]
    assert operation["description"]
    parameters = {item["name"]: item for item in operation["parameters"]}
    assert set(parameters) == {"since", "dedup_key_prefix", "limit"}
    assert all(item["description"] for item in parameters.values())
    assert parameters["limit"]["schema"]["maximum"] == 1000
    fields = document["components"]["schemas"]["SentOut"]["properties"]
    assert set(fields) == {
        "id",
        "dedup_key",
        "kind",
        "receiver",
        "source",
        "created_at",
        "sent_at",
        "summary",
        "labels",
    }
    assert all(field.get("description") for field in fields.values())


def test_firing_lists_the_alerts_the_router_sees_firing_and_what_mutes_them(
    client: TestClient, seeded: Seeded
):
    notes = seeded.store.notifications
    (routed, *_) = notes.claim(seeded.now, 100, routed=False)  # the seeded cycle's
    labels = {"alertname": "HostHighDiskUsage", "service": "host", "severity": "warning"}
    muted = Incident(
        "am/disk",
        state="muted",
        members={"am/disk": Member({"alertmanager": "firing"}, labels)},
        labels=labels,
        muted_by="silence 1234",
    )
    notes.settle_routing(routed, [muted], [], at=seeded.now, outcome={})
    over = Incident("am/over", members={"am/over": Member({"alertmanager": "resolved"})})
    notes.settle_routing(routed, [over], [], at=seeded.now, outcome={})

    response = client.get("/api/notifications/firing")

    assert response.status_code == 200
    assert response.json() == {
        "firing": [
            {
                "dedup_key": "am/disk",
                "incident": "am/disk",
                "state": "muted",
                "muted_by": "silence 1234",
                "sources": {"alertmanager": "firing"},
                "receivers": [],
                "labels": labels,
                "opened_at": None,
            }
        ]
    }
