"""Read-only queries of the store's snapshots: only the rows a report needs.

A 30-day history holds about 14 000 snapshots per SLO instance; decoding them all takes about
a second. A report needs far fewer: the snapshots that begin each UTC hour (for the hourly
counts and the budget chart) and four at the window's edges.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, and_, cast, literal_column, select

from ftw_observe.model import Evaluation, InstanceKey
from ftw_observe.report.model import (
    HOUR_WINDOW,
    SAMPLE_WITHIN,
    BudgetPoint,
    HourSample,
    InstanceData,
    ReportWindow,
    SLOInfo,
    budget_point,
    chart_line,
    chart_start,
)
from ftw_observe.store.codec import decode_float
from ftw_observe.store.snapshots import COLUMNS, evaluation
from ftw_observe.store.tables import Snapshot

# Seconds since the Unix epoch, whatever the session's time zone. SQLite keeps UTC text.
_EPOCH_SQL = {
    "postgresql": "floor(extract(epoch from evaluated_at))::bigint",
    "sqlite": "CAST(strftime('%s', evaluated_at) AS INTEGER)",
}


def _of(key: InstanceKey, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(
        Snapshot.service == key.service,
        Snapshot.slo == key.slo,
        Snapshot.instance == key.instance,
        Snapshot.evaluated_at >= since,
        Snapshot.evaluated_at <= until,
    )


Row = tuple[datetime, str, float | None, float | None]


def hour_rows(
    connection: Connection, key: InstanceKey, since: datetime, until: datetime
) -> list[Row]:
    """Return (time, windows as JSON text, remaining, minutes) of snapshots that begin an hour.

    Those are the snapshots less than SAMPLE_WITHIN after a UTC hour starts: about one an hour
    once downsampled, ten while at the 30 s cycle, instead of 120. Windows stay text, so only
    the rows sampled are decoded.
    """
    dialect = connection.dialect.name
    if dialect not in _EPOCH_SQL:
        raise NotImplementedError(f"the store supports Postgres and SQLite, not {dialect}")
    epoch: Any = literal_column(_EPOCH_SQL[dialect])
    columns = (Snapshot.evaluated_at, cast(Snapshot.windows, Text), Snapshot.remaining)
    query = (
        select(*columns, Snapshot.remaining_minutes)
        .where(_of(key, since, until), epoch % 3600 < int(SAMPLE_WITHIN.total_seconds()))
        .order_by(Snapshot.evaluated_at, Snapshot.id)
    )
    return [(row[0], row[1], row[2], row[3]) for row in connection.execute(query)]


def first_samples(rows: Iterable[Row], since: datetime) -> list[HourSample]:
    """Return the first known "1h" counts among each hour's rows from `since`, oldest first."""
    found: list[HourSample] = []
    sampled: set[int] = set()
    for at, windows, _, _ in rows:
        hour = int(at.timestamp()) // 3600
        if at >= since and hour not in sampled:
            samples = _samples(at, json.loads(windows))
            if samples:
                found.append(samples[0])
                sampled.add(hour)
    return found


def _samples(at: datetime, windows: list[dict[str, Any]]) -> list[HourSample]:
    counts = [
        (decode_float(item["errors"]), decode_float(item["events"]))
        for item in windows
        if item["window"] == HOUR_WINDOW
    ]
    return [
        HourSample(at, errors, events)
        for errors, events in counts
        if errors is not None and events is not None and math.isfinite(errors + events)
    ]


def edge(
    connection: Connection,
    key: InstanceKey,
    window: ReportWindow,
    *,
    newest: bool,
    known: tuple[Any, ...] = (),
) -> Evaluation | None:
    """Return the first (or last) snapshot in the window whose `known` columns are not null."""
    order = (Snapshot.evaluated_at, Snapshot.id)
    query = (
        select(*COLUMNS)
        .where(_of(key, window.start, window.end), *(column.is_not(None) for column in known))
        .order_by(*(column.desc() for column in order) if newest else order)
        .limit(1)
    )
    row = connection.execute(query).first()
    return None if row is None else evaluation(row)


def instance_data(
    connection: Connection, info: SLOInfo, key: InstanceKey, window: ReportWindow
) -> InstanceData:
    """Return what a report needs of one instance, in five indexed queries.

    The same as `InstanceData.from_history` over the whole history, without reading it all.
    """
    first = edge(connection, key, window, newest=False, known=(Snapshot.remaining,))
    last = edge(connection, key, window, newest=True, known=(Snapshot.remaining,))
    end = None if last is None else budget_point(last)
    since = chart_start(window, info.period_seconds)
    rows = hour_rows(connection, key, since, window.end + SAMPLE_WITHIN)
    chart = [
        BudgetPoint(at, remaining, minutes) if remaining is not None else None
        for at, _, remaining, minutes in rows
        if at <= window.end
    ]
    return InstanceData(
        info=info,
        key=key,
        samples=first_samples(rows, window.start),
        chart=chart_line(chart, end),
        budget_start=None if first is None else budget_point(first),
        budget_end=end,
        last=edge(connection, key, window, newest=True),
        measured=edge(
            connection, key, window, newest=True, known=(Snapshot.errors, Snapshot.events)
        ),
    )
