from __future__ import annotations

import pytest

from marketplace.loadgen.schedule import ArrivalSchedule, RunBounds, TokenAllowance


def test_arrivals_are_due_every_one_over_rate_seconds():
    schedule = ArrivalSchedule(rate=100.0, start=10.0)
    assert schedule.due(9.0) == 0
    assert schedule.due(10.0) == 1
    assert schedule.due(10.05) == 6
    schedule.advance(6)
    assert schedule.due(10.05) == 0
    assert schedule.next_at() == pytest.approx(10.06)


def test_a_late_wake_up_catches_up_with_every_missed_arrival():
    schedule = ArrivalSchedule(rate=50.0, start=0.0)
    schedule.advance(schedule.due(0.0))
    assert schedule.due(1.0) == 50
    schedule.advance(50)
    assert schedule.arrivals == 51


def test_schedule_rejects_a_rate_that_is_not_positive():
    with pytest.raises(ValueError, match="positive"):
        ArrivalSchedule(rate=0.0, start=0.0)
    with pytest.raises(ValueError, match="positive"):
        ArrivalSchedule(rate=float("inf"), start=0.0)


def test_run_stops_at_whichever_bound_comes_first():
    bounds = RunBounds(duration_seconds=10.0, max_requests=100)
    assert bounds.stop_reason(elapsed=5.0, sent=99) is None
    assert bounds.stop_reason(elapsed=5.0, sent=100) == "max_requests"
    assert bounds.stop_reason(elapsed=10.0, sent=3) == "duration"
    assert RunBounds(10.0).stop_reason(elapsed=9.9, sent=10**9) is None


def test_planned_requests_is_the_smaller_bound():
    assert RunBounds(20.0).planned_requests(rate=50.0) == 1000
    assert RunBounds(20.0, max_requests=300).planned_requests(rate=50.0) == 300
    assert RunBounds(20.0, max_requests=5000).planned_requests(rate=50.0) == 1000


def test_token_allowance_grows_with_time_from_a_burst():
    allowance = TokenAllowance(rate=0.5, burst=2.0)
    assert allowance.allows(used=1, elapsed=0.0)
    assert not allowance.allows(used=2, elapsed=0.0)
    assert allowance.allows(used=2, elapsed=2.0)
    assert not allowance.allows(used=3, elapsed=1.9)
