"""The runtime runs the budget review on the leader only, and survives its failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.engine.runtime import EngineRuntime
from ftw_observe.engine.settings import EngineSettings

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Lease:
    """A lease the test hands to this replica or not."""

    def __init__(self, held: bool) -> None:
        self.held = held

    def try_acquire(self, now: datetime) -> bool:
        return self.held

    def release(self) -> None:
        self.held = False


def runtime(held: bool, review: object) -> EngineRuntime:
    """Return a runtime whose lease is `held` or not, with `review` as its review."""
    made = EngineRuntime(
        EngineSettings(replica="engine-a"),
        None,  # type: ignore[arg-type]  # the review never evaluates
        Lease(held),
        EngineMetrics.create(),
        clock=lambda: NOW,
        review=review,  # type: ignore[arg-type]
    )
    made.heartbeat()
    return made


def test_the_leader_runs_the_review_at_its_clock() -> None:
    calls: list[datetime] = []
    runtime(True, calls.append).review_now()
    assert calls == [NOW]


def test_a_standby_never_runs_the_review() -> None:
    calls: list[datetime] = []
    runtime(False, calls.append).review_now()
    assert calls == []


def test_a_failing_review_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def fail(_: datetime) -> None:
        raise RuntimeError("store down")

    runtime(True, fail).review_now()
    assert "the budget review failed" in caplog.text
