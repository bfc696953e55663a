"""Retention: drop old history and thin snapshots to one per 5 minutes once they age.

Every table the engine writes on its own is pruned here: snapshots, alert events, settled
outbox rows, closed incidents and ended silences. Nothing grows without bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from ftw_observe.store.outbox import settled_before
from ftw_observe.store.snapshots import CYCLE, DOWNSAMPLED, evaluated_epoch
from ftw_observe.store.tables import AlertEvent, IncidentRow, OutboxRow, SilenceRow, Snapshot

BUCKET_SECONDS = 300


@dataclass(frozen=True)
class Retention:
    """How long the store keeps what it writes by itself.

    >>> Retention(history=timedelta(days=35), raw=timedelta(days=40))
    Traceback (most recent call last):
    ...
    ValueError: raw must not exceed history: thinned snapshots are history
    """

    history: timedelta  # snapshots, alert events and settled outbox rows
    raw: timedelta  # snapshots at full resolution; older ones are thinned to one per 5 minutes
    silences: timedelta | None = None  # after a silence ends; default: history
    incidents: timedelta | None = None  # after an incident closes; default: history

    def __post_init__(self) -> None:
        if self.raw > self.history:
            raise ValueError("raw must not exceed history: thinned snapshots are history")


def prune(connection: Connection, *, now: datetime, retention: Retention) -> int:
    """Delete what is older than its retention, thin raw snapshots; count deleted rows.

    Between the two snapshot ages only the first snapshot of each 5-minute bucket (per
    service, SLO and instance) stays, marked "5m". Settled outbox rows past the history's
    retention go too, and so do silences ended and incidents closed longer ago than theirs.
    """
    oldest = now - retention.history
    raw_until = now - retention.raw
    deleted = 0
    for resolution in (CYCLE, DOWNSAMPLED):  # each an index range on (resolution, evaluated_at)
        expired = delete(Snapshot).where(
            Snapshot.resolution == resolution, Snapshot.evaluated_at < oldest
        )
        deleted += connection.execute(expired).rowcount
    deleted += _downsample(connection, oldest=oldest, raw_until=raw_until)
    deleted += connection.execute(delete(AlertEvent).where(AlertEvent.at < oldest)).rowcount
    deleted += connection.execute(delete(OutboxRow).where(settled_before(oldest))).rowcount
    deleted += _ended_silences(connection, now - (retention.silences or retention.history))
    deleted += _closed_incidents(connection, now - (retention.incidents or retention.history))
    return deleted


def _ended_silences(connection: Connection, before: datetime) -> int:
    # A silence ends at its end or when someone expired it, whichever came first.
    ended = or_(
        SilenceRow.ends_at < before,
        and_(SilenceRow.expired_at.is_not(None), SilenceRow.expired_at < before),
    )
    return connection.execute(delete(SilenceRow).where(ended)).rowcount


def _closed_incidents(connection: Connection, before: datetime) -> int:
    # Only closed ones: an open or muted incident still holds who was paged for a firing alert.
    closed = and_(IncidentRow.state == "closed", IncidentRow.updated_at < before)
    return connection.execute(delete(IncidentRow).where(closed)).rowcount


def _downsample(connection: Connection, *, oldest: datetime, raw_until: datetime) -> int:
    first_raw = connection.execute(
        select(func.min(Snapshot.evaluated_at)).where(
            Snapshot.resolution == CYCLE, Snapshot.evaluated_at < raw_until
        )
    ).scalar_one()
    if first_raw is None:
        return 0
    # Start at the bucket of the oldest raw snapshot, so snapshots already kept for it count.
    start = max(_bucket_start(first_raw), oldest)
    bucket = evaluated_epoch(connection) // BUCKET_SECONDS  # counted from the Unix epoch
    in_range = (Snapshot.evaluated_at >= start, Snapshot.evaluated_at < raw_until)
    ranked = (
        select(
            Snapshot.id,
            func.row_number()
            .over(
                partition_by=(Snapshot.service, Snapshot.slo, Snapshot.instance, bucket),
                order_by=(Snapshot.evaluated_at, Snapshot.id),
            )
            .label("position"),
        )
        .where(*in_range)
        .subquery()
    )
    later = select(ranked.c.id).where(ranked.c.position > 1)
    deleted = connection.execute(delete(Snapshot).where(Snapshot.id.in_(later))).rowcount
    keep = update(Snapshot).where(Snapshot.resolution == CYCLE, *in_range)
    connection.execute(keep.values(resolution=DOWNSAMPLED))
    return deleted


def _bucket_start(at: datetime) -> datetime:
    seconds = int(at.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS
    return datetime.fromtimestamp(seconds, UTC)
