"""A real `ftw-observe serve` process for tests that talk to the engine over HTTP.

It runs from the checkout (so it reads `slo/` and `alerts/routing.yaml`) on a free port,
logs to a file, and is stopped by `stop()`, never left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from ftw_observe.prometheus.auth import AUTH_VARIABLES
from tests.support.services import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_TOKEN = "test-webhook-token-0123456789"
API_TOKEN = "test-api-token-0123456789"


@dataclass
class RunningEngine:
    """One `ftw-observe serve` process and where it listens.

    Usage::

        engine = start_engine("engine", tmp_path, {"FTW_OBSERVE_DATABASE_URL": url})
        try:
            engine.get("/healthz")
        finally:
            engine.stop()
    """

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    sink: BinaryIO

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET a path of the engine."""
        return httpx.get(f"{self.url}{path}", timeout=kwargs.pop("timeout", 5), **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST to a path of the engine."""
        return httpx.post(f"{self.url}{path}", timeout=kwargs.pop("timeout", 5), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        """DELETE a path of the engine."""
        return httpx.delete(f"{self.url}{path}", timeout=kwargs.pop("timeout", 5), **kwargs)

    def log_text(self) -> str:
        """Return what the engine logged so far."""
        self.sink.flush()
        return self.log.read_text(errors="replace")

    def metric(self, name: str) -> float:
        """Return the sum of every sample of one metric on `/metrics`."""
        total = 0.0
        for line in self.get("/metrics", timeout=2).text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def leads(self) -> bool:
        """Tell whether this replica holds the lease."""
        return self.metric("ftw_observe_leader") == 1

    def stop(self, timeout: float = 20) -> None:
        """Stop the process with SIGTERM (SIGKILL after `timeout`) and close its log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.sink.close()


@dataclass
class HealthWatch:
    """How `/healthz` answered while it was watched: every poll's time, and what went wrong."""

    polls: list[float] = field(default_factory=list)  # seconds each answer took
    failures: list[str] = field(default_factory=list)


@contextmanager
def watch_health(
    engine: RunningEngine, *, timeout: float = 1.0, interval: float = 0.1
) -> Iterator[HealthWatch]:
    """Poll `/healthz` while the block runs; an answer slower than `timeout` or not 200 fails.

    Usage::

        with watch_health(engine) as health:
            ...  # the hostile part
        assert health.failures == []
    """
    watch, stop = HealthWatch(), threading.Event()

    def poll() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = engine.get("/healthz", timeout=timeout).status_code
            except httpx.HTTPError as error:
                status, problem = 0, f"{type(error).__name__}: {error}"
            else:
                problem = f"HTTP {status}"
            took = time.monotonic() - started
            watch.polls.append(took)
            if status != 200 or took > timeout:
                watch.failures.append(f"after {len(watch.polls)} polls: {problem}, {took:.2f} s")
            stop.wait(interval)

    poller = threading.Thread(target=poll, name="watch-healthz", daemon=True)
    poller.start()
    try:
        yield watch
    finally:
        stop.set()
        poller.join(timeout=timeout + interval + 5)


def engine_env(database_url: str, *, api_token: bool = True, **extra: str) -> dict[str, str]:
    """Return an engine environment: its store, no Prometheus, fast cycles, both tokens.

    No Alertmanager sends these engines its watchdog, so the watchdog check is off unless a
    test sets FTW_WATCHDOG_TIMEOUT_SECONDS. `api_token=False` leaves FTW_API_TOKEN unset, as
    in the default configuration.
    """
    env = {
        "FTW_OBSERVE_DATABASE_URL": database_url,
        "PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: status unknown
        "FTW_EVALUATION_INTERVAL_SECONDS": "1",
        "FTW_DISPATCH_INTERVAL_SECONDS": "0.2",
        "FTW_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "FTW_API_TOKEN": API_TOKEN,
        "FTW_WATCHDOG_TIMEOUT_SECONDS": "0",
        **extra,
    }
    if not api_token:
        del env["FTW_API_TOKEN"]
    return env


def start_engine(
    name: str,
    directory: Path,
    env: dict[str, str],
    *,
    timeout: float = 30,
    executable: Path | None = None,
    cwd: Path = REPO_ROOT,
) -> RunningEngine:
    """Start `ftw-observe serve` with `env` added to this environment; wait for `/healthz`.

    `executable` and `cwd` run another installation of the engine, from elsewhere.
    """
    port = free_port()
    log = directory / f"{name}.log"
    sink = log.open("wb")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FTW_", "SLACK_", "PAGER")) and k not in AUTH_VARIABLES
    }
    process = subprocess.Popen(
        [
            str(executable or Path(sys.executable).parent / "ftw-observe"),
            "serve",
            "--port",
            str(port),
        ],
        env={**clean, "FTW_REPLICA_ID": name, "FTW_REVIEW_SCHEDULE": "", **env},
        cwd=cwd,
        stdout=sink,
        stderr=subprocess.STDOUT,
    )
    engine = RunningEngine(name, f"http://127.0.0.1:{port}", process, log, sink)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sink.close()
            raise RuntimeError(f"{name} exited:\n{log.read_text(errors='replace')}")
        try:
            if engine.get("/healthz", timeout=1).status_code == 200:
                return engine
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    engine.stop()
    raise RuntimeError(f"{name} did not answer /healthz within {timeout:g} s")
