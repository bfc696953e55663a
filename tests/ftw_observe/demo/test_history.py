"""Backfilled history: counters at the measured rates, in a file promtool turns into blocks."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from ftw_observe.demo.history import Target, cumulative_samples, rates, write_history

SCRAPE = """\
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="POST",route="/api/jobs",status="201"} 10.0
# HELP http_request_duration_seconds Latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.5",route="/api/jobs"} 4.0
http_request_duration_seconds_bucket{le="+Inf",route="/api/jobs"} 5.0
http_request_duration_seconds_count{route="/api/jobs"} 5.0
http_request_duration_seconds_sum{route="/api/jobs"} 1.5
# HELP queue_depth Now.
# TYPE queue_depth gauge
queue_depth 7.0
"""
TARGET = Target(job="marketplace", address="127.0.0.1:8000")


def test_only_counters_and_histograms_are_kept() -> None:
    names = {name for name, _ in cumulative_samples(SCRAPE)}
    assert names == {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_count",
        "http_request_duration_seconds_sum",
    }


def test_prefixes_select_metrics() -> None:
    names = {name for name, _ in cumulative_samples(SCRAPE, ("http_requests",))}
    assert names == {"http_requests_total"}


def test_a_rate_is_the_increase_per_second_and_never_negative() -> None:
    key = ("x_total", ())
    other = ("y_total", ())
    assert rates({key: 10, other: 50}, {key: 40, other: 5}, 15) == {key: 2.0, other: 0.0}


def test_history_grows_at_the_rate_with_the_target_labels() -> None:
    out = io.StringIO()
    key = ("x_total", (("route", "/a"),))
    written = write_history(out, {key: 2.0}, TARGET, start=1000, end=1600, step=300)
    lines = out.getvalue().splitlines()
    assert written == 3
    assert lines[0] == "# TYPE x_total unknown"
    labels = '{instance="127.0.0.1:8000",job="marketplace",route="/a"}'
    assert lines[1:] == [
        f"x_total{labels} 0 1000.000",
        f"x_total{labels} 600 1300.000",
        f"x_total{labels} 1200 1600.000",
    ]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is installed by setup")
def test_promtool_accepts_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history.om"
    series = rates(
        cumulative_samples(SCRAPE), cumulative_samples(SCRAPE.replace("10.0", "40.0")), 15
    )
    with path.open("w") as out:
        write_history(out, series, TARGET, start=1_700_000_000, end=1_700_007_200, step=300)
        out.write("# EOF\n")
    done = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(path), str(tmp_path / "db")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert any((tmp_path / "db").iterdir())
