"""The stand-in receiver used without credentials."""

from __future__ import annotations

import logging

import pytest

from ftw_observe.model import NotificationKind
from ftw_observe.notify.log import LogSender
from ftw_observe.notify.model import Outcome
from tests.support.notifications import burn_notification


@pytest.mark.parametrize(
    ("kind", "variable"),
    [
        ("pagerduty", "PAGERDUTY_ROUTING_KEY"),
        ("slack", "SLACK_BOT_TOKEN"),
        ("other", "PAGERDUTY_ROUTING_KEY / SLACK_BOT_TOKEN"),
    ],
)
def test_logs_what_it_would_send(
    caplog: pytest.LogCaptureFixture, kind: str, variable: str
) -> None:
    caplog.set_level(logging.INFO)
    notification = burn_notification()

    result = LogSender("oncall", kind).send(notification, previous=None)

    assert result.outcome is Outcome.DELIVERED
    assert result.delivery == {"unconfigured": True}
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        f"receiver oncall is unconfigured (set {variable}): would send trigger "
        f"{notification.dedup_key}: {notification.annotations['summary']}"
    )


def test_resolve_and_missing_summary(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    notification = burn_notification(
        NotificationKind.RESOLVE, labels={"alertname": "HostDiskFull"}, annotations={}
    )
    LogSender("slack", "slack").send(notification, previous={"unconfigured": True}, attempt=3)
    assert (
        caplog.records[0]
        .getMessage()
        .endswith(f"would send resolve {notification.dedup_key}: HostDiskFull")
    )
