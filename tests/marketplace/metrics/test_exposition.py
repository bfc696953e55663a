"""The live exposition of a busy marketplace passes `promtool check metrics`."""

from __future__ import annotations

import subprocess

from tests.conftest import Marketplace


def _exercise(mp: Marketplace) -> None:
    invoice_id = mp.invoiced_job()
    mp.call("POST", "/api/payouts", 201, "contractor", json={"invoice_id": invoice_id})
    mp.client.get("/missing")
    mp.client.get("/api/me")
    mp.client.put(
        "/api/admin/faults/routes",
        json={"route": "/api/me", "error_ratio": 1.0},
        headers=mp.key("operator"),
    )
    mp.client.get("/api/me", headers=mp.key("homeowner"))


def test_exposition_passes_promtool_check_metrics(pg_marketplace: Marketplace) -> None:
    _exercise(pg_marketplace)
    text = pg_marketplace.client.get("/metrics").text
    for name in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "http_requests_in_progress",
        "ftw_marketplace_jobs_posted_total",
        "ftw_marketplace_payouts_completed_total",
        "ftw_marketplace_circuit_breaker_state",
        "ftw_marketplace_db_pool_checked_out_connections",
        "ftw_marketplace_db_pool_wait_seconds_bucket",
        "ftw_marketplace_redis_command_duration_seconds_bucket",
        "ftw_marketplace_injected_faults_total",
    ):
        assert f"\n{name}" in text, name
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_outage_counters_exist_at_zero_before_any_error(pg_marketplace: Marketplace) -> None:
    text = pg_marketplace.client.get("/metrics").text
    for status in ("500", "503"):
        line = f'http_requests_total{{method="POST",route="/api/jobs",status="{status}"}} 0.0'
        assert line in text
