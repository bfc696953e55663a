"""Business metrics equal what the database holds, read incrementally."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from exporters.business.source import BusinessSource
from marketplace.db.session import normalise_url
from tests.conftest import Marketplace


def _values(source: BusinessSource) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in source.read()
        for sample in family.samples
    }


def _sql(url: str, query: str) -> float:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return float(connection.execute(text(query)).scalar() or 0)
    finally:
        engine.dispose()


def _expected(url: str) -> dict[str, float]:
    return {
        "ftw_bids_submitted_total": _sql(url, "SELECT count(*) FROM bids"),
        "ftw_bids_accepted_total": _sql(
            url, "SELECT count(*) FROM jobs WHERE awarded_at IS NOT NULL"
        ),
        "ftw_jobs_completed_total": _sql(
            url, "SELECT count(*) FROM jobs WHERE completed_at IS NOT NULL"
        ),
        "ftw_jobs_cancelled_total": _sql(
            url, "SELECT count(*) FROM jobs WHERE cancelled_at IS NOT NULL"
        ),
        "ftw_invoices_created_total": _sql(url, "SELECT count(*) FROM invoices"),
        "ftw_payouts_requested_total": _sql(url, "SELECT count(*) FROM payouts"),
        "ftw_jobs_open": _sql(url, "SELECT count(*) FROM jobs WHERE status = 'posted'"),
        "ftw_bid_response_seconds_count": _sql(
            url, "SELECT count(*) FROM jobs WHERE first_bid_at IS NOT NULL"
        ),
    }


def _simple(values: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    return {name: value for (name, labels), value in values.items() if not labels}


def _activity(mp: Marketplace) -> None:
    invoice_id = mp.invoiced_job()
    mp.call("POST", "/api/payouts", 201, "contractor", json={"invoice_id": invoice_id})
    mp.post_job(territory=200)
    job_id, _ = mp.awarded_job(contractor=1)
    mp.call("POST", f"/api/jobs/{job_id}/cancel", 200, "homeowner")


def test_first_read_equals_sql(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    _activity(pg_marketplace)
    url = pg_marketplace.settings.database_url
    values = _simple(_values(business_source(url)))
    for name, expected in _expected(url).items():
        assert values[name] == expected, name


def test_later_reads_count_only_new_rows_and_still_equal_sql(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    url = pg_marketplace.settings.database_url
    source = business_source(url)
    _activity(pg_marketplace)
    source.read()
    _activity(pg_marketplace)
    values = _simple(_values(source))
    for name, expected in _expected(url).items():
        assert values[name] == expected, name


def test_jobs_posted_by_territory(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    pg_marketplace.post_job(territory=17)
    pg_marketplace.post_job(territory=17)
    pg_marketplace.post_job(territory=254)
    values = _values(business_source(pg_marketplace.settings.database_url))
    assert values[("ftw_jobs_posted_total", (("territory", "17"),))] == 2
    assert values[("ftw_jobs_posted_total", (("territory", "254"),))] == 1
    assert values[("ftw_jobs_posted_total", (("territory", "1"),))] == 0


def test_a_payout_changing_status_is_counted_once_in_its_final_state(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    mp = pg_marketplace
    url = mp.settings.database_url
    invoice_id = mp.invoiced_job()
    source = business_source(url)
    now = datetime.now(UTC)
    engine = create_engine(normalise_url(url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO payouts (invoice_id, contractor_id, amount_cents, status, "
                "requested_at, updated_at) SELECT id, contractor_id, 1234, 'requested', :t, :t "
                "FROM invoices WHERE id = :invoice"
            ),
            {"t": now, "invoice": invoice_id},
        )
    first = _values(source)
    assert first[("ftw_payouts_total", (("status", "paid"),))] == 0
    assert first[("ftw_payouts_requested_total", ())] == 1
    with engine.begin() as connection:
        later = now + timedelta(seconds=5)
        connection.execute(
            text("UPDATE payouts SET status = 'paid', paid_at = :t, updated_at = :t"),
            {"t": later},
        )
    engine.dispose()
    for _ in range(3):  # re-reading the overlap window must not count it again
        values = _values(source)
        assert values[("ftw_payouts_total", (("status", "paid"),))] == 1
        assert values[("ftw_payout_amount_dollars_total", (("status", "paid"),))] == pytest.approx(
            12.34
        )
        assert values[("ftw_payouts_requested_total", ())] == 1
        assert values[("ftw_payouts_same_day_total", ())] == 1


def test_a_restarted_source_continues_from_the_database(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    url = pg_marketplace.settings.database_url
    running = business_source(url)
    _activity(pg_marketplace)
    running.read()
    _activity(pg_marketplace)
    assert _values(business_source(url)) == _values(running)


def test_a_row_committed_late_within_the_overlap_is_counted(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    mp = pg_marketplace
    source = business_source(mp.settings.database_url, overlap=timedelta(seconds=60))
    mp.post_job()
    source.read()
    # A transaction that took its timestamp before the last read but committed after it.
    engine = create_engine(normalise_url(mp.settings.database_url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO jobs (homeowner_id, territory_id, title, description, "
                "budget_cents, status, posted_at, updated_at) "
                "VALUES (:owner, 5, 'late', '', 100, 'posted', :t, :t)"
            ),
            {"owner": mp.user("homeowner").id, "t": datetime.now(UTC) - timedelta(seconds=20)},
        )
    engine.dispose()
    values = _values(source)
    assert values[("ftw_jobs_posted_total", (("territory", "5"),))] == 1
    assert values[("ftw_jobs_open", ())] == 2


def test_bid_response_histogram_uses_first_bid_time(
    pg_marketplace: Marketplace, business_source: Callable[..., BusinessSource]
) -> None:
    mp = pg_marketplace
    job = mp.post_job()
    engine = create_engine(normalise_url(mp.settings.database_url))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE jobs SET posted_at = now() - interval '10 minutes' WHERE id = :id"),
            {"id": job["id"]},
        )
    engine.dispose()
    mp.call("POST", f"/api/jobs/{job['id']}/bids", 201, "contractor", json={"amount_cents": 5})
    values = _values(business_source(mp.settings.database_url))
    le = lambda bound: ("ftw_bid_response_seconds_bucket", (("le", bound),))  # noqa: E731
    assert values[("ftw_bid_response_seconds_count", ())] == 1
    assert values[le("600.0")] == 0
    assert values[le("900.0")] == 1
