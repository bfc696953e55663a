"""The incidents in play while the router works: what it changes, and what it reads.

The router loads the incidents that are not closed once per batch (or per pass on the
clock), changes them in memory as notifications arrive, and saves each change with the
notices it makes in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ftw_observe.model import Incident, IncidentState, Notification, NotificationKind
from ftw_observe.notify.incidents import Grouping
from ftw_observe.notify.model import DispatchStore

Deliveries = list[tuple[str, Notification]]


@dataclass
class Change:
    """What routing one notification (or one pass) changes: incidents, notices, a record.

    >>> Change().deliveries
    []
    """

    incidents: list[Incident] = field(default_factory=list)
    deliveries: Deliveries = field(default_factory=list)  # (receiver, notification)
    outcome: dict[str, Any] = field(default_factory=dict)  # kept on the routed outbox row


def notice(incident: Incident, kind: NotificationKind, now: datetime, **notes: str) -> Notification:
    """Return a notification about an incident, as its receivers know it."""
    source = next(iter(incident.sources), "engine")
    annotations = {**incident.annotations, **notes}
    return Notification(incident.dedup_key, kind, now, incident.labels, annotations, source)


class Live:
    """The incidents not closed, kept current while a batch is routed.

    Usage::

        live = Live(store.notifications)
        incident = live.incident_of(grouping(key, labels))
        live.keep([incident])  # after saving it
    """

    def __init__(self, store: DispatchStore) -> None:
        self.store = store
        self.incidents = {incident.dedup_key: incident for incident in store.firing()}

    def incident_of(self, found: Grouping) -> Incident:
        """Return the live incident gathering an alert, else the one to open under its key."""
        gathering = [i for i in self.incidents.values() if i.group_key == found.group_key]
        for incident in gathering:
            if found.member_key in incident.members:
                return incident
        if gathering:
            return gathering[0]
        return self.store.incident(found.group_key)

    def get(self, dedup_key: str) -> Incident:
        """Return an incident by its key, live or not (closed and empty if never seen)."""
        return self.incidents.get(dedup_key) or self.store.incident(dedup_key)

    def firing_labels(self, *, besides: str) -> list[dict[str, str]]:
        """Return the labels of every alert firing now but one, muted or not."""
        return [
            member.labels
            for incident in self.incidents.values()
            for key, member in incident.firing_members().items()
            if key != besides
        ]

    def keep(self, incidents: Iterable[Incident]) -> None:
        """Take changed incidents into account for the rest of the batch."""
        for incident in incidents:
            if incident.state == IncidentState.CLOSED.value:
                self.incidents.pop(incident.dedup_key, None)
            else:
                self.incidents[incident.dedup_key] = incident
