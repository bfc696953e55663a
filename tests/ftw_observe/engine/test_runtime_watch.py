"""The leader after each cycle: the outbox and watchdog gauges, and the heartbeat ping."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import generate_latest
from sqlalchemy.exc import OperationalError

from ftw_observe.engine.cycle import Engine
from ftw_observe.engine.evaluate import targets
from ftw_observe.engine.heartbeat import Heartbeat
from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.engine.runtime import EngineRuntime
from ftw_observe.engine.settings import EngineSettings
from ftw_observe.model import Notification, NotificationKind, OutboxBacklog
from ftw_observe.prometheus import Sample
from ftw_observe.spec.load import validate_text
from ftw_observe.store import Store
from tests.ftw_observe.engine.test_cycle import SPEC, ScriptedPrometheus
from tests.support.clock import Clock
from tests.support.heartbeat import TOKEN, FakeCheck

TIMEOUT = timedelta(minutes=3)


class Lease:
    """A lease the test hands to this replica or takes away."""

    def __init__(self) -> None:
        self.held = True

    def try_acquire(self, now: datetime) -> bool:
        return self.held

    def release(self) -> None:
        self.held = False


class BrokenPrometheus(ScriptedPrometheus):
    """A client that fails in a way the cycle does not expect."""

    def query(self, promql: str, *, at: float) -> list[Sample]:
        raise RuntimeError("bug")


@pytest.fixture
def check() -> Iterator[FakeCheck]:
    with FakeCheck() as fake:
        yield fake


class Replica:
    """One replica's runtime over a real store, with a hand-moved clock."""

    def __init__(self, store: Store, *, heartbeat: Heartbeat | None = None) -> None:
        spec, issues = validate_text(SPEC, "slo/api.yaml")
        assert spec is not None, issues
        self.store = store
        self.clock = Clock(datetime.now(UTC).replace(microsecond=0))
        self.prometheus = ScriptedPrometheus()
        self.lease = Lease()
        self.metrics = EngineMetrics.create()
        self.backlog: Callable[[], OutboxBacklog] = store.outbox_backlog
        self.engine = Engine(
            targets([spec]), self.prometheus, store, watchdog_timeout=TIMEOUT, clock=self.clock
        )
        self.runtime = EngineRuntime(
            EngineSettings(replica="engine-a"),
            self.engine,
            self.lease,
            self.metrics,
            clock=self.clock,
            backlog=lambda: self.backlog(),
            heartbeat_ping=heartbeat,
        )

    def value(self, sample: str) -> float:
        for line in generate_latest(self.metrics.registry).decode().splitlines():
            if line.startswith(sample + " "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"{sample} is not exposed")

    def heartbeats(self) -> tuple[float, float]:
        return (
            self.value('ftw_observe_heartbeats_total{outcome="sent"}'),
            self.value('ftw_observe_heartbeats_total{outcome="failed"}'),
        )


@pytest.fixture
def make_replica(store: Store) -> Iterator[Callable[..., Replica]]:
    replicas: list[Replica] = []

    def make(heartbeat: Heartbeat | None = None) -> Replica:
        replica = Replica(store, heartbeat=heartbeat)
        replicas.append(replica)
        return replica

    yield make
    for replica in replicas:
        if replica.runtime.heartbeat_ping is not None:
            replica.runtime.heartbeat_ping.close()


def test_a_good_cycle_with_a_fresh_watchdog_pings_the_heartbeat(
    make_replica: Callable[..., Replica], check: FakeCheck
) -> None:
    replica = make_replica(Heartbeat(check.ping_url, timeout=5))
    replica.store.record_watchdog(replica.clock() - timedelta(seconds=40))

    replica.runtime.tick()

    assert [(p.method, p.path) for p in check.pings()] == [("GET", f"/ping/{TOKEN}")]
    assert replica.heartbeats() == (1, 0)


def test_the_heartbeat_may_be_a_post(
    make_replica: Callable[..., Replica], check: FakeCheck
) -> None:
    replica = make_replica(Heartbeat(check.ping_url, method="POST", timeout=5))
    replica.store.record_watchdog(replica.clock())

    replica.runtime.tick()

    assert [p.method for p in check.pings()] == ["POST"]


def test_no_ping_while_the_watchdog_is_missing(
    make_replica: Callable[..., Replica], check: FakeCheck
) -> None:
    replica = make_replica(Heartbeat(check.ping_url, timeout=5))
    replica.runtime.tick()  # never arrived
    replica.store.record_watchdog(replica.clock())
    replica.clock.advance(TIMEOUT.total_seconds())
    replica.runtime.tick()  # arrived, but one timeout ago

    assert check.pings() == []
    assert replica.heartbeats() == (0, 0)


def test_no_ping_when_the_cycle_cannot_read_prometheus(
    make_replica: Callable[..., Replica], check: FakeCheck
) -> None:
    replica = make_replica(Heartbeat(check.ping_url, timeout=5))
    replica.store.record_watchdog(replica.clock())
    replica.prometheus.answer = None

    replica.runtime.tick()

    assert check.pings() == []


def test_no_ping_when_the_cycle_fails(store: Store, check: FakeCheck) -> None:
    replica = Replica(store, heartbeat=Heartbeat(check.ping_url, timeout=5))
    replica.engine.client = BrokenPrometheus()
    replica.store.record_watchdog(replica.clock())
    try:
        assert replica.runtime.tick() is None
    finally:
        replica.runtime.heartbeat_ping.close()  # type: ignore[union-attr]

    assert check.pings() == []
    assert replica.value("ftw_observe_last_cycle_timestamp_seconds") > 0


def test_a_refused_ping_is_counted_and_logged_without_its_url(
    make_replica: Callable[..., Replica], check: FakeCheck, caplog: pytest.LogCaptureFixture
) -> None:
    replica = make_replica(Heartbeat(check.ping_url, timeout=5))
    replica.store.record_watchdog(replica.clock())
    check.fail_next(1, status=500)

    with caplog.at_level(logging.DEBUG):
        result = replica.runtime.tick()

    assert result is not None, "a failed ping never fails the cycle"
    assert replica.heartbeats() == (0, 1)
    assert "heartbeat to 127.0.0.1 failed: HTTP 500" in caplog.text
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert TOKEN not in logged


def test_an_unreachable_heartbeat_is_counted_as_failed(
    make_replica: Callable[..., Replica], caplog: pytest.LogCaptureFixture
) -> None:
    with FakeCheck() as gone:
        url = gone.ping_url  # nothing listens there once it stopped
    replica = make_replica(Heartbeat(url, timeout=5))
    replica.store.record_watchdog(replica.clock())

    with caplog.at_level(logging.DEBUG):
        replica.runtime.tick()

    assert replica.heartbeats() == (0, 1)
    assert "heartbeat to 127.0.0.1 failed: ConnectError" in caplog.text
    assert TOKEN not in caplog.text


def test_a_hanging_heartbeat_costs_the_cycle_its_timeout_only(
    make_replica: Callable[..., Replica], check: FakeCheck
) -> None:
    replica = make_replica(Heartbeat(check.ping_url, timeout=0.2))
    replica.store.record_watchdog(replica.clock())
    check.set_delay(60)  # answers only when the fake stops

    result = replica.runtime.tick()

    assert result is not None
    assert replica.heartbeats() == (0, 1)
    assert len(check.pings()) == 1


def test_the_backlog_and_the_watchdog_reach_the_gauges(
    make_replica: Callable[..., Replica],
) -> None:
    replica = make_replica()
    arrived = replica.clock() - timedelta(seconds=20)
    replica.store.record_watchdog(arrived)
    created = datetime.now(UTC) - timedelta(seconds=90)
    notification = Notification("k", NotificationKind.TRIGGER, created, {"alertname": "X"}, {})
    replica.store.enqueue([notification])

    replica.runtime.tick()

    assert replica.value("ftw_observe_outbox_pending") == 1
    assert replica.value("ftw_observe_outbox_oldest_pending_age_seconds") >= 90
    assert replica.value("ftw_observe_watchdog_last_received_timestamp_seconds") == (
        arrived.timestamp()
    )


def test_a_backlog_the_store_cannot_read_keeps_the_last_one(
    make_replica: Callable[..., Replica],
) -> None:
    replica = make_replica()
    created = datetime.now(UTC) - timedelta(seconds=90)
    notification = Notification("k", NotificationKind.TRIGGER, created, {"alertname": "X"}, {})
    replica.store.enqueue([notification])
    replica.runtime.tick()

    def down() -> OutboxBacklog:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    replica.backlog = down
    replica.runtime.tick()

    assert replica.value("ftw_observe_outbox_pending") == 1
    assert replica.value("ftw_observe_outbox_oldest_pending_age_seconds") >= 90


def test_a_replica_that_stands_by_reports_no_backlog(make_replica: Callable[..., Replica]) -> None:
    replica = make_replica()
    created = datetime.now(UTC) - timedelta(seconds=90)
    notification = Notification("k", NotificationKind.TRIGGER, created, {"alertname": "X"}, {})
    replica.store.enqueue([notification])
    replica.runtime.tick()

    replica.lease.held = False
    assert replica.runtime.tick() is None

    assert replica.value("ftw_observe_outbox_pending") == 0
    assert replica.value("ftw_observe_outbox_oldest_pending_age_seconds") == 0


def test_taking_the_lease_starts_the_grace_period(make_replica: Callable[..., Replica]) -> None:
    replica = make_replica()
    replica.lease.held = False
    replica.runtime.heartbeat()
    replica.clock.advance(600)
    replica.lease.held = True

    replica.runtime.heartbeat()

    assert replica.runtime.leader_since == replica.clock()
