"""SQL the business source runs: one full rebuild, then reads of changed rows only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.sql.elements import literal

from exporters.business.events import (
    BID_RESPONSE_BUCKETS,
    JobRow,
    PayoutRow,
    Totals,
    same_day,
)
from marketplace.db.models import Bid, Invoice, Job, Payout

JOB_COLUMNS = (
    Job.id,
    Job.territory_id,
    Job.status,
    Job.posted_at,
    Job.first_bid_at,
    Job.awarded_at,
    Job.completed_at,
    Job.cancelled_at,
    Job.updated_at,
)
PAYOUT_COLUMNS = (
    Payout.id,
    Payout.status,
    Payout.amount_cents,
    Payout.requested_at,
    Payout.paid_at,
    Payout.failed_at,
    Payout.updated_at,
)


# Column expressions: SQLAlchemy's generics do not follow them through case() and func.
Expression = Any


def _sum_until(column: Expression, cutoff: datetime, value: Expression = 1) -> Expression:
    return func.coalesce(func.sum(case((column <= cutoff, value), else_=0)), 0)


def _seconds_between(connection: Connection, start: Expression, end: Expression) -> Expression:
    if connection.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * literal(86400.0)


def _local_day(column: Expression, zone: tzinfo) -> Expression:
    return func.date(func.timezone(str(zone), column))


def rebuild(connection: Connection, cutoff: datetime, zone: tzinfo) -> Totals:
    """Count every event up to `cutoff` from scratch; runs once, when the exporter starts."""
    totals = Totals()
    for territory, count in connection.execute(
        select(Job.territory_id, func.count())
        .where(Job.posted_at <= cutoff)
        .group_by(Job.territory_id)
    ):
        totals.jobs_posted[int(territory)] = int(count)
    awarded, completed, cancelled = connection.execute(
        select(
            _sum_until(Job.awarded_at, cutoff),
            _sum_until(Job.completed_at, cutoff),
            _sum_until(Job.cancelled_at, cutoff),
        )
    ).one()
    totals.bids_accepted, totals.jobs_completed, totals.jobs_cancelled = (
        int(awarded),
        int(completed),
        int(cancelled),
    )
    _rebuild_bid_response(connection, cutoff, totals)
    totals.open_jobs = set(connection.scalars(select(Job.id).where(Job.status == "posted")))
    totals.bids_submitted = int(
        connection.scalar(select(func.count()).select_from(Bid).where(Bid.created_at <= cutoff))
        or 0
    )
    totals.invoices_created = int(
        connection.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.created_at <= cutoff)
        )
        or 0
    )
    _rebuild_payouts(connection, cutoff, zone, totals)
    return totals


def _rebuild_bid_response(connection: Connection, cutoff: datetime, totals: Totals) -> None:
    seconds = _seconds_between(connection, Job.posted_at, Job.first_bid_at)
    bounds = [
        func.coalesce(func.sum(case((seconds <= bound, 1), else_=0)), 0)
        for bound in BID_RESPONSE_BUCKETS
    ]
    row = connection.execute(
        select(*bounds, func.count(), func.coalesce(func.sum(seconds), 0.0)).where(
            Job.first_bid_at <= cutoff
        )
    ).one()
    cumulative = [int(value) for value in row[: len(BID_RESPONSE_BUCKETS)]] + [int(row[-2])]
    previous = 0
    for index, value in enumerate(cumulative):
        totals.bid_response.counts[index] = value - previous
        previous = value
    totals.bid_response.total = float(row[-1])


def _rebuild_payouts(
    connection: Connection, cutoff: datetime, zone: tzinfo, totals: Totals
) -> None:
    requested, paid, paid_cents, failed, failed_cents = connection.execute(
        select(
            _sum_until(Payout.requested_at, cutoff),
            _sum_until(Payout.paid_at, cutoff),
            func.coalesce(
                func.sum(case((Payout.paid_at <= cutoff, Payout.amount_cents), else_=0)), 0
            ),
            _sum_until(Payout.failed_at, cutoff),
            func.coalesce(
                func.sum(case((Payout.failed_at <= cutoff, Payout.amount_cents), else_=0)), 0
            ),
        )
    ).one()
    totals.payouts_requested = int(requested)
    totals.payouts = {"paid": int(paid), "failed": int(failed)}
    totals.payout_amount_cents = {"paid": int(paid_cents), "failed": int(failed_cents)}
    totals.payouts_same_day = _same_day_until(connection, cutoff, zone)


def _same_day_until(connection: Connection, cutoff: datetime, zone: tzinfo) -> int:
    if connection.dialect.name == "postgresql":
        query = (
            select(func.count())
            .select_from(Payout)
            .where(
                Payout.paid_at <= cutoff,
                _local_day(Payout.paid_at, zone) == _local_day(Payout.requested_at, zone),
            )
        )
        return int(connection.scalar(query) or 0)
    # SQLite has no time zones; its databases are small enough to decide row by row.
    rows = connection.execute(
        select(Payout.requested_at, Payout.paid_at).where(Payout.paid_at <= cutoff)
    )
    return sum(
        1 for requested, paid in rows if paid is not None and same_day(requested, paid, zone)
    )


def changed_jobs(connection: Connection, since: datetime) -> Iterator[JobRow]:
    """Yield jobs changed after `since`, oldest change first."""
    query = select(*JOB_COLUMNS).where(Job.updated_at > since).order_by(Job.updated_at)
    for row in connection.execute(query):
        yield JobRow(*row)


def changed_payouts(connection: Connection, since: datetime) -> Iterator[PayoutRow]:
    """Yield payouts changed after `since`, oldest change first."""
    query = select(*PAYOUT_COLUMNS).where(Payout.updated_at > since).order_by(Payout.updated_at)
    for row in connection.execute(query):
        yield PayoutRow(*row)


def new_bids(connection: Connection, since: datetime) -> Iterator[tuple[int, int, datetime]]:
    """Yield (id, contractor_id, created_at) of bids created after `since`, oldest first."""
    query = (
        select(Bid.id, Bid.contractor_id, Bid.created_at)
        .where(Bid.created_at > since)
        .order_by(Bid.created_at)
    )
    yield from connection.execute(query)


def new_invoices(connection: Connection, since: datetime) -> Iterator[tuple[int, datetime]]:
    """Yield (id, created_at) of invoices created after `since`."""
    query = select(Invoice.id, Invoice.created_at).where(Invoice.created_at > since)
    yield from connection.execute(query)


def latest_bids(connection: Connection, since: datetime) -> Iterator[tuple[int, datetime]]:
    """Yield each contractor's latest bid time after `since`, oldest first."""
    latest = func.max(Bid.created_at)
    query = (
        select(Bid.contractor_id, latest)
        .where(Bid.created_at > since)
        .group_by(Bid.contractor_id)
        .order_by(latest)
    )
    yield from connection.execute(query)
