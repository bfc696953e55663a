"""The runtime's log: a line per change, none for a quiet cycle, problems once, a summary."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from ftw_observe.engine.cycle import Engine
from ftw_observe.engine.evaluate import targets
from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.engine.runtime import EngineRuntime
from ftw_observe.engine.settings import EngineSettings
from ftw_observe.spec.load import validate_text
from ftw_observe.store import Store
from tests.ftw_observe.engine.test_cycle import PAGE, SPEC, ScriptedPrometheus, samples
from tests.ftw_observe.engine.test_runtime_watch import Lease
from tests.support.clock import Clock

PENDING_SPEC = SPEC + "    alerting: {tiers: {page-1h: {for: 2m}}}\n"
Make = Callable[..., tuple[EngineRuntime, ScriptedPrometheus, Clock]]


@pytest.fixture(autouse=True)
def info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


@pytest.fixture
def make_runtime(store: Store) -> Make:
    """A runtime over a real store and a scripted Prometheus, leading, with a hand-moved clock."""

    def make(spec_text: str = SPEC, **engine_options: Any) -> tuple[Any, ...]:
        spec, issues = validate_text(spec_text, "slo/api.yaml")
        assert spec is not None, issues
        prometheus = ScriptedPrometheus()
        clock = Clock(datetime.now(UTC).replace(microsecond=0))
        engine = Engine(targets([spec]), prometheus, store, clock=clock, **engine_options)
        runtime = EngineRuntime(
            EngineSettings(replica="engine-a"), engine, Lease(), EngineMetrics.create(), clock=clock
        )
        return runtime, prometheus, clock

    return make


def engine_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("ftw_observe")]


def test_quiet_cycles_log_nothing_after_taking_the_lease(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, _, clock = make_runtime()
    runtime.tick()
    caplog.clear()
    for _ in range(5):
        clock.advance(30)
        runtime.tick()
    assert engine_lines(caplog) == []


def test_a_transition_makes_exactly_one_line(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, prometheus, clock = make_runtime()
    runtime.tick()
    caplog.clear()
    prometheus.answer = samples(PAGE)
    clock.advance(30)
    runtime.tick()
    clock.advance(30)
    runtime.tick()  # still firing: no new line
    [line] = engine_lines(caplog)
    assert line.startswith("alert firing: ")
    assert "api/availability tier page-1h" in line
    assert "burning 20.00x too fast over 1h" in line


def test_a_transition_line_carries_its_fields(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, prometheus, _ = make_runtime()
    prometheus.answer = samples(PAGE)
    runtime.tick()
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "transition"]
    assert vars(record)["kind"] == "firing"
    assert vars(record)["dedup_key"] == "ftw/api/availability//page-1h"
    assert vars(record)["severity"] == "page"
    assert vars(record)["burn_rate"] == pytest.approx(20.0)


def test_a_resolve_says_how_long_the_alert_fired(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, prometheus, clock = make_runtime()
    prometheus.answer = samples(PAGE)
    runtime.tick()
    caplog.clear()
    prometheus.answer = samples({})
    clock.advance(300)
    runtime.tick()
    [line] = engine_lines(caplog)
    assert line.startswith("alert resolved: ")
    assert line.endswith("tier page-1h after firing 5m")


def test_an_alert_turning_pending_makes_one_line(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, prometheus, clock = make_runtime(PENDING_SPEC)
    runtime.tick()
    caplog.clear()
    prometheus.answer = samples(PAGE)
    clock.advance(30)
    runtime.tick()
    clock.advance(30)
    runtime.tick()  # still pending: no new line
    [line] = engine_lines(caplog)
    assert line.startswith("alert pending: ")
    assert "tier page-1h" in line


def test_prometheus_unreadable_is_logged_when_it_starts_and_ends(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, prometheus, clock = make_runtime()
    runtime.tick()
    caplog.clear()
    prometheus.answer = None
    for _ in range(4):
        clock.advance(30)
        runtime.tick()
    prometheus.answer = samples({})
    clock.advance(30)
    runtime.tick()
    assert engine_lines(caplog) == [
        "Prometheus unreadable: http://prometheus unreachable: ConnectError",
        "Prometheus readable again after 2m (4 failed attempts)",
    ]


def test_a_store_that_fails_every_cycle_is_logged_once(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, _, clock = make_runtime()
    runtime.tick()
    caplog.clear()
    saved = runtime.engine.store.save_cycle

    def broken(**_: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is down"))

    runtime.engine.store.save_cycle = broken  # type: ignore[method-assign]
    for _ in range(3):
        clock.advance(30)
        runtime.tick()
    runtime.engine.store.save_cycle = saved  # type: ignore[method-assign]
    clock.advance(30)
    runtime.tick()
    failures = [r for r in caplog.records if r.getMessage() == "evaluation cycle failed"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert engine_lines(caplog)[1:] == [
        "evaluation cycles run again after 1m30s (3 failed attempts)"
    ]


def test_the_summary_counts_what_happened_since_the_last(
    make_runtime: Make, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, prometheus, clock = make_runtime()
    runtime.activity.restart(clock())
    runtime.tick()
    prometheus.answer = samples(PAGE)
    clock.advance(30)
    runtime.tick()
    clock.advance(870)
    runtime.log_summary()
    summary = caplog.records[-1]
    assert summary.getMessage() == (
        "summary of the last 15m: leader, 2 cycles, 1 SLO instance (1 burning), "
        "1 transition, 0 notifications delivered, 0 retried, 0 rejected, 0 errors"
    )
    assert (vars(summary)["event"], vars(summary)["cycles"]) == ("summary", 2)


def test_a_dispatch_tick_during_a_slow_pass_returns_at_once(make_runtime: Make) -> None:
    runtime, _, _ = make_runtime()
    runtime.tick()  # takes the lease: only the leader dispatches
    entered, release, calls = threading.Event(), threading.Event(), []

    def slow_pass() -> None:
        calls.append(1)
        entered.set()
        release.wait(timeout=30)

    runtime.dispatch = slow_pass
    first = threading.Thread(target=runtime.dispatch_now)
    first.start()
    try:
        assert entered.wait(timeout=30)
        runtime.dispatch_now()  # returns without waiting for the first pass
        assert calls == [1]
    finally:
        release.set()
        first.join(timeout=30)
