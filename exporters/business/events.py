"""Business events read from marketplace rows, and the totals they add up to (pure)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

# The 15-minute bid-response target is a bound, and so is every common alert threshold.
BID_RESPONSE_BUCKETS = (60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 86400.0)
TERMINAL_PAYOUT_STATUSES = ("paid", "failed")


@dataclass
class Histogram:
    """Counts per bucket (not cumulative; the last is +Inf), their sum and count."""

    bounds: tuple[float, ...] = BID_RESPONSE_BUCKETS
    counts: list[int] = field(default_factory=lambda: [0] * (len(BID_RESPONSE_BUCKETS) + 1))
    total: float = 0.0

    def observe(self, value: float) -> None:
        """Count one observation."""
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def cumulative(self) -> list[int]:
        """Return cumulative counts per bound, +Inf last."""
        running, result = 0, []
        for count in self.counts:
            running += count
            result.append(running)
        return result


def _per_terminal_status() -> dict[str, int]:
    return dict.fromkeys(TERMINAL_PAYOUT_STATUSES, 0)


@dataclass
class Totals:
    """Everything the business source counts, as of its high-water marks."""

    jobs_posted: dict[int, int] = field(default_factory=dict)
    bid_response: Histogram = field(default_factory=Histogram)
    bids_submitted: int = 0
    bids_accepted: int = 0
    jobs_completed: int = 0
    jobs_cancelled: int = 0
    invoices_created: int = 0
    payouts_requested: int = 0
    payouts: dict[str, int] = field(default_factory=_per_terminal_status)
    payout_amount_cents: dict[str, int] = field(default_factory=_per_terminal_status)
    payouts_same_day: int = 0
    open_jobs: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class JobRow:
    """The columns of a job the business metrics read."""

    id: int
    territory_id: int
    status: str
    posted_at: datetime
    first_bid_at: datetime | None
    awarded_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class PayoutRow:
    """The columns of a payout the business metrics read."""

    id: int
    status: str
    amount_cents: int
    requested_at: datetime
    paid_at: datetime | None
    failed_at: datetime | None
    updated_at: datetime


def same_day(requested_at: datetime, paid_at: datetime, zone: tzinfo) -> bool:
    """Tell whether a payout was paid on the calendar day it was requested, in `zone`."""
    return requested_at.astimezone(zone).date() == paid_at.astimezone(zone).date()


@dataclass
class EventWindow:
    """Counts each event once although rows are re-read for `overlap` after they change.

    Rows are read from `since` = high-water mark - overlap, so a transaction that commits a
    little after its timestamp is still seen; events already counted in that window are
    remembered by key and skipped.
    """

    since: datetime
    overlap: timedelta
    seen: dict[tuple[str, int], datetime] = field(default_factory=dict)
    high_water: datetime | None = None

    def is_new(self, kind: str, ident: int, at: datetime | None) -> bool:
        """Tell whether an event has not been counted yet, and remember it if so."""
        if at is None or at <= self.since or (kind, ident) in self.seen:
            return False
        self.seen[kind, ident] = at
        return True

    def advance(self, changed_at: datetime) -> None:
        """Note that a row changed at `changed_at`."""
        if self.high_water is None or changed_at > self.high_water:
            self.high_water = changed_at

    def settle(self) -> None:
        """Move the window up to the newest change read and forget events below it."""
        if self.high_water is None:
            return
        self.since = max(self.since, self.high_water - self.overlap)
        self.seen = {key: at for key, at in self.seen.items() if at > self.since}


def apply_job(totals: Totals, window: EventWindow, job: JobRow) -> None:
    """Count the events of one job row that have not been counted yet."""
    window.advance(job.updated_at)
    if window.is_new("posted", job.id, job.posted_at):
        totals.jobs_posted[job.territory_id] = totals.jobs_posted.get(job.territory_id, 0) + 1
    if window.is_new("first_bid", job.id, job.first_bid_at) and job.first_bid_at is not None:
        totals.bid_response.observe(max(0.0, (job.first_bid_at - job.posted_at).total_seconds()))
    if window.is_new("awarded", job.id, job.awarded_at):
        totals.bids_accepted += 1
    if window.is_new("completed", job.id, job.completed_at):
        totals.jobs_completed += 1
    if window.is_new("cancelled", job.id, job.cancelled_at):
        totals.jobs_cancelled += 1
    if job.status == "posted":
        totals.open_jobs.add(job.id)
    else:
        totals.open_jobs.discard(job.id)


def apply_payout(totals: Totals, window: EventWindow, payout: PayoutRow, zone: tzinfo) -> None:
    """Count the events of one payout row that have not been counted yet."""
    window.advance(payout.updated_at)
    if window.is_new("requested", payout.id, payout.requested_at):
        totals.payouts_requested += 1
    for status, at in (("paid", payout.paid_at), ("failed", payout.failed_at)):
        if window.is_new(status, payout.id, at):
            totals.payouts[status] += 1
            totals.payout_amount_cents[status] += payout.amount_cents
            if status == "paid" and at is not None and same_day(payout.requested_at, at, zone):
                totals.payouts_same_day += 1


def apply_created(window: EventWindow, kind: str, ident: int, created_at: datetime) -> bool:
    """Tell whether a created-once row (bid, invoice) is new, advancing the window."""
    window.advance(created_at)
    return window.is_new(kind, ident, created_at)


class ActiveContractors:
    """Contractors whose latest bid is within a sliding window, kept up to date per bid.

    Usage::

        active = ActiveContractors(timedelta(hours=24))
        active.saw(contractor_id=7, at=bid.created_at)
        active.count(now)
    """

    def __init__(self, window: timedelta) -> None:
        self.window = window
        # Insertion order is the order of latest bids, so expiry pops from the front.
        self._latest: dict[int, datetime] = {}

    def saw(self, contractor_id: int, at: datetime) -> None:
        """Note a bid by `contractor_id` at `at`."""
        previous = self._latest.get(contractor_id)
        if previous is not None and previous >= at:
            return
        self._latest.pop(contractor_id, None)
        if self._latest and at < next(reversed(self._latest.values())):
            # An older bid than the newest seen: rare (late commits); keep the order exact.
            self._latest[contractor_id] = at
            self._latest = dict(sorted(self._latest.items(), key=lambda item: item[1]))
            return
        self._latest[contractor_id] = at

    def count(self, now: datetime) -> int:
        """Return how many contractors bid within the window before `now`."""
        horizon = now - self.window
        while self._latest:
            contractor, at = next(iter(self._latest.items()))
            if at > horizon:
                break
            del self._latest[contractor]
        return len(self._latest)
