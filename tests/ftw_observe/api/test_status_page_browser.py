"""The status page in Debian's headless Chromium: the numbers people see are the API's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.ftw_observe.api.dom import expected_detail, expected_row, read_page
from tests.ftw_observe.api.seed import ROOT
from tests.ftw_observe.conftest import Server

ARTIFACTS = ROOT / "tests" / "artifacts"
INSTALL = "apt-get install -y chromium chromium-driver (scripts/setup.sh does it)"

pytestmark = pytest.mark.integration


def chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with a throwaway profile and return what it printed."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail(f"Debian's chromium is missing: {INSTALL}")
    profile = tmp_path / "chromium-profile"
    command = [
        binary,
        "--headless",
        "--no-sandbox",  # root in containers; the page is our own
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_status_page_in_chromium_shows_the_apis_numbers(server: Server, tmp_path: Path):
    api = httpx.get(f"{server.url}/api/slos", timeout=10).json()

    dom = chromium(tmp_path, "--dump-dom", f"{server.url}/")

    rows, header = read_page(dom)
    assert [(r.slo, r.instance) for r in rows] == [
        (f"{i['service']}/{i['slo']}", i["instance"]) for i in api
    ]
    for row, item in zip(rows, api, strict=True):
        assert row.fields == expected_row(item), row.slo
    assert header["role"] == "leader"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "status-page.png"
    screenshot.unlink(missing_ok=True)
    chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1400,900", f"{server.url}/")
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def test_detail_page_in_chromium_shows_the_apis_numbers(server: Server, tmp_path: Path):
    path = "/slos/marketplace/api-latency-p95?instance=route%3D/api/jobs"
    api = httpx.get(f"{server.url}/api/slos/marketplace/api-latency-p95", timeout=10).json()
    jobs = next(i for i in api["instances"] if i["instance"] == "route=/api/jobs")

    dom = chromium(tmp_path, "--dump-dom", server.url + path)

    _, fields = read_page(dom)
    expected = expected_detail(jobs, api["objective"])
    assert {name: fields.get(name) for name in expected} == expected
    assert fields["alert_ticket-1d"] == "pending"
    assert 'data-series="ideal"' in dom
    screenshot = ARTIFACTS / "status-page-detail.png"
    screenshot.unlink(missing_ok=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1400,1300", server.url + path)
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def test_status_page_in_chromium_states_a_young_periods_coverage(
    young_server: Server, tmp_path: Path
):
    dom = chromium(tmp_path, "--dump-dom", f"{young_server.url}/")

    rows, _ = read_page(dom)
    availability = next(r for r in rows if r.slo == "marketplace/api-availability")
    assert availability.fields["budget_note"] == (
        "consumed 4000.0 % of the budget of the events seen; budget measured over 1d 12h of 30d"
    )
    # docs/status-page-young.png is this picture.
    screenshot = ARTIFACTS / "status-page-young.png"
    screenshot.unlink(missing_ok=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chromium(
        tmp_path, f"--screenshot={screenshot}", "--window-size=1400,720", f"{young_server.url}/"
    )
    assert screenshot.read_bytes().startswith(b"\x89PNG")
