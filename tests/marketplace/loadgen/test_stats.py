from __future__ import annotations

import pytest

from marketplace.loadgen.stats import StatsRecorder, build_summary, latency_summary, percentile


def test_percentile_uses_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0


def test_percentile_of_few_values_picks_a_recorded_value():
    assert percentile([0.1, 0.2, 0.9], 50) == 0.2
    assert percentile([0.1, 0.2, 0.9], 95) == 0.9
    assert percentile([0.4], 99) == 0.4


def test_percentile_rejects_empty_input_and_bad_rank():
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_latency_summary_reports_milliseconds_and_none_when_empty():
    assert latency_summary([0.003, 0.001, 0.002]) == {
        "p50_ms": 2.0,
        "p95_ms": 3.0,
        "p99_ms": 3.0,
        "max_ms": 3.0,
    }
    assert latency_summary([]) == dict.fromkeys(["p50_ms", "p95_ms", "p99_ms", "max_ms"])


def test_recorder_counts_errors_by_status_and_transport_error():
    stats = StatsRecorder()
    stats.record("GET /api/jobs", "200", 0.01, is_error=False)
    stats.record("GET /api/jobs", "500", 0.02, is_error=True)
    stats.record("POST /api/jobs", "500", 0.03, is_error=True)
    stats.record("POST /api/jobs", "timeout", 10.0, is_error=True)
    stats.record("POST /api/payouts", "502", 0.05, is_error=True)
    assert stats.total == 5
    assert stats.errors == 4
    assert stats.errors_by_status() == {"500": 2, "502": 1, "timeout": 1}
    assert stats.routes["POST /api/jobs"].errors == 2


def test_summary_has_rate_ratios_and_per_route_percentiles():
    stats = StatsRecorder()
    for n in range(1, 101):
        stats.record("GET /api/jobs", "200", n / 1000, is_error=False)
    stats.record("POST /api/jobs", "201", 0.2, is_error=False)
    stats.record("POST /api/jobs", "429", 0.001, is_error=True)
    summary = build_summary(stats, elapsed_seconds=2.0, target_rate=60.0, extra={"run_id": "x"})
    assert summary["requests"] == 102
    assert summary["achieved_rate"] == 51.0
    assert summary["errors"] == 1
    assert summary["error_ratio"] == round(1 / 102, 6)
    assert summary["errors_by_status"] == {"429": 1}
    assert summary["status_counts"] == {"200": 100, "201": 1, "429": 1}
    assert summary["run_id"] == "x"
    jobs = summary["routes"]["GET /api/jobs"]
    assert (jobs["requests"], jobs["p50_ms"], jobs["p95_ms"], jobs["p99_ms"]) == (100, 50, 95, 99)
    assert list(summary["routes"]) == ["GET /api/jobs", "POST /api/jobs"]
    assert summary["routes"]["POST /api/jobs"]["error_ratio"] == 0.5


def test_summary_of_an_empty_run_has_no_division_by_zero():
    summary = build_summary(StatsRecorder(), elapsed_seconds=0.0, target_rate=10.0)
    assert summary["requests"] == 0
    assert summary["error_ratio"] == 0.0
    assert summary["latency"]["p99_ms"] is None


def test_summary_keeps_served_latency_apart_from_overload_503s():
    stats = StatsRecorder()
    for _ in range(9):
        stats.record("GET /api/jobs", "200", 0.400, is_error=False)
    for _ in range(10):
        stats.record("GET /api/jobs", "503", 0.002, is_error=True)
    stats.record("GET /api/jobs", "timeout", 10.0, is_error=True)
    summary = build_summary(stats, elapsed_seconds=1.0, target_rate=20.0)
    assert summary["served_latency"]["p95_ms"] == 400.0
    assert summary["shed"] == {
        "requests": 10,
        "p50_ms": 2.0,
        "p95_ms": 2.0,
        "p99_ms": 2.0,
        "max_ms": 2.0,
    }
    assert summary["latency"]["p50_ms"] == 2.0  # the 503s drag the overall figure down
