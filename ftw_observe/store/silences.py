"""Silences in the store: added, listed and expired, never deleted."""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from ftw_observe.matching.matchers import stored_matcher
from ftw_observe.matching.silences import Silence, SilenceError, expired
from ftw_observe.store.tables import SilenceRow

log = logging.getLogger(__name__)
_told: set[str] = set()  # silences already reported as muting nothing, once per process


def insert_silence(connection: Connection, silence: Silence) -> None:
    """Insert a new silence."""
    connection.execute(insert(SilenceRow).values(silence.record()))


def _silence(row: Row[Any]) -> Silence:
    record = row._asdict()
    try:
        return Silence.from_record(record)
    except SilenceError as error:
        return _inert(record, error)


def _inert(record: dict[str, Any], error: SilenceError) -> Silence:
    """Return a silence kept earlier whose pattern cannot run now; it mutes nothing.

    One such row must not stop the router, and a silence the engine cannot apply as written
    mutes nothing rather than more than it said. It is still listed and can be expired.
    """
    try:
        matchers = tuple(stored_matcher(text) for text in record["matchers"])
    except ValueError:
        raise error from None
    if not any(matcher.inert for matcher in matchers):
        raise error
    if record["id"] not in _told:
        _told.add(record["id"])
        log.warning("silence %s mutes nothing: %s; expire it and set it again", record["id"], error)
    values = {item.name: record[item.name] for item in fields(Silence)}
    return Silence(**{**values, "matchers": matchers})


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
