"""A receiver without credentials: log what would have been sent, and say so."""

from __future__ import annotations

import logging
from typing import Any

from ftw_observe.model import Notification
from ftw_observe.notify.model import DeliveryResult, Outcome

log = logging.getLogger(__name__)

CREDENTIALS = {"pagerduty": "PAGERDUTY_ROUTING_KEY", "slack": "SLACK_BOT_TOKEN"}


class LogSender:
    """Stand in for a PagerDuty or Slack receiver that has no credentials.

    >>> LogSender("pagerduty", "pagerduty")
    LogSender(name='pagerduty', kind='pagerduty')
    """

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    def __repr__(self) -> str:
        return f"LogSender(name={self.name!r}, kind={self.kind!r})"

    def send(
        self, notification: Notification, *, previous: dict[str, Any] | None, attempt: int = 1
    ) -> DeliveryResult:
        """Log one line naming the notification, and count it as delivered."""
        variable = CREDENTIALS.get(self.kind, " / ".join(CREDENTIALS.values()))
        summary = (
            notification.annotations.get("summary")
            or notification.labels.get("alertname")
            or notification.dedup_key
        )
        log.info(
            "receiver %s is unconfigured (set %s): would send %s %s: %s",
            self.name,
            variable,
            notification.kind.value,
            notification.dedup_key,
            summary,
        )
        return DeliveryResult(
            Outcome.DELIVERED, f"unconfigured: set {variable}", delivery={"unconfigured": True}
        )
