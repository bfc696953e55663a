"""The run's own figures: how late arrivals left against their schedule."""

from __future__ import annotations

from marketplace.loadgen.runner import SendLag


def test_send_lag_counts_late_arrivals_by_threshold_and_keeps_the_worst():
    lag = SendLag()
    for seconds in (0.0, 0.005, 0.02, 0.15, 0.4):
        lag.record(seconds)
    assert lag.summary() == {"max_ms": 400.0, "over_10ms": 3, "over_100ms": 2}


def test_send_lag_of_a_generator_on_time_is_zero():
    lag = SendLag()
    lag.record(0.001)
    assert lag.summary() == {"max_ms": 1.0, "over_10ms": 0, "over_100ms": 0}
