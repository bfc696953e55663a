"""An outage's tail: alerts still firing after receivers were told it is over.

An incident resolved early (`ftw_observe.notify.recovery`), or superseded by a page, keeps its
alerts that still fire as a tail: each waits its short window (the time its burn-rate tier
takes to forget the outage), then, if it still fires, it is a burn of its own and opens the
incident again. A tier that starts as a more urgent incident ends is the tail of that one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ftw_observe.model import Incident, IncidentState
from ftw_observe.notify.incidents import member_grouping

# How long a superseded threshold warning may outlive its page as the outage's tail: it has
# no window of its own that says when the outage has left it.
UNTIERED_TAIL = timedelta(minutes=30)


def make_tail(incident: Incident, now: datetime, *, covered: bool = False) -> None:
    """Leave an incident's firing alerts as a tail: each waits one short window, then opens it.

    `covered`: a more urgent incident of the same instance is open, and its end starts the wait.
    """
    incident.state, incident.muted_by = IncidentState.TAIL.value, None
    incident.closed_at = incident.closed_at or now
    for key, member in incident.firing_members().items():
        wait = member_grouping(key, member).tail or UNTIERED_TAIL
        due = None if covered else now + wait
        if due is not None and member.tail_until is not None:
            due = max(due, member.tail_until)
        member.tail_until = due


def join_tail(incident: Incident, key: str, until: datetime, now: datetime) -> None:
    """Keep a starting alert as the tail of a more urgent incident that just ended."""
    incident.state, incident.muted_by = IncidentState.TAIL.value, None
    incident.closed_at = incident.closed_at or now
    incident.members[key].tail_until = until


def due_tail(incident: Incident, now: datetime) -> list[str]:
    """Return the alerts of a tail still firing past their wait: burns of their own."""
    if incident.state != IncidentState.TAIL.value:
        return []
    return [
        key
        for key, member in incident.firing_members().items()
        if member.tail_until is not None and member.tail_until <= now
    ]
