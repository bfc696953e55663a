"""Announcements of silences: who muted what, why and until when, for the ticket channel.

A muted pager must never be a secret. Every silence set (forced or not) and every silence that
ends (expired by someone, cancelled, or over) becomes an `ANNOUNCE` notification in the
outbox. The router sends it, like any notification, to the Slack receivers of the route that
`severity=ticket` takes, never to PagerDuty, and keeps no incident for it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from ftw_observe.matching.coverage import Coverage
from ftw_observe.matching.silences import Silence
from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify.decide import routing
from ftw_observe.notify.model import DispatchStore
from ftw_observe.notify.policy import RoutingPolicy

log = logging.getLogger("ftw_observe.notify")

SOURCE = "silences"
KEY_PREFIX = "ftw/silence/"
# How far back silences that ended are announced after a pause (all replicas down); shorter
# than the outbox's retention, which keeps the earlier announcements that prevent a repeat.
LOOKBACK = timedelta(hours=12)
# Later passes look back this far only: enough for an expiry written by a replica whose
# clock runs a little behind the leader's.
OVERLAP = timedelta(minutes=5)
# What announcements are routed by: the ticket route of the policy.
LABELS = {"alertname": "FTWSilence", "service": "ftw-observe", "severity": "ticket"}


class Event(StrEnum):
    """What happened to a silence."""

    CREATED = "created"
    FORCED = "forced"  # created on purpose although it mutes every known alert
    EXPIRED = "expired"  # ended early by someone
    CANCELLED = "cancelled"  # a maintenance window expired before it started
    ENDED = "ended"  # reached its end


ENDINGS = frozenset({Event.EXPIRED, Event.CANCELLED, Event.ENDED})


def announcement_key(silence_id: str) -> str:
    """Return the dedup key every announcement of one silence shares, so they stay in order."""
    return KEY_PREFIX + silence_id


def _time(moment: datetime) -> str:
    at = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M} UTC"


def end_event(silence: Silence) -> Event:
    """Return how a silence that no longer mutes ended: expired early, cancelled or over."""
    if silence.expired_at is not None and silence.expired_at < silence.ends_at:
        return Event.CANCELLED if silence.expired_at <= silence.starts_at else Event.EXPIRED
    return Event.ENDED


def _summary(silence: Silence, event: Event) -> str:
    who, matchers = silence.author, ", ".join(silence.matcher_texts())
    window = silence.starts_at > silence.created_at  # set ahead: a maintenance window
    kind = "Maintenance window" if window else "Silence"
    if event is Event.FORCED:
        return f"Forced silence by {who} mutes EVERY alert until {_time(silence.ends_at)}"
    if event is Event.CREATED and window:
        return (
            f"Maintenance window by {who} from {_time(silence.starts_at)} "
            f"until {_time(silence.ends_at)}: {matchers}"
        )
    if event is Event.CREATED:
        return f"Silence by {who} until {_time(silence.ends_at)}: {matchers}"
    if event is Event.CANCELLED:
        return f"{kind} by {who} cancelled before it started: {matchers}"
    if event is Event.EXPIRED:
        return f"Silence by {who} expired early at {_time(silence.ends)}: {matchers}"
    return f"{kind} by {who} ended at {_time(silence.ends)}: {matchers}"


def announcement(
    silence: Silence, event: Event, *, coverage: Coverage | None = None
) -> Notification:
    """Return the notification announcing that a silence was set or has ended.

    `coverage` tells how much of the alert catalogue the silence mutes, when it is known.

    >>> from datetime import timedelta
    >>> from ftw_observe.matching.silences import new_silence
    >>> now = datetime(2025, 6, 1, tzinfo=UTC)
    >>> s = new_silence(["service=marketplace"], author="ana", reason="deploy",
    ...                 starts_at=None, ends_at=now + timedelta(hours=2), now=now)
    >>> announcement(s, Event.CREATED).annotations["summary"]
    'Silence by ana until 2025-06-01 02:00 UTC: service=marketplace'
    """
    at = silence.created_at if event in (Event.CREATED, Event.FORCED) else silence.ends
    notes = {
        "summary": _summary(silence, event),
        "author": silence.author,
        "reason": silence.reason,
        "matchers": "\n".join(silence.matcher_texts()),
        "starts_at": silence.starts_at.isoformat(),
        "ends_at": silence.ends_at.isoformat(),
    }
    if event in ENDINGS:
        notes["ended_at"] = silence.ends.isoformat()
    if coverage is not None:
        notes["mutes"] = coverage.describe()
    labels = {**LABELS, "event": event.value, "silence": silence.id}
    return Notification(
        announcement_key(silence.id), NotificationKind.ANNOUNCE, at, labels, notes, SOURCE
    )


def is_ending(labels: Mapping[str, str]) -> bool:
    """Tell whether an announcement's labels say that its silence ended."""
    return labels.get("event") in {event.value for event in ENDINGS}


def route(
    notification: Notification, policy: RoutingPolicy
) -> tuple[list[tuple[str, Notification]], dict[str, Any]]:
    """Return the deliveries of an announcement and what to record of its routing.

    It goes to the Slack receivers of the route its labels take (the default receivers' when
    that route has none), never to PagerDuty: it is news for a channel, not a page.
    """
    slack = {name for name, receiver in policy.receivers.items() if receiver.slack is not None}
    found = [name for name in routing(notification.labels, policy).receivers if name in slack]
    found = found or [name for name in policy.default_receivers if name in slack]
    if not found:
        log.error(
            "announcement %s reaches no Slack receiver: route severity=ticket to a Slack "
            "channel in the routing policy",
            notification.dedup_key,
        )
        return [], {"dropped": "no Slack receiver on the ticket route"}
    return [(name, notification) for name in found], {"receivers": found}


class Endings:
    """Queue one announcement for each silence that stopped muting within the lookback.

    The outbox is the record of what was announced, so a restarted leader repeats nothing;
    silences already seen are remembered, so the outbox is asked once per silence, and after
    the first pass only the last few minutes are read again.

    Usage::

        endings = Endings(store.notifications, LOOKBACK)
        endings.queue(now)  # before routing, on every dispatch pass
    """

    def __init__(self, store: DispatchStore, lookback: timedelta = LOOKBACK) -> None:
        self.store = store
        self.lookback = lookback
        self._seen: set[str] = set()  # silence ids whose end is in the outbox
        self._until: datetime | None = None  # where the last pass stopped reading

    def queue(self, now: datetime) -> int:
        """Queue the announcements of silences that ended since the lookback; count them."""
        since = now - self.lookback
        if self._until is not None:
            since = max(since, self._until - OVERLAP)
        ended = self.store.ended_silences(since=since, until=now)
        self._seen &= {silence.id for silence in ended}
        new = [silence for silence in ended if silence.id not in self._seen]
        endings = []
        if new:
            queued = self.store.announcements([announcement_key(silence.id) for silence in new])
            done = {n.labels.get("silence", "") for n in queued if is_ending(n.labels)}
            endings = [announcement(s, end_event(s)) for s in new if s.id not in done]
            self.store.enqueue(endings)
            self._seen |= {silence.id for silence in new}
        self._until = now
        return len(endings)
