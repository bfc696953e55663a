"""The report's read model: only the snapshots a report needs, not the whole history.

A 30-day history holds about 14 000 snapshots per SLO instance; decoding them all takes about
a second. A report needs far fewer: the snapshots that begin each UTC hour (for the hourly
counts and the budget chart) and four at the window's edges.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, and_, cast, select

from ftw_observe.model import Evaluation, InstanceKey
from ftw_observe.store.codec import decode_float
from ftw_observe.store.snapshots import COLUMNS, evaluated_epoch, evaluation
from ftw_observe.store.tables import Snapshot


@dataclass(frozen=True)
class HourStart:
    """A snapshot taken soon after a UTC hour began: its time, its budget, and its windows.

    The windows stay JSON text until `counts` asks for one, so rows never sampled are never
    decoded.

    >>> start = HourStart(datetime(2024, 6, 8, 1, 0, 20), 0.78, 33.7,
    ...                   '[{"window": "1h", "errors": 2.0, "events": 1000.0}]')
    >>> start.counts("1h"), start.counts("6h")
    ((2.0, 1000.0), None)
    """

    at: datetime
    remaining: float | None
    remaining_minutes: float | None
    windows: str = field(repr=False)

    def counts(self, window: str) -> tuple[float, float] | None:
        """Return the (errors, events) of `window` when both were measured, else None."""
        for item in json.loads(self.windows):
            if item["window"] != window:
                continue
            errors, events = decode_float(item["errors"]), decode_float(item["events"])
            if errors is not None and events is not None and math.isfinite(errors + events):
                return errors, events
        return None


@dataclass(frozen=True)
class Edges:
    """The snapshots at the edges of a time range that a report reads.

    Usage::

        edges = reads.edges(key, window.start, window.end)
        consumed = edges.first_budget.remaining - edges.last_budget.remaining
    """

    first_budget: Evaluation | None  # the oldest with a remaining budget
    last_budget: Evaluation | None  # the newest with a remaining budget
    last: Evaluation | None
    last_counted: Evaluation | None  # the newest with the period's errors and events


class ReportReads:
    """Read one instance's report snapshots over one connection, in indexed queries.

    Usage::

        with store.report_reads() as reads:
            edges = reads.edges(key, window.start, window.end)
            hours = reads.hour_starts(key, since, window.end, within=timedelta(minutes=5))
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def edges(self, key: InstanceKey, since: datetime, until: datetime) -> Edges:
        """Return the snapshots at the edges of `since` to `until` (both included)."""
        return Edges(
            first_budget=self._edge(key, since, until, newest=False, known=(Snapshot.remaining,)),
            last_budget=self._edge(key, since, until, newest=True, known=(Snapshot.remaining,)),
            last=self._edge(key, since, until, newest=True),
            last_counted=self._edge(
                key, since, until, newest=True, known=(Snapshot.errors, Snapshot.events)
            ),
        )

    def first_at(self, key: InstanceKey) -> datetime | None:
        """Return when the instance's first stored snapshot was evaluated, or None."""
        query = (
            select(Snapshot.evaluated_at)
            .where(
                Snapshot.service == key.service,
                Snapshot.slo == key.slo,
                Snapshot.instance == key.instance,
            )
            .order_by(Snapshot.evaluated_at, Snapshot.id)
            .limit(1)
        )
        return self.connection.execute(query).scalar()

    def hour_starts(
        self, key: InstanceKey, since: datetime, until: datetime, *, within: timedelta
    ) -> list[HourStart]:
        """Return the snapshots less than `within` after a UTC hour starts, oldest first.

        About one an hour once downsampled, ten while at the 30 s cycle, instead of 120.
        """
        epoch = evaluated_epoch(self.connection)
        windows = cast(Snapshot.windows, Text)
        query = (
            select(Snapshot.evaluated_at, Snapshot.remaining, Snapshot.remaining_minutes, windows)
            .where(_of(key, since, until), epoch % 3600 < int(within.total_seconds()))
            .order_by(Snapshot.evaluated_at, Snapshot.id)
        )
        return [HourStart(*row) for row in self.connection.execute(query)]

    def _edge(
        self,
        key: InstanceKey,
        since: datetime,
        until: datetime,
        *,
        newest: bool,
        known: tuple[Any, ...] = (),
    ) -> Evaluation | None:
        """Return the first (or last) snapshot in the range whose `known` columns are set."""
        order = (Snapshot.evaluated_at, Snapshot.id)
        query = (
            select(*COLUMNS)
            .where(_of(key, since, until), *(column.is_not(None) for column in known))
            .order_by(*(column.desc() for column in order) if newest else order)
            .limit(1)
        )
        row = self.connection.execute(query).first()
        return None if row is None else evaluation(row)


def _of(key: InstanceKey, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(
        Snapshot.service == key.service,
        Snapshot.slo == key.slo,
        Snapshot.instance == key.instance,
        Snapshot.evaluated_at >= since,
        Snapshot.evaluated_at <= until,
    )
