"""Fixtures shared by the ftw_observe tests: the engine's app served over HTTP."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from ftw_observe.api.app import create_app
from ftw_observe.api.silence_access import SilenceRules
from ftw_observe.engine.runtime_status import RuntimeStatus
from tests.conftest import free_port, wait_until
from tests.ftw_observe.api.seed import Seeded, marketplace_specs, seeded_store

SERVER_API_TOKEN = "server-api-token-0123456789"


@pytest.fixture
def no_deploy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's FTW_DEPLOY_* variables (deployment config) out of a test."""
    for name in [name for name in os.environ if name.startswith("FTW_DEPLOY_")]:
        monkeypatch.delenv(name)


@dataclass
class Server:
    """The app served by uvicorn in a thread of this process."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    seeded: Seeded


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Serve the app over a seeded SQLite store on a free port, with an API token; stop it
    afterwards."""
    yield from serve(seeded_store(tmp_path / "store"))


@pytest.fixture
def young_server(tmp_path: Path) -> Iterator[Server]:
    """Serve the app over a store seeded as a deployment a day and a half old."""
    yield from serve(seeded_store(tmp_path / "store", young=True))


def serve(seeded: Seeded) -> Iterator[Server]:
    """Serve the app over `seeded` on a free port until the generator is closed."""
    runtime = RuntimeStatus(
        role="leader", replica_id="engine-a", last_cycle_at=seeded.now, last_cycle_seconds=0.21
    )
    app = create_app(
        store=seeded.store,
        specs=marketplace_specs(),
        status=lambda: runtime,
        silence_rules=SilenceRules(token=SERVER_API_TOKEN),
    )
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="uvicorn-status-page", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: running.started, timeout=20)
        yield Server(url, running, thread, seeded)
    finally:
        running.should_exit = True
        thread.join(timeout=20)
        seeded.store.engine.dispose()
