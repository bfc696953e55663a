"""Metrics stay true with several uvicorn workers sharing a multiprocess directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from marketplace.db.migrate import upgrade_url


def _total(text: str, route: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["route"] == route
    )


def test_two_workers_report_every_request_once(serve, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'mp.db'}"
    upgrade_url(database_url)
    multiproc = tmp_path / "multiproc"
    multiproc.mkdir()
    stale = multiproc / "counter_999999.db"
    stale.write_bytes(b"left over by a dead worker")
    server = serve(
        {"DATABASE_URL": database_url, "PROMETHEUS_MULTIPROC_DIR": str(multiproc)},
        tmp_path,
        "--workers",
        "2",
    )
    assert not stale.exists()
    baseline = _total(httpx.get(f"{server.base_url}/metrics").text, "/healthz")
    sent = 300
    for _ in range(sent):
        # A new connection per request lets the kernel spread them over both workers.
        with httpx.Client(base_url=server.base_url) as client:
            assert client.get("/healthz").status_code == 200
    worker_files = {path.name.rsplit("_", 1)[1] for path in multiproc.glob("counter_*.db")}
    assert len(worker_files) >= 2, worker_files
    for _ in range(3):  # every scrape, whichever worker answers, sees the same total
        text = httpx.get(f"{server.base_url}/metrics").text
        assert _total(text, "/healthz") == baseline + sent


def test_multiprocess_exposition_passes_promtool(serve, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'mp.db'}"
    upgrade_url(database_url)
    server = serve(
        {"DATABASE_URL": database_url, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "mp")},
        tmp_path,
        "--workers",
        "2",
    )
    for path in ("/api/jobs", "/api/jobs/1", "/nope", "/api/me"):
        httpx.get(f"{server.base_url}{path}")
    text = httpx.get(f"{server.base_url}/metrics").text
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
