"""Silences in the store: added, listed and expired, never deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from ftw_observe.matching.silences import Silence, expired
from ftw_observe.store.tables import SilenceRow


def insert_silence(connection: Connection, silence: Silence) -> None:
    """Insert a new silence."""
    connection.execute(insert(SilenceRow).values(silence.record()))


def _silence(row: Row[Any]) -> Silence:
    return Silence.from_record(row._asdict())


def silences(connection: Connection, *, now: datetime, include_expired: bool) -> list[Silence]:
    """Return silences that are active or pending at `now` (or every one), by start time."""
    query = select(SilenceRow).order_by(SilenceRow.starts_at, SilenceRow.created_at, SilenceRow.id)
    if not include_expired:
        query = query.where(
            SilenceRow.ends_at > now,
            or_(SilenceRow.expired_at.is_(None), SilenceRow.expired_at > now),
        )
    return [_silence(row) for row in connection.execute(query)]


def ended_silences(connection: Connection, *, since: datetime, until: datetime) -> list[Silence]:
    """Return silences that stopped muting after `since` and by `until`, by when they did."""
    ends = and_(SilenceRow.ends_at > since, SilenceRow.ends_at <= until)
    expiries = and_(SilenceRow.expired_at > since, SilenceRow.expired_at <= until)
    found = [
        _silence(row) for row in connection.execute(select(SilenceRow).where(or_(ends, expiries)))
    ]
    return sorted(
        (silence for silence in found if since < silence.ends <= until),
        key=lambda silence: (silence.ends, silence.id),
    )


def get_silence(connection: Connection, silence_id: str) -> Silence | None:
    """Return one silence, or None when there is no such id."""
    row = connection.execute(select(SilenceRow).where(SilenceRow.id == silence_id)).first()
    return None if row is None else _silence(row)


def expire_silence(connection: Connection, silence_id: str, at: datetime) -> Silence | None:
    """Expire a silence at `at` and return it; None when there is no such id.

    A silence that already ended is returned unchanged; a pending one is cancelled.
    """
    row = connection.execute(
        select(SilenceRow).where(SilenceRow.id == silence_id).with_for_update()
    ).first()
    if row is None:
        return None
    silence = expired(_silence(row), at)
    if silence.expired_at != row.expired_at:
        connection.execute(
            update(SilenceRow)
            .where(SilenceRow.id == silence_id)
            .values(expired_at=silence.expired_at)
        )
    return silence
