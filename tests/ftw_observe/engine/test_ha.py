"""Two `ftw-observe serve` processes on one Postgres: one evaluates, the other takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from tests.conftest import free_port, wait_until

REPO_ROOT = Path(__file__).resolve().parents[3]
TTL_SECONDS = 4
INTERVAL_SECONDS = 1


@dataclass
class Replica:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    sink: BinaryIO

    def metric(self, name: str) -> float:
        text = httpx.get(f"{self.url}/metrics", timeout=2).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def leads(self) -> bool:
        return self.metric("ftw_observe_leader") == 1


def start_replica(name: str, tmp_path: Path, env: dict[str, str]) -> Replica:
    port = free_port()
    log = tmp_path / f"{name}.log"
    sink = log.open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "ftw-observe"), "serve", "--port", str(port)],
        env={**os.environ, **env, "FTW_REPLICA_ID": name},
        cwd=REPO_ROOT,
        stdout=sink,
        stderr=subprocess.STDOUT,
    )
    replica = Replica(name, f"http://127.0.0.1:{port}", process, log, sink)

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log.read_text()}")
        return httpx.get(f"{replica.url}/healthz", timeout=1).status_code == 200

    wait_until(up, timeout=30)
    return replica


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Iterator[list[Replica]]:
    env = {
        "FTW_OBSERVE_DATABASE_URL": postgres_url,
        "PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: status unknown
        "FTW_EVALUATION_INTERVAL_SECONDS": str(INTERVAL_SECONDS),
        "FTW_LEASE_TTL_SECONDS": str(TTL_SECONDS),
    }
    started: list[Replica] = []
    try:
        started.append(start_replica("engine-a", tmp_path, env))
        started.append(start_replica("engine-b", tmp_path, env))
        yield started
    finally:
        for replica in started:
            if replica.process.poll() is None:
                replica.process.terminate()
                replica.process.wait(timeout=20)
            replica.sink.close()


def test_exactly_one_replica_evaluates(replicas: list[Replica]) -> None:
    wait_until(lambda: sum(r.leads() for r in replicas) == 1, timeout=TTL_SECONDS * 3)
    leader = next(r for r in replicas if r.leads())
    standby = next(r for r in replicas if r is not leader)
    wait_until(lambda: leader.metric("ftw_observe_cycles_total") >= 3, timeout=30)
    assert standby.metric("ftw_observe_cycles_total") == 0
    assert not standby.leads()


def test_the_standby_takes_over_when_the_leader_dies(replicas: list[Replica]) -> None:
    wait_until(lambda: sum(r.leads() for r in replicas) == 1, timeout=TTL_SECONDS * 3)
    leader = next(r for r in replicas if r.leads())
    standby = next(r for r in replicas if r is not leader)
    leader.process.send_signal(signal.SIGKILL)  # no chance to hand the lease over
    leader.process.wait(timeout=10)
    # Bound: the lease expires after its TTL; the standby checks every TTL / 3.
    wait_until(standby.leads, timeout=TTL_SECONDS + TTL_SECONDS / 3 + 3)
    before = standby.metric("ftw_observe_cycles_total")
    wait_until(lambda: standby.metric("ftw_observe_cycles_total") > before, timeout=10)


def test_a_stopping_leader_hands_over_at_once(replicas: list[Replica]) -> None:
    wait_until(lambda: sum(r.leads() for r in replicas) == 1, timeout=TTL_SECONDS * 3)
    leader = next(r for r in replicas if r.leads())
    standby = next(r for r in replicas if r is not leader)
    leader.process.terminate()
    leader.process.wait(timeout=20)
    # A graceful stop releases the lease: the next heartbeat takes it, before the TTL runs out.
    wait_until(standby.leads, timeout=TTL_SECONDS / 3 + 3)
