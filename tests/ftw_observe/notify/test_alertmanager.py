"""Alertmanager's payload: each alert judged on its own, valid ones queued with their identity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ftw_observe.model import ACTIVE_SINCE, NotificationKind
from ftw_observe.notify.alertmanager import (
    LISTED_REJECTIONS,
    AlertmanagerAlert,
    AlertmanagerPayload,
    Rejection,
    RejectReason,
    describe,
    examine,
    examine_alert,
    notifications,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def alert(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "firing",
        "labels": {"alertname": "HostDown", "instance": "db1", "severity": "critical"},
        "annotations": {"summary": "db1 is down"},
        "startsAt": "2026-11-01T12:00:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "4f1d",
    }
    return {**base, **changes}


def no_grouping(service: str, slo: str) -> list[str] | None:
    return None


def test_an_alert_as_alertmanager_sends_it_is_accepted() -> None:
    accepted = examine_alert(0, alert())

    assert isinstance(accepted, AlertmanagerAlert)
    assert accepted.labels["instance"] == "db1"


@pytest.mark.parametrize(
    ("item", "reason", "names"),
    [
        ([1, 2], RejectReason.NOT_AN_OBJECT, "object"),
        (alert(status="sleeping"), RejectReason.INVALID_STATUS, "status"),
        ({"labels": {"alertname": "X"}}, RejectReason.INVALID_STATUS, "status"),
        (alert(labels={}), RejectReason.INVALID_LABELS, "labels"),
        (alert(labels={"alertname": 5}), RejectReason.INVALID_LABELS, "labels['alertname']"),
        (alert(labels={"": "x"}), RejectReason.INVALID_LABELS, "label name is empty"),
        (alert(annotations=["x"]), RejectReason.INVALID_ANNOTATIONS, "annotations"),
        (alert(startsAt=0.5), RejectReason.INVALID_FIELD, "startsAt"),
        (alert(endsAt="0.5"), RejectReason.INVALID_FIELD, "endsAt"),
        (alert(fingerprint=7), RejectReason.INVALID_FIELD, "fingerprint"),
    ],
)
def test_a_bad_alert_is_rejected_with_a_reason_naming_the_field(
    item: object, reason: RejectReason, names: str
) -> None:
    rejected = examine_alert(3, item)

    assert isinstance(rejected, Rejection)
    assert (rejected.index, rejected.reason) == (3, reason)
    assert names in rejected.detail


def test_control_characters_in_labels_are_rejected() -> None:
    rejected = examine_alert(0, alert(labels={"alertname": "HostDown", "instance": "db\x001"}))

    assert isinstance(rejected, Rejection)
    assert rejected.reason is RejectReason.CONTROL_CHARACTER
    assert rejected.detail == "labels['instance'] holds U+0000, a control character"


def test_lone_surrogates_are_rejected_wherever_they_are() -> None:
    in_label = examine_alert(0, alert(labels={"alertname": "Host\ud800Down"}))
    in_annotation = examine_alert(1, alert(annotations={"summary": "\udfff"}))

    assert isinstance(in_label, Rejection)
    assert isinstance(in_annotation, Rejection)
    assert in_label.reason is in_annotation.reason is RejectReason.INVALID_UNICODE


def test_annotations_may_hold_line_breaks_and_tabs() -> None:
    accepted = examine_alert(0, alert(annotations={"description": "one\n\ttwo\r\n"}))

    assert isinstance(accepted, AlertmanagerAlert)


def test_a_rejection_never_quotes_a_refused_key() -> None:
    control = examine_alert(0, alert(labels={"bad\x00key": 1}))
    surrogate = examine_alert(1, alert(labels={"bad\ud800key": 1}))

    assert isinstance(control, Rejection)
    assert isinstance(surrogate, Rejection)
    assert control.detail == "labels[a name]: Input should be a valid string"
    surrogate.detail.encode("utf-8")  # safe to answer and to log


def test_one_bad_alert_leaves_the_others_accepted_in_order() -> None:
    payload = AlertmanagerPayload(
        alerts=[alert(), alert(status="sleeping"), alert(status="resolved"), "x"]
    )

    examined = examine(payload)

    assert [item.status for item in examined.accepted] == ["firing", "resolved"]
    assert [(item.index, item.reason) for item in examined.rejected] == [
        (1, RejectReason.INVALID_STATUS),
        (3, RejectReason.NOT_AN_OBJECT),
    ]
    assert describe(examined) == {
        "accepted": 2,
        "firing": 1,
        "resolved": 1,
        "watchdogs": 0,
        "rejected": {"invalid_status": 1, "not_an_object": 1},
    }


def test_a_flood_of_bad_alerts_is_counted_in_full_but_listed_in_part() -> None:
    payload = AlertmanagerPayload(alerts=[alert(), *[{}] * 250, *[7] * 250])

    examined = examine(payload)

    assert len(examined.accepted) == 1
    assert len(examined.rejected) == LISTED_REJECTIONS
    assert examined.rejected[0].index == 1
    assert examined.rejected_by_reason == {
        RejectReason.INVALID_STATUS: 250,
        RejectReason.NOT_AN_OBJECT: 250,
    }
    assert examined.rejected_count == 500


def test_accepted_alerts_become_notifications_with_their_identity() -> None:
    examined = examine(AlertmanagerPayload(alerts=[alert(), alert(status="resolved")]))

    found = notifications(examined.accepted, received_at=NOW, group_by=no_grouping)

    assert [(item.dedup_key, item.kind) for item in found] == [
        ("am/HostDown/instance=db1,severity=critical", NotificationKind.TRIGGER),
        ("am/HostDown/instance=db1,severity=critical", NotificationKind.RESOLVE),
    ]
    assert all(item.source == "alertmanager" and item.created_at == NOW for item in found)


def test_a_firing_alert_says_since_when_it_fires_from_its_starts_at() -> None:
    examined = examine(AlertmanagerPayload(alerts=[alert(), alert(status="resolved")]))

    trigger, resolve = notifications(examined.accepted, received_at=NOW, group_by=no_grouping)

    assert trigger.annotations[ACTIVE_SINCE] == "2026-11-01T12:00:00.123456+00:00"
    assert ACTIVE_SINCE not in resolve.annotations


def test_an_unknown_start_says_nothing_of_since_when() -> None:
    examined = examine(AlertmanagerPayload(alerts=[alert(startsAt="0001-01-01T00:00:00Z")]))

    (trigger,) = notifications(examined.accepted, received_at=NOW, group_by=no_grouping)

    assert trigger.annotations == {"summary": "db1 is down"}
