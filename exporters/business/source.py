"""Business metrics of the marketplace, read incrementally from its database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString
from sqlalchemy import Connection, Engine, create_engine, pool

from exporters.business import queries
from exporters.business.events import (
    BID_RESPONSE_BUCKETS,
    ActiveContractors,
    EventWindow,
    Totals,
    apply_created,
    apply_job,
    apply_payout,
)
from marketplace.db.models import TERRITORY_COUNT
from marketplace.db.session import normalise_url


class BusinessSource:
    """Jobs, bids, invoices and payouts counted from the marketplace database.

    The first read counts everything once; later reads fetch only rows created or changed
    since the previous read (indexed `updated_at` / `created_at` ranges), re-reading the last
    `overlap` so late commits are not missed, and counting each event exactly once. A restart
    rebuilds from the database, so the counters continue from its truth.

    Usage::

        source = BusinessSource("postgresql://postgres@127.0.0.1/ftw")
        families = source.read()
    """

    name = "business"

    def __init__(
        self,
        database_url: str,
        overlap: timedelta = timedelta(seconds=30),
        timezone: str = "America/Chicago",
        active_window: timedelta = timedelta(hours=24),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._url = normalise_url(database_url)
        self._engine: Engine | None = None
        self._overlap = overlap
        self._zone = ZoneInfo(timezone)
        self._active = ActiveContractors(active_window)
        self._clock = clock
        self._totals: Totals | None = None
        self._windows: dict[str, EventWindow] = {}
        self.rows_read = 0

    def read(self) -> Sequence[Metric]:
        """Bring the totals up to date and return them as metric families."""
        with self._connect() as connection:
            if self._totals is None:
                self._rebuild(connection)
            else:
                self._catch_up(connection, self._totals)
        assert self._totals is not None
        return families(self._totals, self._active.count(self._clock()))

    def close(self) -> None:
        """Close the database connection."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _connect(self) -> Connection:
        if self._engine is None:
            self._engine = create_engine(
                self._url, poolclass=pool.QueuePool, pool_size=1, pool_pre_ping=True
            )
        return self._engine.connect()

    def _rebuild(self, connection: Connection) -> None:
        now = self._clock()
        cutoff = now - self._overlap
        totals = queries.rebuild(connection, cutoff, self._zone)
        self._active = ActiveContractors(self._active.window)
        for contractor, at in queries.latest_bids(connection, now - self._active.window):
            self._active.saw(contractor, at)
        self._windows = {
            stream: EventWindow(since=cutoff, overlap=self._overlap)
            for stream in ("jobs", "bids", "invoices", "payouts")
        }
        self._catch_up(connection, totals)
        self._totals = totals

    def _catch_up(self, connection: Connection, totals: Totals) -> None:
        rows = 0
        jobs = self._windows["jobs"]
        for job in queries.changed_jobs(connection, jobs.since):
            apply_job(totals, jobs, job)
            rows += 1
        bids = self._windows["bids"]
        for ident, contractor, created_at in queries.new_bids(connection, bids.since):
            totals.bids_submitted += apply_created(bids, "bid", ident, created_at)
            self._active.saw(contractor, created_at)
            rows += 1
        invoices = self._windows["invoices"]
        for ident, created_at in queries.new_invoices(connection, invoices.since):
            totals.invoices_created += apply_created(invoices, "invoice", ident, created_at)
            rows += 1
        payouts = self._windows["payouts"]
        for payout in queries.changed_payouts(connection, payouts.since):
            apply_payout(totals, payouts, payout, self._zone)
            rows += 1
        for window in self._windows.values():
            window.settle()
        self.rows_read = rows


def families(totals: Totals, active_contractors: int) -> list[Metric]:
    """Render the totals as Prometheus metric families."""
    posted = CounterMetricFamily(
        "ftw_jobs_posted", "Jobs posted by homeowners, by territory.", labels=["territory"]
    )
    for territory in range(1, TERRITORY_COUNT + 1):
        posted.add_metric([str(territory)], totals.jobs_posted.get(territory, 0))
    response = HistogramMetricFamily(
        "ftw_bid_response_seconds", "Time from a job being posted to its first bid."
    )
    labels = [floatToGoString(bound) for bound in BID_RESPONSE_BUCKETS] + ["+Inf"]
    buckets = list(zip(labels, totals.bid_response.cumulative(), strict=True))
    response.add_metric([], buckets, sum_value=totals.bid_response.total)
    payouts = CounterMetricFamily(
        "ftw_payouts", "Payouts that reached a terminal state, by that state.", labels=["status"]
    )
    amounts = CounterMetricFamily(
        "ftw_payout_amount_dollars",
        "Money in payouts that reached a terminal state, by that state.",
        labels=["status"],
    )
    for status in sorted(totals.payouts):
        payouts.add_metric([status], totals.payouts[status])
        amounts.add_metric([status], totals.payout_amount_cents[status] / 100)
    return [
        posted,
        response,
        payouts,
        amounts,
        _counter("ftw_payouts_requested", "Payouts requested.", totals.payouts_requested),
        _counter(
            "ftw_payouts_same_day",
            "Payouts paid on the calendar day they were requested, in the business time zone.",
            totals.payouts_same_day,
        ),
        _counter("ftw_bids_submitted", "Bids submitted by contractors.", totals.bids_submitted),
        _counter("ftw_bids_accepted", "Bids accepted by homeowners.", totals.bids_accepted),
        _counter("ftw_jobs_completed", "Jobs completed.", totals.jobs_completed),
        _counter("ftw_jobs_cancelled", "Jobs cancelled.", totals.jobs_cancelled),
        _counter("ftw_invoices_created", "Invoices created.", totals.invoices_created),
        GaugeMetricFamily(
            "ftw_jobs_open", "Jobs posted and not yet awarded or cancelled.", len(totals.open_jobs)
        ),
        GaugeMetricFamily(
            "ftw_contractors_active",
            "Contractors who submitted a bid in the last 24 hours.",
            active_contractors,
        ),
    ]


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)
