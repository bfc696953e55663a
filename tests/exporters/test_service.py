"""`ftw-exporter` as a process: live output, promtool, a database outage and recovery."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

from tests.conftest import POSTGRES_ADMIN_URL, REDIS_TEST_URL, Marketplace, free_port, wait_until

EXPORTER = str(Path(sys.executable).parent / "ftw-exporter")


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _up(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], source: str) -> float | None:
    return samples.get(("ftw_exporter_source_up", frozenset({("source", source)})))


@pytest.fixture
def exporter(pg_marketplace: Marketplace, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_marketplace.settings.database_url,
        "REDIS_URL": REDIS_TEST_URL,
        "FTW_DATA_DIR": str(tmp_path),
        "FTW_EXPORTER_TIMEOUT_SECONDS": "2",
    }
    log = (tmp_path / "exporter.log").open("wb")
    process = subprocess.Popen(
        [EXPORTER, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        wait_until(lambda: httpx.get(url, timeout=5).status_code == 200, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_every_source_is_up_and_the_output_passes_promtool(
    exporter: str, pg_marketplace: Marketplace
) -> None:
    pg_marketplace.invoiced_job()
    text = httpx.get(exporter, timeout=10).text
    samples = _samples(text)
    for source in ("business", "postgres", "redis", "host"):
        assert _up(samples, source) == 1.0, source
    assert samples[("ftw_jobs_completed_total", frozenset())] == 1
    assert samples[("ftw_invoices_created_total", frozenset())] == 1
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def _allow_connections(database_url: str, allowed: bool) -> None:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.SQL("true" if allowed else "false")
            )
        )
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )


def test_a_database_outage_hides_business_values_until_it_ends(
    exporter: str, pg_marketplace: Marketplace
) -> None:
    pg_marketplace.post_job(territory=3)
    assert _up(_samples(httpx.get(exporter, timeout=10).text), "business") == 1.0
    url = pg_marketplace.settings.database_url
    _allow_connections(url, allowed=False)
    try:
        down = _samples(httpx.get(exporter, timeout=10).text)
        assert _up(down, "business") == 0.0
        assert _up(down, "postgres") == 0.0
        assert _up(down, "host") == 1.0
        assert not any(name == "ftw_jobs_posted_total" for name, _ in down)
    finally:
        _allow_connections(url, allowed=True)

    def recovered() -> bool:
        samples = _samples(httpx.get(exporter, timeout=10).text)
        return _up(samples, "business") == 1.0 and _up(samples, "postgres") == 1.0

    wait_until(recovered, timeout=30)
    samples = _samples(httpx.get(exporter, timeout=10).text)
    assert samples[("ftw_jobs_posted_total", frozenset({("territory", "3")}))] == 1
