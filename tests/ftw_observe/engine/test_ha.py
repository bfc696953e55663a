"""Two `ftw-observe serve` processes on one Postgres: one evaluates, the other takes over."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wait_until
from tests.support.engine import RunningEngine, engine_env, start_engine

TTL_SECONDS = 4
INTERVAL_SECONDS = 1


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Iterator[list[RunningEngine]]:
    env = engine_env(
        postgres_url,
        FTW_EVALUATION_INTERVAL_SECONDS=str(INTERVAL_SECONDS),
        FTW_LEASE_TTL_SECONDS=str(TTL_SECONDS),
    )
    started: list[RunningEngine] = []
    try:
        started.append(start_engine("engine-a", tmp_path, env))
        started.append(start_engine("engine-b", tmp_path, env))
        yield started
    finally:
        for replica in started:
            replica.stop()


def test_exactly_one_replica_evaluates(replicas: list[RunningEngine]) -> None:
    wait_until(lambda: sum(r.leads() for r in replicas) == 1, timeout=TTL_SECONDS * 3)
    leader = next(r for r in replicas if r.leads())
    standby = next(r for r in replicas if r is not leader)
    wait_until(lambda: leader.metric("ftw_observe_cycles_total") >= 3, timeout=30)
    assert standby.metric("ftw_observe_cycles_total") == 0
    assert not standby.leads()


def test_the_standby_takes_over_when_the_leader_dies(replicas: list[RunningEngine]) -> None:
    wait_until(lambda: sum(r.leads() for r in replicas) == 1, timeout=TTL_SECONDS * 3)
    leader = next(r for r in replicas if r.leads())
    standby = next(r for r in replicas if r is not leader)
    leader.process.send_signal(signal.SIGKILL)  # no chance to hand the lease over
    leader.process.wait(timeout=10)
    # Bound: the lease expires after its TTL; the standby checks every TTL / 3.
    wait_until(standby.leads, timeout=TTL_SECONDS + TTL_SECONDS / 3 + 3)
    before = standby.metric("ftw_observe_cycles_total")
    wait_until(lambda: standby.metric("ftw_observe_cycles_total") > before, timeout=10)


def test_a_stopping_leader_hands_over_at_once(replicas: list[RunningEngine]) -> None:
    wait_until(lambda: sum(r.leads() for r in replicas) == 1, timeout=TTL_SECONDS * 3)
    leader = next(r for r in replicas if r.leads())
    standby = next(r for r in replicas if r is not leader)
    leader.process.terminate()
    leader.process.wait(timeout=20)
    # A graceful stop releases the lease: the next heartbeat takes it, before the TTL runs out.
    wait_until(standby.leads, timeout=TTL_SECONDS / 3 + 3)
