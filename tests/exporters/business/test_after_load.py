"""After real traffic from the load generator, every business value equals SQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from exporters.business.source import BusinessSource
from marketplace.db.session import normalise_url

BIN = Path(sys.executable).parent
ZONE = "America/Chicago"


def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def _scalar(url: str, query: str) -> float:
    return float(_rows(url, query)[0][0] or 0)


def _expected(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    none: frozenset[tuple[str, str]] = frozenset()
    expected = {
        ("ftw_jobs_posted_total", frozenset({("territory", str(territory))})): float(count)
        for territory, count in _rows(url, "SELECT territory_id, count(*) FROM jobs GROUP BY 1")
    }
    for status in ("paid", "failed"):
        labels = frozenset({("status", status)})
        expected[("ftw_payouts_total", labels)] = _scalar(
            url, f"SELECT count(*) FROM payouts WHERE status = '{status}'"
        )
        expected[("ftw_payout_amount_dollars_total", labels)] = _scalar(
            url,
            f"SELECT coalesce(sum(amount_cents), 0) / 100.0 FROM payouts WHERE status = '{status}'",
        )
    simple = {
        "ftw_payouts_requested_total": "SELECT count(*) FROM payouts",
        "ftw_payouts_same_day_total": (
            f"SELECT count(*) FROM payouts WHERE status = 'paid' AND "
            f"date(paid_at AT TIME ZONE '{ZONE}') = date(requested_at AT TIME ZONE '{ZONE}')"
        ),
        "ftw_bids_submitted_total": "SELECT count(*) FROM bids",
        "ftw_bids_accepted_total": "SELECT count(*) FROM bids WHERE status = 'accepted'",
        "ftw_jobs_completed_total": "SELECT count(*) FROM jobs WHERE status = 'completed'",
        "ftw_jobs_cancelled_total": "SELECT count(*) FROM jobs WHERE status = 'cancelled'",
        "ftw_invoices_created_total": "SELECT count(*) FROM invoices",
        "ftw_jobs_open": "SELECT count(*) FROM jobs WHERE status = 'posted'",
        "ftw_contractors_active": (
            "SELECT count(DISTINCT contractor_id) FROM bids "
            "WHERE created_at > now() - interval '24 hours'"
        ),
        "ftw_bid_response_seconds_count": "SELECT count(first_bid_at) FROM jobs",
        "ftw_bid_response_seconds_sum": (
            "SELECT coalesce(sum(extract(epoch FROM first_bid_at - posted_at)), 0) FROM jobs"
        ),
    }
    for name, query in simple.items():
        expected[(name, none)] = _scalar(url, query)
    for bound in ("60.0", "300.0", "900.0", "1800.0", "3600.0"):
        expected[("ftw_bid_response_seconds_bucket", frozenset({("le", bound)}))] = _scalar(
            url,
            "SELECT count(*) FROM jobs WHERE "
            f"extract(epoch FROM first_bid_at - posted_at) <= {bound}",
        )
    return expected


def test_every_business_value_equals_sql_after_a_load_run(
    serve, postgres_url: str, tmp_path: Path, business_source: Callable[..., BusinessSource]
) -> None:
    server = serve({"DATABASE_URL": postgres_url, "RATE_LIMITS_ENABLED": "1"}, tmp_path)
    source = business_source(postgres_url, timezone=ZONE)
    source.read()  # the rebuild happens before the traffic; the rest is incremental
    seeded = subprocess.run(
        [str(BIN / "ftw-marketplace"), "seed", "--json"],
        env={**os.environ, "DATABASE_URL": postgres_url},
        capture_output=True,
        text=True,
        check=True,
    )
    key = json.loads(seeded.stdout)["operator"]["api_key"]
    run = subprocess.run(
        [
            str(BIN / "ftw-loadgen"),
            "run",
            "--url",
            server.base_url,
            "--rate",
            "40",
            "--duration",
            "12",
            "--progress-interval",
            "0",
            "--seed",
            "7",
            "--json",
        ],
        env={**os.environ, "FTW_OPERATOR_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    observed = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in source.read()
        for sample in family.samples
    }
    expected = _expected(postgres_url)
    assert expected[("ftw_jobs_completed_total", frozenset())] > 0  # the run did real work
    approximate = ("ftw_bid_response_seconds_sum", "ftw_payout_amount_dollars_total")
    for key_, value in expected.items():
        wanted = pytest.approx(value) if key_[0] in approximate else value
        assert observed.get(key_, 0.0) == wanted, key_
