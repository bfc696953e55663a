"""One evaluation cycle against a real store: transitions, outbox, unknown, meta-alert, restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ftw_observe.budget import Status
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.engine.cycle import META_ALERT, META_KEY, Engine
from ftw_observe.engine.evaluate import targets
from ftw_observe.model import (
    ACTIVE_SINCE,
    AlertKey,
    AlertPhase,
    AlertState,
    NotificationKind,
    TransitionKind,
)
from ftw_observe.prometheus import PrometheusError, Sample
from ftw_observe.spec.load import validate_text
from ftw_observe.store import Store
from tests.support.clock import Clock

SPEC = """\
service: api
team: core
links: {runbook: "http://runbooks/{service}/{slo}"}
slos:
  - name: availability
    description: Requests without a server error.
    sli:
      ratio:
        errors: requests_total{status="500"}
        total: requests_total
"""
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def samples(errors: dict[str, float], events: float = 100_000.0) -> list[Sample]:
    """Recorded counts for every window: `errors` per window, 0 where not given."""
    found = []
    for window in WINDOWS:
        suffix = window if window == "period" else f"increase{window}"
        labels = {"service": "api", "slo": "availability", "team": "core"}
        found.append(
            Sample({"__name__": f"ftw_slo:errors:{suffix}", **labels}, errors.get(window, 0.0))
        )
        found.append(Sample({"__name__": f"ftw_slo:events:{suffix}", **labels}, events))
    return found


class ScriptedPrometheus:
    """Answers each query with what the test set, or fails like an unreachable server."""

    def __init__(self) -> None:
        self.answer: list[Sample] | None = samples({})
        self.pinned: list[float] = []

    def query(self, promql: str, *, at: float) -> list[Sample]:
        self.pinned.append(at)
        if self.answer is None:
            raise PrometheusError("http://prometheus unreachable: ConnectError")
        return self.answer


@pytest.fixture
def make_engine(store: Store) -> Callable[[], tuple[Engine, ScriptedPrometheus, Clock]]:
    spec, issues = validate_text(SPEC, "slo/api.yaml")
    assert spec is not None, issues
    prometheus, clock = ScriptedPrometheus(), Clock(T0)

    def make() -> tuple[Engine, ScriptedPrometheus, Clock]:
        engine = Engine(
            targets([spec]), prometheus, store, meta_alert_after=timedelta(minutes=5), clock=clock
        )
        return engine, prometheus, clock

    return make


PAGE = {"5m": 2_000.0, "1h": 2_000.0}  # 2 % errors on both page-1h windows: burn 20 > 14.4


def test_a_healthy_slo_is_ok_with_exact_figures(make_engine, store: Store) -> None:
    engine, prometheus, _ = make_engine()
    prometheus.answer = samples({"period": 50.0})
    result = engine.run_cycle()
    (evaluation,) = result.evaluations
    assert evaluation.status is Status.OK
    assert evaluation.sli == pytest.approx(1 - 50 / 100_000)
    assert evaluation.remaining == pytest.approx(0.5)  # half of 0.1 % spent
    assert evaluation.remaining_minutes == pytest.approx(21.6)
    assert prometheus.pinned == [T0.timestamp()]
    assert store.latest_evaluations() == [evaluation]


def test_a_burn_fires_once_and_enqueues_one_trigger(make_engine, store: Store) -> None:
    engine, prometheus, clock = make_engine()
    prometheus.answer = samples(PAGE)
    first = engine.run_cycle()
    clock.advance(30)
    second = engine.run_cycle()
    assert [t.state.key.tier for t in first.transitions] == ["page-1h"]
    assert second.transitions == []
    assert first.evaluations[0].status is Status.BURNING
    state = store.alert_states()[first.transitions[0].state.key]
    assert state.phase is AlertPhase.FIRING
    assert state.labels["severity"] == "page"
    assert state.annotations["runbook_url"] == "http://runbooks/api/availability"
    assert "burning 20.00x too fast over 1h" in state.annotations["summary"]
    assert state.annotations["burn_rate_5m"] == "20.00"
    assert state.annotations["burn_rate_6h"] == "0.00"
    assert (state.annotations["errors"], state.annotations["events"]) == ("2000", "100000")
    assert state.annotations["events_period"] == "100000"
    claimed = store.notifications.claim(clock(), 10, routed=False)
    assert [(item.notification.kind, item.notification.dedup_key) for item in claimed] == [
        (NotificationKind.TRIGGER, "ftw/api/availability//page-1h")
    ]


def test_a_trigger_says_since_when_its_tier_condition_held(store: Store) -> None:
    spec, issues = validate_text(
        SPEC + "    alerting: {tiers: {page-1h: {for: 2m}}}\n", "slo/api.yaml"
    )
    assert spec is not None, issues
    prometheus, clock = ScriptedPrometheus(), Clock(T0)
    prometheus.answer = samples(PAGE)
    engine = Engine(targets([spec]), prometheus, store, clock=clock)
    for _ in range(5):  # pending from T0, firing two minutes on
        engine.run_cycle()
        clock.advance(30)

    (item,) = store.notifications.claim(clock(), 10, routed=False)
    assert item.notification.created_at == T0 + timedelta(minutes=2)
    assert item.notification.annotations[ACTIVE_SINCE] == T0.isoformat()


def test_a_burn_links_to_the_configured_engine_and_grafana(store: Store) -> None:
    without_links = "\n".join(line for line in SPEC.splitlines() if not line.startswith("links:"))
    spec, issues = validate_text(without_links, "slo/api.yaml")
    assert spec is not None, issues
    deploy = DeployConfig(
        engine_url="https://ftw.example.com", grafana_url="https://grafana.example.com"
    )
    prometheus = ScriptedPrometheus()
    prometheus.answer = samples(PAGE)
    engine = Engine(targets([spec]), prometheus, store, deploy=deploy, clock=Clock(T0))
    (transition,) = engine.run_cycle().transitions
    annotations = store.alert_states()[transition.state.key].annotations
    assert annotations["runbook_url"] == "https://ftw.example.com/runbooks/api/availability"
    assert annotations["dashboard_url"] == (
        "https://grafana.example.com/d/ftw-slo-detail?var-service=api&var-slo=availability"
    )


def test_recovery_resolves_and_enqueues_the_resolve(make_engine, store: Store) -> None:
    engine, prometheus, clock = make_engine()
    prometheus.answer = samples(PAGE)
    engine.run_cycle()
    clock.advance(30)
    prometheus.answer = samples({"1h": 2_000.0})  # the short window has recovered
    result = engine.run_cycle()
    assert [t.kind for t in result.transitions] == [TransitionKind.RESOLVED]
    kinds = [
        item.notification.kind for item in store.notifications.claim(clock(), 10, routed=False)
    ]
    assert kinds == [NotificationKind.TRIGGER, NotificationKind.RESOLVE]


class CountingStore(Store):
    """The store, counting the alert states each cycle writes."""

    written: list[int]
    reads: int = 0

    def save_cycle(self, **cycle: Any) -> None:
        self.written.append(len(cycle["states"]))
        super().save_cycle(**cycle)

    def alert_states(self) -> dict[AlertKey, AlertState]:
        self.reads += 1
        return super().alert_states()


def quiet_engine(store: Store) -> tuple[Engine, ScriptedPrometheus, Clock, CountingStore]:
    spec, issues = validate_text(SPEC, "slo/api.yaml")
    assert spec is not None, issues
    prometheus, clock, counting = ScriptedPrometheus(), Clock(T0), CountingStore(store.engine)
    counting.written = []
    return Engine(targets([spec]), prometheus, counting, clock=clock), prometheus, clock, counting


def test_quiet_alerts_are_written_once_not_every_cycle(store: Store) -> None:
    engine, prometheus, clock, counting = quiet_engine(store)
    for errors in (0.0, 10.0, 20.0):  # burn rates that move, below every tier
        prometheus.answer = samples({"5m": errors, "1h": errors})
        engine.run_cycle()
        clock.advance(30)
    assert counting.written == [4, 0, 0]


def test_a_resolved_alert_keeps_what_it_said_and_drops_its_value(store: Store) -> None:
    engine, prometheus, clock, _ = quiet_engine(store)
    prometheus.answer = samples(PAGE)
    engine.run_cycle()
    clock.advance(30)
    prometheus.answer = samples({"1h": 2_000.0})
    said = engine.run_cycle().transitions[0].state.annotations
    clock.advance(30)
    prometheus.answer = samples({})
    engine.run_cycle()
    (resolved,) = [s for s in store.alert_states().values() if s.key.tier == "page-1h"]
    assert (resolved.phase, resolved.value, resolved.annotations) == (
        AlertPhase.RESOLVED,
        None,
        said,
    )


def test_an_engine_that_saved_the_last_cycle_does_not_read_the_states_back(store: Store) -> None:
    engine, _, clock, counting = quiet_engine(store)
    for _ in range(3):
        engine.run_cycle()
        clock.advance(30)
    assert counting.reads == 1


def test_an_engine_reads_the_states_another_replica_left(make_engine, store: Store) -> None:
    first, prometheus, clock = make_engine()
    prometheus.answer = samples(PAGE)
    first.run_cycle()
    other, _, _ = make_engine()
    clock.advance(30)
    prometheus.answer = samples({})
    assert [t.kind for t in other.run_cycle().transitions] == [TransitionKind.RESOLVED]
    clock.advance(30)
    prometheus.answer = samples(PAGE)
    assert [t.kind for t in first.run_cycle().transitions] == [TransitionKind.FIRING]


def test_a_restarted_engine_does_not_page_again(make_engine, store: Store) -> None:
    engine, prometheus, clock = make_engine()
    prometheus.answer = samples(PAGE)
    engine.run_cycle()
    restarted, _, _ = make_engine()
    clock.advance(30)
    assert restarted.run_cycle().transitions == []
    assert len(store.notifications.claim(clock(), 10, routed=False)) == 1


def test_unreachable_prometheus_is_unknown_and_resolves_nothing(make_engine, store: Store) -> None:
    engine, prometheus, clock = make_engine()
    prometheus.answer = samples(PAGE)
    engine.run_cycle()
    prometheus.answer = None
    clock.advance(30)
    result = engine.run_cycle()
    (evaluation,) = result.evaluations
    assert evaluation.status is Status.UNKNOWN
    assert "Prometheus unreadable since 2026-11-01T12:00:30+00:00" in evaluation.detail
    assert evaluation.remaining is not None, "the last known figures stay visible"
    assert result.transitions == []
    assert store.health().prometheus_unreachable_since == clock()


def test_the_meta_alert_fires_after_the_configured_time_and_resolves(
    make_engine, store: Store
) -> None:
    engine, prometheus, clock = make_engine()
    engine.run_cycle()
    prometheus.answer = None
    for _ in range(10):  # 10 x 30 s: unreachable from the first failure, 4.5 min later
        clock.advance(30)
        assert engine.run_cycle().transitions == []
    clock.advance(30)
    fired = engine.run_cycle().transitions
    assert [(t.state.key, t.kind) for t in fired] == [(META_KEY, TransitionKind.FIRING)]
    assert fired[0].state.labels["alertname"] == META_ALERT
    prometheus.answer = samples({})
    clock.advance(30)
    resolved = engine.run_cycle()
    assert [(t.state.key, t.kind) for t in resolved.transitions] == [
        (META_KEY, TransitionKind.RESOLVED)
    ]
    assert store.health().prometheus_unreachable_since is None
    assert resolved.evaluations[0].status is Status.OK


def test_an_slo_without_recorded_series_says_why(make_engine) -> None:
    engine, prometheus, _ = make_engine()
    prometheus.answer = []
    (evaluation,) = engine.run_cycle().evaluations
    assert evaluation.status is Status.NO_DATA
    assert "load alerts/*.rules.yml into Prometheus" in evaluation.detail


def test_a_vanished_instance_resolves_its_alert(make_engine) -> None:
    engine, prometheus, clock = make_engine()
    prometheus.answer = samples(PAGE)
    engine.run_cycle()
    prometheus.answer = []
    clock.advance(30)
    assert [t.kind for t in engine.run_cycle().transitions] == [TransitionKind.RESOLVED]
