"""One holder at a time: the lease is taken when free or expired, renewed, released."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, select

from ftw_observe.store import Lease
from ftw_observe.store.tables import LeaseRow
from tests.conftest import wait_until
from tests.ftw_observe.store.data import T0

SECOND = timedelta(seconds=1)
TTL = 30 * SECOND


@pytest.fixture
def engine(store_url: str, store_engines: Callable[[str], Engine]) -> Engine:
    return store_engines(store_url)


def test_only_one_holder_until_expiry(engine: Engine) -> None:
    first = Lease(engine, "engine", "replica-a", TTL)
    second = Lease(engine, "engine", "replica-b", TTL)

    assert first.try_acquire(T0)
    assert first.held_until == T0 + TTL
    assert not second.try_acquire(T0 + 10 * SECOND)
    assert second.held_until is None
    assert first.holder(T0 + 10 * SECOND) == "replica-a"

    assert second.try_acquire(T0 + TTL)  # expired: taken over
    assert not first.try_acquire(T0 + TTL + SECOND)  # the old holder cannot renew
    assert first.holder(T0 + TTL + SECOND) == "replica-b"
    assert first.holder(T0 + 2 * TTL) is None  # expired, nobody renewed


def test_renewal_keeps_the_lease_and_its_start(engine: Engine) -> None:
    first = Lease(engine, "engine", "replica-a", TTL)
    second = Lease(engine, "engine", "replica-b", TTL)

    assert first.try_acquire(T0)
    assert first.try_acquire(T0 + 20 * SECOND)
    assert not second.try_acquire(T0 + 35 * SECOND)  # would have expired without renewal
    assert second.try_acquire(T0 + 50 * SECOND)

    with engine.connect() as connection:
        row = connection.execute(select(LeaseRow)).one()
    assert (row.holder, row.acquired_at, row.expires_at) == (
        "replica-b",
        T0 + 50 * SECOND,
        T0 + 80 * SECOND,
    )
    assert first.try_acquire(T0 + 80 * SECOND)
    assert first.try_acquire(T0 + 90 * SECOND)
    with engine.connect() as connection:
        row = connection.execute(select(LeaseRow)).one()
    assert (row.acquired_at, row.expires_at) == (T0 + 80 * SECOND, T0 + 120 * SECOND)


def test_release_frees_the_lease_only_for_its_holder(engine: Engine) -> None:
    first = Lease(engine, "engine", "replica-a", TTL)
    second = Lease(engine, "engine", "replica-b", TTL)
    assert first.try_acquire(T0)

    second.release()  # not ours: no effect
    assert first.holder(T0 + SECOND) == "replica-a"
    first.release()
    assert first.holder(T0 + SECOND) is None
    assert first.held_until is None
    assert second.try_acquire(T0 + SECOND)


def test_leases_with_different_names_are_independent(engine: Engine) -> None:
    assert Lease(engine, "engine", "replica-a", TTL).try_acquire(T0)
    assert Lease(engine, "reports", "replica-b", TTL).try_acquire(T0)


def test_a_lease_needs_a_positive_ttl(engine: Engine) -> None:
    with pytest.raises(ValueError, match="ttl"):
        Lease(engine, "engine", "replica-a", timedelta(0))


def test_two_replicas_hammering_never_hold_it_together(engine: Engine) -> None:
    """Each replica releases every other time it holds the lease, and hangs otherwise.

    A hanging replica stops renewing until the other has taken over after the TTL, so both
    handovers (release and expiry) happen many times.
    """
    ttl = timedelta(milliseconds=200)
    guard = threading.Lock()
    holding = 0
    peak = 0
    acquisitions = {"replica-a": 0, "replica-b": 0}
    takeovers_after_expiry = 0
    valid_until: dict[str, datetime | None] = {"replica-a": None, "replica-b": None}
    stop_at = time.monotonic() + 2.0

    def handed_over(other: str, seen: int) -> bool:
        return acquisitions[other] > seen or time.monotonic() > stop_at

    def replica(name: str, other: str) -> None:
        nonlocal holding, peak, takeovers_after_expiry
        lease = Lease(engine, "engine", name, ttl)
        rounds = 0
        while time.monotonic() < stop_at:
            now = datetime.now(UTC)
            if not lease.try_acquire(now):
                continue
            with guard:
                holding += 1
                peak = max(peak, holding)
                acquisitions[name] += 1
                previous = valid_until[other]
                if previous is not None:  # the other hung: its lease must have run out
                    assert now >= previous
                    takeovers_after_expiry += 1
                    valid_until[other] = None
                valid_until[name] = lease.held_until
            assert lease.holder(now) == name  # the work done while holding
            rounds += 1
            with guard:
                holding -= 1
                if rounds % 2:
                    valid_until[name] = None  # stop acting as holder, then release
            if rounds % 2:
                lease.release()
            else:  # hang: stop renewing until the other has taken over
                wait_until(partial(handed_over, other, acquisitions[other]), 10, 0.01)

    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(replica, "replica-a", "replica-b"),
            pool.submit(replica, "replica-b", "replica-a"),
        ]
        for future in futures:
            future.result(timeout=60)

    assert peak == 1
    assert min(acquisitions.values()) >= 2
    assert takeovers_after_expiry >= 2
