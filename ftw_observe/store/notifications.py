"""Notification bookkeeping for the router and the delivery loop: incidents and staged claims.

Alert-level outbox rows (receiver NULL) are routed into one row per receiver; per-receiver rows
are delivered. Both stages keep each alert's order: a delivery is not claimed while an older
row of the same dedup key and receiver is pending or being sent, so a resolve never overtakes
its trigger, even one waiting for a retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, select, update
from sqlalchemy.orm import aliased

from ftw_observe.matching.silences import Silence
from ftw_observe.model import (
    Evaluation,
    Incident,
    IncidentState,
    Notification,
    OutboxItem,
    OutboxState,
    Settlement,
)
from ftw_observe.store import incident_rows, outbox, snapshots
from ftw_observe.store import silences as silence_rows
from ftw_observe.store.database import upsert
from ftw_observe.store.tables import IncidentRow, OutboxRow

_LIVE = [state.value for state in IncidentState if state is not IncidentState.CLOSED]


class NotificationStore:
    """Claim, route and settle notifications in the engine's database: the outbox's one door.

    `Store(engine).notifications` is one; it satisfies what the dispatcher needs
    (ftw_observe.notify.model.DispatchStore).

    Usage::

        notes = NotificationStore(engine)
        notes.release_stuck(now - timedelta(minutes=2))
        for item in notes.claim(now, limit=50, routed=False):
            incident = notes.incident(item.notification.dedup_key)
            notes.settle_routing(item, [incident], [("slack", item.notification)], at=now,
                                 outcome={"receivers": ["slack"]})
        delivered = [Settlement(item.id, OutboxState.SENT, now)
                     for item in notes.claim(now, limit=50, routed=True)]
        notes.settle_deliveries(delivered)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def release_stuck(self, older_than: datetime) -> int:
        """Put rows claimed before `older_than` back to pending (after a crash); count them."""
        with self.engine.begin() as connection:
            return outbox.release_stuck(connection, older_than)

    def claim(self, now: datetime, limit: int, *, routed: bool) -> list[OutboxItem]:
        """Claim due rows of one stage, oldest first, never ahead of an older row of their alert.

        One statement: on Postgres its subquery locks the rows FOR UPDATE SKIP LOCKED, so
        concurrent claimers take disjoint rows without waiting on each other; SQLite, which
        ignores FOR UPDATE, runs the statement under its single writer lock.
        """
        older = aliased(OutboxRow)
        # Routing takes a batch in order, so only another claimer's rows hold it back; a
        # delivery waits for every older row of its alert and receiver, retries included.
        holding = outbox.ACTIVE if routed else (OutboxState.SENDING.value,)
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
            claimed = [outbox.outbox_item(row) for row in connection.execute(claim)]
        return sorted(claimed, key=lambda item: (item.notification.created_at, item.id))

    def incident(self, dedup_key: str) -> Incident:
        """Return the incident of a dedup key (closed and empty if never seen)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(IncidentRow).where(IncidentRow.dedup_key == dedup_key)
            ).one_or_none()
        return Incident(dedup_key) if row is None else incident_rows.incident(row)

    def firing(self) -> list[Incident]:
        """Return every incident not closed: open (maybe about to resolve), muted or a tail."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(IncidentRow).where(IncidentRow.state.in_(_LIVE))).all()
        return [incident_rows.incident(row) for row in rows]

    def evaluations(
        self, service: str, slo: str, instance: str, *, since: datetime
    ) -> list[Evaluation]:
        """Return the engine's evaluations of one SLO instance since a time, oldest first."""
        with self.engine.connect() as connection:
            return snapshots.recent(connection, service, slo, instance, since=since)

    def silences(self, *, now: datetime) -> list[Silence]:
        """Return the silences active or pending at `now`, which routing consults."""
        with self.engine.connect() as connection:
            return silence_rows.silences(connection, now=now, include_expired=False)

    def ended_silences(self, *, since: datetime, until: datetime) -> list[Silence]:
        """Return the silences that stopped muting (expired or over) after `since`, by `until`."""
        with self.engine.connect() as connection:
            return silence_rows.ended_silences(connection, since=since, until=until)

    def announcements(self, dedup_keys: Sequence[str]) -> list[Notification]:
        """Return the announcements with these dedup keys that entered the outbox."""
        if not dedup_keys:
            return []
        with self.engine.connect() as connection:
            return outbox.announcements(connection, dedup_keys)

    def enqueue(self, notifications: Sequence[Notification]) -> None:
        """Add notifications to the outbox, to be routed, in one transaction."""
        if notifications:
            with self.engine.begin() as connection:
                outbox.insert_notifications(connection, notifications)

    def settle_routing(
        self,
        item: OutboxItem,
        incidents: Sequence[Incident],
        deliveries: Sequence[tuple[str, Notification]],
        *,
        at: datetime,
        outcome: dict[str, Any],
    ) -> None:
        """Save the incidents, queue per-receiver rows and settle the routed row, atomically.

        An item with a negative id stands for a notification the router made itself (a
        reminder, a resolve on the clock): there is no routed row to settle. An announcement
        has no incident. Raise KeyError for an unknown row.
        """
        with self.engine.begin() as connection:
            rows = [incident_rows.row(incident, at) for incident in incidents]
            if rows:
                upsert(connection, IncidentRow, rows, ["dedup_key"])
            for receiver, notification in deliveries:
                outbox.insert_notifications(connection, [notification], receiver)
            if item.id >= 0:
                sent = {"state": OutboxState.SENT.value, "sent_at": at, "delivery": outcome}
                _settle(connection, item.id, sent)

    def settle_deliveries(self, settlements: Sequence[Settlement]) -> None:
        """Record the outcome of many delivery attempts in one transaction.

        Raise KeyError, recording none of them, when one names an unknown row.
        """
        if not settlements:
            return
        with self.engine.begin() as connection:
            for settlement in settlements:
                _settle(connection, settlement.item_id, _outcome(settlement))

    def last_delivery(
        self, dedup_key: str, *, receiver: str | None = None
    ) -> dict[str, Any] | None:
        """Return the receiver data of the last delivered notification with this dedup key."""
        with self.engine.connect() as connection:
            return outbox.last_delivery(connection, dedup_key, receiver)


def _outcome(settlement: Settlement) -> dict[str, Any]:
    """Return the column values that record a settlement."""
    values: dict[str, Any] = {"state": settlement.state.value}
    if settlement.state is OutboxState.SENT:
        values["sent_at"] = settlement.at
        if settlement.delivery is not None:
            values["delivery"] = settlement.delivery
        return values
    values["last_error"] = settlement.error[: outbox.MAX_ERROR_LENGTH]
    if settlement.state is OutboxState.PENDING:
        values["next_attempt_at"] = settlement.next_attempt_at
    else:
        values["rejected_at"] = settlement.at
    return values


def _settle(connection: Connection, item_id: int, values: dict[str, Any]) -> None:
    """Write a claimed row's outcome and release its claim; raise KeyError for an unknown row."""
    changed = connection.execute(
        update(OutboxRow).where(OutboxRow.id == item_id).values(claimed_at=None, **values)
    ).rowcount
    if changed == 0:
        raise KeyError(f"no outbox row {item_id}")
