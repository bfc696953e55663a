"""Pooled connections are tested before use only after they have been idle a while."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from marketplace.config import Settings
from marketplace.db.ping import ping_when_idle
from marketplace.db.session import normalise_url
from tests.conftest import MarketplaceFactory
from tests.support.clock import SecondsClock
from tests.support.services import end_connections


@pytest.fixture
def pinged(postgres_url: str) -> Iterator[tuple[Engine, SecondsClock]]:
    """A one-connection pool that tests connections idle for 1 s, on a hand-moved clock."""
    clock = SecondsClock()
    engine = create_engine(normalise_url(postgres_url), pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=1.0, clock=clock)
    yield engine, clock
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_moments_ago_is_not_tested(
    pinged: tuple[Engine, SecondsClock], postgres_url: str
) -> None:
    engine, clock = pinged
    _backend_pid(engine)
    end_connections(postgres_url)
    clock.now += 0.5
    with pytest.raises(exc.OperationalError):
        _backend_pid(engine)


def test_a_dead_connection_idle_past_the_limit_is_replaced_before_use(
    pinged: tuple[Engine, SecondsClock], postgres_url: str
) -> None:
    engine, clock = pinged
    first = _backend_pid(engine)
    end_connections(postgres_url)
    clock.now += 1.0
    assert _backend_pid(engine) != first


def test_requests_survive_a_restart_of_the_database_connections(
    make_marketplace: MarketplaceFactory, postgres_url: str
) -> None:
    settings = Settings(
        database_url=postgres_url, db_pool_size=1, db_max_overflow=0, db_ping_idle_seconds=0
    )
    mp = make_marketplace(settings)
    job = mp.post_job()
    end_connections(postgres_url)
    assert mp.client.get(f"/api/jobs/{job['id']}").status_code == 200
