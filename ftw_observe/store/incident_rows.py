"""Incidents as rows: the alerts an incident gathers live in one JSON column.

>>> from datetime import UTC, datetime
>>> from types import SimpleNamespace
>>> from ftw_observe.model import Member
>>> at = datetime(2026, 11, 1, 12, tzinfo=UTC)
>>> kept = Incident("k", "tail", members={"a": Member({"engine": "firing"}, tail_until=at)})
>>> incident(SimpleNamespace(**row(kept, at))).members["a"].tail_until == at
True
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ftw_observe.model import Incident, Member


def encode_member(member: Member) -> dict[str, Any]:
    """Return one alert of an incident as JSON."""
    until = member.tail_until
    return {
        "sources": dict(member.sources),
        "labels": dict(member.labels),
        "annotations": dict(member.annotations),
        "tail_until": None if until is None else until.isoformat(),
    }


def decode_member(value: Any) -> Member:
    """Return one alert of an incident from its JSON."""
    until = value.get("tail_until")
    return Member(
        sources=dict(value.get("sources") or {}),
        labels=dict(value.get("labels") or {}),
        annotations=dict(value.get("annotations") or {}),
        tail_until=None if until is None else datetime.fromisoformat(until),
    )


def row(incident: Incident, at: datetime) -> dict[str, Any]:
    """Return the column values of an incident, changed at `at`."""
    return {
        "dedup_key": incident.dedup_key,
        "group_key": incident.group_key,
        "state": incident.state,
        "members": {key: encode_member(m) for key, m in incident.members.items()},
        "receivers": list(incident.receivers),
        "labels": dict(incident.labels),
        "annotations": dict(incident.annotations),
        "muted_by": incident.muted_by,
        "opened_at": incident.opened_at,
        "closed_at": incident.closed_at,
        "notified_at": incident.notified_at,
        "resolves_at": incident.resolves_at,
        "updated_at": at,
    }


def incident(found: Any) -> Incident:
    """Return the incident a row holds."""
    return Incident(
        dedup_key=found.dedup_key,
        state=found.state,
        group_key=found.group_key,
        members={key: decode_member(value) for key, value in (found.members or {}).items()},
        receivers=list(found.receivers or []),
        labels=dict(found.labels or {}),
        annotations=dict(found.annotations or {}),
        muted_by=found.muted_by,
        opened_at=found.opened_at,
        closed_at=found.closed_at,
        notified_at=found.notified_at,
        resolves_at=found.resolves_at,
    )
