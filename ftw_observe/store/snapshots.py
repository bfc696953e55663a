"""Snapshots of evaluations: write each cycle's, read the newest and the history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Row,
    and_,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.orm import aliased

from ftw_observe.budget import Status
from ftw_observe.model import Evaluation, InstanceKey, WindowBurn
from ftw_observe.store.codec import decode_float, encode_float, encode_group, instance_key
from ftw_observe.store.tables import Snapshot

CYCLE = "cycle"  # resolution of snapshots as written
DOWNSAMPLED = "5m"  # resolution of snapshots kept one per 5 minutes

# Whole seconds since the Unix epoch, whatever the session's time zone. SQLite keeps UTC text.
_EPOCH_SQL = {
    "postgresql": "floor(extract(epoch from evaluated_at))::bigint",
    "sqlite": "CAST(strftime('%s', evaluated_at) AS INTEGER)",
}

COLUMNS = (
    Snapshot.id,
    Snapshot.service,
    Snapshot.slo,
    Snapshot.group_labels,
    Snapshot.evaluated_at,
    Snapshot.status,
    Snapshot.objective,
    Snapshot.period_seconds,
    Snapshot.sli,
    Snapshot.errors,
    Snapshot.events,
    Snapshot.remaining,
    Snapshot.remaining_minutes,
    Snapshot.seconds_to_exhaustion,
    Snapshot.windows,
    Snapshot.detail,
    Snapshot.coverage,
)


def evaluated_epoch(connection: Connection) -> ColumnElement[int]:
    """Return SQL for a snapshot's evaluation time in whole seconds since the Unix epoch."""
    dialect = connection.dialect.name
    if dialect not in _EPOCH_SQL:
        raise NotImplementedError(f"the store supports Postgres and SQLite, not {dialect}")
    return literal_column(_EPOCH_SQL[dialect], BigInteger)


def insert_evaluations(connection: Connection, evaluations: Iterable[Evaluation]) -> None:
    """Insert one snapshot per evaluation, at cycle resolution."""
    rows = [_row(evaluation) for evaluation in evaluations]
    if rows:
        connection.execute(insert(Snapshot), rows)


def _row(evaluation: Evaluation) -> dict[str, Any]:
    key = evaluation.key
    windows = [
        {
            "window": burn.window,
            "errors": encode_float(burn.errors),
            "events": encode_float(burn.events),
            "error_ratio": encode_float(burn.error_ratio),
            "burn_rate": encode_float(burn.burn_rate),
            "coverage": encode_float(burn.coverage),
        }
        for burn in evaluation.windows
    ]
    return {
        "service": key.service,
        "slo": key.slo,
        "instance": key.instance,
        "group_labels": encode_group(key.group),
        "evaluated_at": evaluation.evaluated_at,
        "status": evaluation.status.value,
        "objective": evaluation.objective,
        "period_seconds": evaluation.period_seconds,
        "sli": evaluation.sli,
        "errors": evaluation.errors,
        "events": evaluation.events,
        "remaining": evaluation.remaining,
        "remaining_minutes": evaluation.remaining_minutes,
        "seconds_to_exhaustion": evaluation.seconds_to_exhaustion,
        "windows": windows,
        "detail": evaluation.detail,
        "coverage": evaluation.coverage,
        "resolution": CYCLE,
    }


def evaluation(row: Row[Any]) -> Evaluation:
    """Return the evaluation a snapshot row holds."""
    windows = tuple(
        WindowBurn(
            window=str(item["window"]),
            errors=decode_float(item["errors"]),
            events=decode_float(item["events"]),
            error_ratio=decode_float(item["error_ratio"]),
            burn_rate=decode_float(item["burn_rate"]),
            coverage=decode_float(item.get("coverage")),
        )
        for item in row.windows
    )
    return Evaluation(
        key=instance_key(row.service, row.slo, row.group_labels),
        evaluated_at=row.evaluated_at,
        status=Status(row.status),
        objective=row.objective,
        period_seconds=row.period_seconds,
        sli=row.sli,
        errors=row.errors,
        events=row.events,
        remaining=row.remaining,
        remaining_minutes=row.remaining_minutes,
        seconds_to_exhaustion=row.seconds_to_exhaustion,
        windows=windows,
        detail=row.detail,
        coverage=row.coverage,
    )


def latest(connection: Connection) -> list[Evaluation]:
    """Return the newest snapshot of every instance, sorted by service, SLO and instance.

    A loose index scan: a recursive query hops from one (service, slo, instance) to the next
    through the index, then takes each instance's newest row from the index too, so the cost
    grows with the number of instances, not with the months of history behind them.
    """
    hop = aliased(Snapshot, name="hop")
    index_order = (hop.service, hop.slo, hop.instance)
    first = select(*index_order).order_by(*index_order).limit(1).subquery()
    keys = select(first.c.service, first.c.slo, first.c.instance).cte("keys", recursive=True)

    def seek(*conditions: Any) -> Any:
        return select(hop.id).where(*conditions).order_by(*index_order).limit(1).scalar_subquery()

    # The next key in index order; three seeks with equal prefixes, which both planners run
    # as index range scans (SQLite would use only the first column of a row-value comparison).
    next_id = func.coalesce(
        seek(hop.service == keys.c.service, hop.slo == keys.c.slo, hop.instance > keys.c.instance),
        seek(hop.service == keys.c.service, hop.slo > keys.c.slo),
        seek(hop.service > keys.c.service),
    )
    step = aliased(Snapshot, name="step")
    keys = keys.union_all(
        select(step.service, step.slo, step.instance)
        .select_from(keys)
        .join(step, step.id == next_id)
    )
    newest = aliased(Snapshot)
    newest_id = (
        select(newest.id)
        .where(
            newest.service == keys.c.service,
            newest.slo == keys.c.slo,
            newest.instance == keys.c.instance,
        )
        .order_by(newest.evaluated_at.desc(), newest.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(*COLUMNS)
        .select_from(keys)
        .join(Snapshot, Snapshot.id == newest_id)
        .order_by(Snapshot.service, Snapshot.slo, Snapshot.instance)
    )
    return [evaluation(row) for row in connection.execute(query)]


def history(
    connection: Connection,
    key: InstanceKey,
    *,
    since: datetime,
    until: datetime | None,
    max_points: int | None,
) -> list[Evaluation]:
    """Return an instance's snapshots from `since` to `until` (inclusive), oldest first.

    With `max_points`, return at most that many, evenly spread and always including the first
    and the last.
    """
    if max_points is not None and max_points < 1:
        raise ValueError("max_points must be at least 1")
    conditions = [
        Snapshot.service == key.service,
        Snapshot.slo == key.slo,
        Snapshot.instance == key.instance,
        Snapshot.evaluated_at >= since,
    ]
    if until is not None:
        conditions.append(Snapshot.evaluated_at <= until)
    where = and_(*conditions)
    order = (Snapshot.evaluated_at, Snapshot.id)
    if max_points is not None:
        count = connection.execute(select(func.count()).where(where)).scalar_one()
        if count > max_points:
            ranked = (
                select(*COLUMNS, func.row_number().over(order_by=order).label("position"))
                .where(where)
                .subquery()
            )
            wanted = _positions(count, max_points)
            query = select(ranked).where(ranked.c.position.in_(wanted)).order_by(ranked.c.position)
            return [evaluation(row) for row in connection.execute(query)]
    return [
        evaluation(row)
        for row in connection.execute(select(*COLUMNS).where(where).order_by(*order))
    ]


def recent(
    connection: Connection, service: str, slo: str, instance: str, *, since: datetime
) -> list[Evaluation]:
    """Return an instance's snapshots from `since` on, oldest first; `instance` as text."""
    where = and_(
        Snapshot.service == service,
        Snapshot.slo == slo,
        Snapshot.instance == instance,
        Snapshot.evaluated_at >= since,
    )
    query = select(*COLUMNS).where(where).order_by(Snapshot.evaluated_at, Snapshot.id)
    return [evaluation(row) for row in connection.execute(query)]


def _positions(count: int, points: int) -> list[int]:
    """Return `points` evenly spread 1-based positions among `count`, first and last included."""
    if points == 1:
        return [count]
    span = points - 1
    return [(index * (count - 1) + span // 2) // span + 1 for index in range(points)]
