"""Fixtures of the API tests: a seeded SQLite store and a client of the app over it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter

from ftw_observe.api.app import create_app
from ftw_observe.api.silence_access import SilenceRules
from ftw_observe.engine.runtime_status import RuntimeStatus
from tests.ftw_observe.api.seed import Seeded, marketplace_specs, seeded_store


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    """An SQLite store, migrated and seeded; its engine disposed afterwards."""
    data = seeded_store(tmp_path / "store")
    yield data
    data.store.engine.dispose()


@pytest.fixture
def registry() -> CollectorRegistry:
    """A registry with one engine metric, as the engine runtime provides."""
    registry = CollectorRegistry()
    Counter("ftw_observe_cycles", "Evaluation cycles by outcome.", ["outcome"], registry=registry)
    return registry


@pytest.fixture
def make_client(seeded: Seeded, registry: CollectorRegistry) -> Iterator[Callable[..., TestClient]]:
    """Build clients of the app over the seeded store; every one is closed afterwards."""
    clients: list[TestClient] = []

    def build(
        status: RuntimeStatus | None = None, silence_rules: SilenceRules | None = None
    ) -> TestClient:
        runtime = status or RuntimeStatus(
            role="leader",
            replica_id="engine-a",
            last_cycle_at=seeded.now,
            last_cycle_seconds=0.25,
        )
        app: FastAPI = create_app(
            store=seeded.store,
            specs=marketplace_specs(),
            status=lambda: runtime,
            registry=registry,
            silence_rules=silence_rules,
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the app over the seeded store, as the leader replica."""
    return make_client()
