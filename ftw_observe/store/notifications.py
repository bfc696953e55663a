"""Notification bookkeeping for the router and the delivery loop: incidents and staged claims.

Alert-level outbox rows (receiver NULL) are routed into one row per receiver; per-receiver rows
are delivered. Both stages keep each alert's order: a delivery is not claimed while an older
row of the same dedup key and receiver is pending or being sent, so a resolve never overtakes
its trigger, even one waiting for a retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, exists, insert, select, update
from sqlalchemy.orm import aliased

from ftw_observe.model import Notification
from ftw_observe.store.outbox import (
    MAX_ERROR_LENGTH,
    OutboxItem,
    OutboxState,
    _item,
    insert_notifications,
)
from ftw_observe.store.tables import IncidentRow, OutboxRow

ACTIVE = (OutboxState.PENDING.value, OutboxState.SENDING.value)


@dataclass(frozen=True)
class Settlement:
    """The outcome of one delivery attempt: sent, back to pending for a retry, or rejected."""

    item_id: int
    state: OutboxState
    at: datetime
    delivery: dict[str, Any] | None = None
    error: str = ""
    next_attempt_at: datetime | None = None


@dataclass
class Incident:
    """What the router knows of one alert identity."""

    dedup_key: str
    state: str = "closed"  # open (receivers paged), muted (firing, nobody paged) or closed
    sources: dict[str, str] = field(default_factory=dict)
    receivers: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    muted_by: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    notified_at: datetime | None = None  # last trigger or reminder queued for its receivers

    @property
    def firing(self) -> bool:
        """Tell whether any source still reports the alert firing."""
        return any(state == "firing" for state in self.sources.values())


class NotificationStore:
    """Claim, route and settle notifications in the engine's database.

    >>> # notes = NotificationStore(store.engine)
    >>> # for item in notes.claim(now, limit=50, routed=False): ...
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, now: datetime, limit: int, *, routed: bool) -> list[OutboxItem]:
        """Claim due rows of one stage, oldest first, never ahead of an older row of their alert."""
        older = aliased(OutboxRow)
        # Routing takes a batch in order, so only another claimer's rows hold it back; a
        # delivery waits for every older row of its alert and receiver, retries included.
        holding = ACTIVE if routed else (OutboxState.SENDING.value,)
        same_receiver = older.receiver == OutboxRow.receiver if routed else older.receiver.is_(None)
        blocked = exists().where(
            older.dedup_key == OutboxRow.dedup_key,
            same_receiver,
            older.id < OutboxRow.id,
            older.state.in_(holding),
        )
        stage = OutboxRow.receiver.is_not(None) if routed else OutboxRow.receiver.is_(None)
        due = (
            select(OutboxRow.id)
            .where(
                OutboxRow.state == OutboxState.PENDING.value,
                OutboxRow.next_attempt_at <= now,
                stage,
                ~blocked,
            )
            .order_by(OutboxRow.created_at, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(due))
            .values(
                state=OutboxState.SENDING.value, attempts=OutboxRow.attempts + 1, claimed_at=now
            )
            .returning(*OutboxRow.__table__.columns)
        )
        with self.engine.begin() as connection:
            claimed = [_item(row) for row in connection.execute(claim)]
        return sorted(claimed, key=lambda item: (item.notification.created_at, item.id))

    def incident(self, dedup_key: str) -> Incident:
        """Return the incident of a dedup key (closed and empty if never seen)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(IncidentRow).where(IncidentRow.dedup_key == dedup_key)
            ).one_or_none()
        return Incident(dedup_key) if row is None else _incident(row)

    def firing(self) -> list[Incident]:
        """Return every incident some source still reports firing."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(IncidentRow).where(IncidentRow.state.in_(["open", "muted"]))
            ).all()
        return [incident for incident in map(_incident, rows) if incident.firing]

    def open_incidents(self) -> list[Incident]:
        """Return incidents whose receivers were paged and not yet told it resolved."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(IncidentRow).where(IncidentRow.state == "open")).all()
        return [_incident(row) for row in rows]

    def settle_routing(
        self,
        item: OutboxItem,
        incident: Incident,
        deliveries: Sequence[tuple[str, Notification]],
        *,
        at: datetime,
        outcome: dict[str, Any],
    ) -> None:
        """Save the incident, queue per-receiver rows and settle the routed row, atomically."""
        values = {
            "state": incident.state,
            "sources": incident.sources,
            "receivers": incident.receivers,
            "labels": incident.labels,
            "annotations": incident.annotations,
            "muted_by": incident.muted_by,
            "opened_at": incident.opened_at,
            "closed_at": incident.closed_at,
            "notified_at": incident.notified_at,
            "updated_at": at,
        }
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(IncidentRow)
                .where(IncidentRow.dedup_key == incident.dedup_key)
                .values(values)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(IncidentRow).values(dedup_key=incident.dedup_key, **values)
                )
            for receiver, notification in deliveries:
                insert_notifications(connection, [notification], receiver)
            if item.id >= 0:
                connection.execute(
                    update(OutboxRow)
                    .where(and_(OutboxRow.id == item.id))
                    .values(
                        state=OutboxState.SENT.value, sent_at=at, claimed_at=None, delivery=outcome
                    )
                )

    def settle_deliveries(self, settlements: Sequence[Settlement]) -> None:
        """Record the outcome of many delivery attempts in one transaction."""
        if not settlements:
            return
        with self.engine.begin() as connection:
            for settlement in settlements:
                values: dict[str, Any] = {"state": settlement.state.value, "claimed_at": None}
                if settlement.state is OutboxState.SENT:
                    values["sent_at"] = settlement.at
                    if settlement.delivery is not None:
                        values["delivery"] = settlement.delivery
                elif settlement.state is OutboxState.PENDING:
                    values["next_attempt_at"] = settlement.next_attempt_at
                    values["last_error"] = settlement.error[:MAX_ERROR_LENGTH]
                else:
                    values["rejected_at"] = settlement.at
                    values["last_error"] = settlement.error[:MAX_ERROR_LENGTH]
                connection.execute(
                    update(OutboxRow).where(OutboxRow.id == settlement.item_id).values(values)
                )

    def settled(self, dedup_key: str) -> list[OutboxItem]:
        """Return every per-receiver row of an alert, oldest first (for tests and the API)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(OutboxRow)
                .where(OutboxRow.dedup_key == dedup_key, OutboxRow.receiver.is_not(None))
                .order_by(OutboxRow.id)
            ).all()
        return [_item(row) for row in rows]


def _incident(value: Any) -> Incident:
    return Incident(
        dedup_key=value.dedup_key,
        state=value.state,
        sources=dict(value.sources),
        receivers=list(value.receivers),
        labels=dict(value.labels),
        annotations=dict(value.annotations),
        muted_by=value.muted_by,
        opened_at=value.opened_at,
        closed_at=value.closed_at,
        notified_at=value.notified_at,
    )
