"""Several workers on one port: connections spread over them, and a dead one is replaced."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
from prometheus_client.mmap_dict import MmapedDict

from marketplace.db.migrate import upgrade_url
from marketplace.workers import freeze_startup_heap
from tests.conftest import ServerProcess, wait_until

CONNECTIONS = 20
REQUESTS_PER_CONNECTION = 5


def _workers(server: ServerProcess) -> set[int]:
    found = set()
    for child in psutil.Process(server.process.pid).children():
        try:
            # The resource tracker is a child too; the workers are the ones spawn started.
            alive = child.status() != psutil.STATUS_ZOMBIE
            if alive and "spawn_main" in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def _requests_by_worker(multiproc: Path, route: str) -> dict[int, float]:
    counted: dict[int, float] = {}
    for path in multiproc.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for key, value, _at, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, name, labels, _help = json.loads(key)
            if name == "http_requests_total" and labels.get("route") == route:
                counted[pid] = counted.get(pid, 0.0) + value
    return counted


def _start(
    serve, tmp_path: Path, extra: dict[str, str] | None = None
) -> tuple[ServerProcess, Path]:
    database_url = f"sqlite:///{tmp_path / 'workers.db'}"
    upgrade_url(database_url)
    multiproc = tmp_path / "multiproc"
    env = {
        "DATABASE_URL": database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        **(extra or {}),
    }
    server = serve(env, tmp_path, "--workers", "2")
    # A worker writes its metrics file once its app is built, after it bound its socket.
    wait_until(lambda: len(list(multiproc.glob("counter_*.db"))) >= 2, timeout=60)
    return server, multiproc


def test_keep_alive_connections_spread_over_both_workers(serve, tmp_path: Path) -> None:
    server, multiproc = _start(serve, tmp_path)
    before = _requests_by_worker(multiproc, "/readyz")  # nothing but this test asks /readyz
    clients = [httpx.Client(base_url=server.base_url) for _ in range(CONNECTIONS)]
    try:
        # Every client opens its connection before any sends more, as a load generator does.
        for client in clients:
            assert client.get("/readyz").status_code == 200
        for client in clients:
            for _ in range(REQUESTS_PER_CONNECTION - 1):
                assert client.get("/readyz").status_code == 200
    finally:
        for client in clients:
            client.close()

    def served() -> dict[int, float]:
        after = _requests_by_worker(multiproc, "/readyz")
        return {pid: count - before.get(pid, 0.0) for pid, count in after.items()}

    # A worker counts a request once the response has gone out, so the last ones come late.
    wait_until(lambda: sum(served().values()) == CONNECTIONS * REQUESTS_PER_CONNECTION)
    by_worker = served()
    # Each connection stays on one worker; the kernel picks the worker by the client's port,
    # so both take a share (fewer than 2 of 20 on either has odds of one in 25,000).
    assert len(by_worker) == 2
    assert min(by_worker.values()) >= 2 * REQUESTS_PER_CONNECTION, by_worker


def test_a_second_server_on_the_same_port_is_refused(serve, tmp_path: Path) -> None:
    server, _multiproc = _start(serve, tmp_path)
    port = server.base_url.rsplit(":", 1)[1]
    second = subprocess.run(
        [
            *(str(Path(sys.executable).parent / "ftw-marketplace"), "serve", "--workers", "2"),
            *("--host", "127.0.0.1", "--port", port, "--no-migrate"),
        ],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "Address already in use" in second.stderr


def test_a_killed_worker_is_replaced(serve, tmp_path: Path) -> None:
    server, multiproc = _start(serve, tmp_path)
    before = _workers(server)
    assert len(before) == 2
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(_workers(server) - before) == 1 and len(_workers(server)) == 2, 60)
    # The dead worker's files are marked dead: its gauges go, its counters stay in the totals.
    assert not list(multiproc.glob(f"gauge_live*_{victim}.db"))
    for _ in range(20):
        with httpx.Client(base_url=server.base_url) as client:
            assert client.get("/healthz").status_code == 200
    assert "died" in server.log()


def test_a_few_busy_connections_are_recycled_until_both_workers_share_them(
    serve, tmp_path: Path
) -> None:
    server, multiproc = _start(serve, tmp_path, {"FTW_RECONNECT_EVERY": "5"})
    clients = [httpx.Client(base_url=server.base_url) for _ in range(2)]
    try:
        for _ in range(200):
            for client in clients:
                assert client.get("/readyz").status_code == 200
    finally:
        for client in clients:
            client.close()
    wait_until(lambda: sum(_requests_by_worker(multiproc, "/readyz").values()) == 400)
    by_worker = _requests_by_worker(multiproc, "/readyz")
    # Two connections could both stay on one worker for good; recycled about every 5
    # responses, they are dealt again some 80 times and both workers take a share.
    assert len(by_worker) == 2
    assert min(by_worker.values()) >= 100, by_worker


def test_startup_objects_are_taken_out_of_the_collectors_walks() -> None:
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
