"""The vocabulary every layer speaks: SLO instances, evaluations, alerts and notifications.

The engine computes these, the store keeps them, the router delivers them and the API and
reports show them; none of those layers owns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ftw_observe.budget import Status


@dataclass(frozen=True, order=True)
class InstanceKey:
    """One SLO instance: a service's SLO, and for grouped SLOs its label values.

    >>> InstanceKey("marketplace", "api-latency-p95", (("route", "/api/jobs"),)).instance
    'route=/api/jobs'
    """

    service: str
    slo: str
    group: tuple[tuple[str, str], ...] = ()

    @property
    def instance(self) -> str:
        """Return the group labels as text (`route=/api/jobs`), empty when ungrouped."""
        return ",".join(f"{name}={value}" for name, value in self.group)

    @property
    def labels(self) -> dict[str, str]:
        """Return the identity labels of the instance."""
        return {"service": self.service, "slo": self.slo, **dict(self.group)}


@dataclass(frozen=True)
class WindowBurn:
    """Counts, error ratio and burn rate over one window."""

    window: str
    errors: float | None
    events: float | None
    error_ratio: float | None
    burn_rate: float | None
    # Share of the window with recorded data (windows of 1h and longer, the period): below 1
    # while the rules are younger than the window, or after a gap in scraping.
    coverage: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """One SLO instance evaluated at one pinned time: the figures an SRE reviews."""

    key: InstanceKey
    evaluated_at: datetime
    status: Status
    objective: float  # percent, as in the spec
    period_seconds: int
    sli: float | None  # good / events over the period, 0..1
    errors: float | None  # over the period
    events: float | None
    remaining: float | None  # share of the period's budget left; negative when overspent
    remaining_minutes: float | None  # remaining budget as minutes of total outage
    seconds_to_exhaustion: float | None  # at the 1h burn rate; None when it never runs out
    windows: tuple[WindowBurn, ...] = ()
    detail: str = ""  # why the status is unknown or no_data
    # Share of the period that has data, 0..1: below 1 the figures above cover only that part.
    # None when it was not measured (rules older than the coverage record).
    coverage: float | None = None

    @property
    def measured_seconds(self) -> float | None:
        """Return how much of the period has data, in seconds, if coverage was measured."""
        return None if self.coverage is None else self.coverage * self.period_seconds

    def burn_rate(self, window: str) -> float | None:
        """Return the burn rate over one window, if it was measured."""
        return next((w.burn_rate for w in self.windows if w.window == window), None)


class AlertPhase(StrEnum):
    """Where an alert is in its life: Prometheus's states plus resolved."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertKey:
    """One alert: an SLO instance and a tier (or a meta-alert name in `tier`)."""

    instance: InstanceKey
    tier: str

    @property
    def dedup_key(self) -> str:
        """Return a stable identity for receivers: the same for every replica and restart."""
        parts = [self.instance.service, self.instance.slo, self.instance.instance, self.tier]
        return "ftw/" + "/".join(parts)


@dataclass(frozen=True)
class AlertState:
    """The current state of one alert."""

    key: AlertKey
    phase: AlertPhase
    active_since: datetime | None = None  # when the condition became true
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    value: float | None = None  # long-window burn rate at the last evaluation
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


class TransitionKind(StrEnum):
    """A change that people hear about."""

    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Transition:
    """An alert that started firing or resolved at a time."""

    state: AlertState
    kind: TransitionKind
    at: datetime


class NotificationKind(StrEnum):
    """What a notification asks a receiver to do."""

    TRIGGER = "trigger"
    RESOLVE = "resolve"
    REMIND = "remind"  # still firing after the route's repeat interval
    JOIN = "join"  # another SLO or alert joined an open incident: said in its thread, no page
    SUPERSEDE = "supersede"  # a page for the same SLO instance took over this ticket
    ANNOUNCE = "announce"  # news for people, not an alert: a silence set or ended


# The annotation of a trigger that says since when its alert's condition holds (ISO 8601, UTC):
# the engine's first evaluation whose tier condition held, Alertmanager's `startsAt`.
ACTIVE_SINCE = "active_since"


@dataclass(frozen=True)
class Notification:
    """An entry for the outbox: one alert transition, to be routed and delivered."""

    dedup_key: str
    kind: NotificationKind
    created_at: datetime
    labels: dict[str, str]
    annotations: dict[str, str]
    source: str = "engine"  # engine, alertmanager, or silences for announcements


@dataclass(frozen=True)
class EngineHealth:
    """The engine's view of its own inputs, kept across restarts."""

    last_cycle_at: datetime | None = None
    last_success_at: datetime | None = None
    prometheus_error: str | None = None
    prometheus_unreachable_since: datetime | None = None


@dataclass(frozen=True)
class OutboxBacklog:
    """What the outbox still has to deliver: how many notifications, since when the oldest.

    >>> OutboxBacklog().pending
    0
    """

    pending: int = 0  # waiting to be routed or delivered, or being sent
    oldest_created_at: datetime | None = None


class OutboxState(StrEnum):
    """Where a notification is on its way to a receiver."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    REJECTED = "rejected"


@dataclass(frozen=True)
class OutboxItem:
    """A notification in the outbox with its delivery bookkeeping.

    `receiver` is None while the notification waits to be routed, then one row per receiver
    holds it. `attempts` counts claims, this one included: 1 on the first delivery attempt.
    `delivery` is receiver-specific data (a Slack message ts, a PagerDuty dedup key).

    Usage::

        notes = store.notifications
        for item in notes.claim(now, limit=50, routed=True):
            previous = notes.last_delivery(item.notification.dedup_key, receiver=item.receiver)
            delivery = send(item.notification, previous=previous)  # {"ts": ...} from Slack
            notes.settle_deliveries([Settlement(item.id, OutboxState.SENT, now, delivery)])
    """

    id: int
    notification: Notification
    attempts: int
    receiver: str | None = None
    delivery: dict[str, Any] | None = None
    last_error: str | None = None
    rejected_at: datetime | None = None


@dataclass(frozen=True)
class SentItem:
    """A notification delivered to one receiver; the receiver's data is left in the store.

    Usage::

        for item in store.sent(since=an_hour_ago):
            print(item.receiver, item.notification.dedup_key, item.sent_at)
    """

    id: int
    notification: Notification
    receiver: str
    sent_at: datetime


@dataclass(frozen=True)
class Settlement:
    """The outcome of one delivery attempt: sent, back to pending for a retry, or rejected.

    >>> Settlement(7, OutboxState.REJECTED, datetime(2025, 1, 1), error="invalid key").state
    <OutboxState.REJECTED: 'rejected'>
    """

    item_id: int
    state: OutboxState
    at: datetime
    delivery: dict[str, Any] | None = None
    error: str = ""
    next_attempt_at: datetime | None = None


class IncidentState(StrEnum):
    """Where an incident is: what its receivers were told, and whether its alerts still fire."""

    OPEN = "open"  # receivers were paged and not yet told it is over
    MUTED = "muted"  # alerts fire, nobody was paged (a silence, an inhibition, no route)
    TAIL = "tail"  # receivers were told it is over (resolved early or superseded); alerts fire
    CLOSED = "closed"  # none of its alerts fires


@dataclass
class Member:
    """One alert of an incident: which sources report it firing, its labels and annotations.

    `tail_until` is set while the incident is a tail: an alert still firing then is not the
    outage's tail but a burn of its own, and opens the incident again.

    >>> Member({"engine": "firing", "alertmanager": "resolved"}).firing
    True
    """

    sources: dict[str, str] = field(default_factory=dict)  # source -> firing | resolved
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    tail_until: datetime | None = None

    @property
    def firing(self) -> bool:
        """Tell whether any source still reports the alert firing."""
        return any(state == "firing" for state in self.sources.values())


@dataclass
class Incident:
    """What the router knows of one incident, kept between notifications.

    An incident gathers the alerts that are one outage to the people paged: every page-level
    alert of a service (its SLOs' page tiers, its critical thresholds), the ticket tiers of
    one SLO instance, or a single alert of any other kind. `dedup_key` is what receivers see
    (the PagerDuty dedup key, the Slack message's identity); `group_key` names the alerts it
    gathers, so that an incident opened under an older key keeps its key.

    >>> incident = Incident("ftw/marketplace/page")
    >>> incident.members["ftw/marketplace/api-availability//page-6h"] = Member({"engine": "firing"})
    >>> incident.firing, incident.sources
    (True, {'engine': 'firing'})
    """

    dedup_key: str
    state: str = IncidentState.CLOSED.value
    group_key: str = ""  # the dedup key when empty
    members: dict[str, Member] = field(default_factory=dict)  # by the alert's own dedup key
    receivers: list[str] = field(default_factory=list)  # who got the trigger
    labels: dict[str, str] = field(default_factory=dict)  # of the alert that opened it
    annotations: dict[str, str] = field(default_factory=dict)
    muted_by: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    notified_at: datetime | None = None  # last trigger or reminder queued for its receivers
    # Open, none of its alerts fires: it resolves then, unless one fires again before.
    resolves_at: datetime | None = None

    def __post_init__(self) -> None:
        self.group_key = self.group_key or self.dedup_key

    @property
    def firing(self) -> bool:
        """Tell whether any of its alerts still fires, from any source."""
        return any(member.firing for member in self.members.values())

    @property
    def sources(self) -> dict[str, str]:
        """Return each source that reported an alert: firing if it reports one firing now."""
        found: dict[str, str] = {}
        for member in self.members.values():
            for source, state in member.sources.items():
                if found.get(source) != "firing":
                    found[source] = state
        return found

    def firing_members(self) -> dict[str, Member]:
        """Return its alerts that still fire, by dedup key."""
        return {key: member for key, member in self.members.items() if member.firing}
