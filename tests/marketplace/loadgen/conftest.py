"""Simulated users for the load generator's tests: no server, no network."""

from __future__ import annotations

import pytest

from marketplace.loadgen.actions import Actor, Role


def _actors(count: int, role: Role, first_index: int) -> list[Actor]:
    return [
        Actor(
            index=first_index + n,
            user_id=1000 + first_index + n,
            role=role,
            tier="pro" if n % 5 == 4 else "authenticated",
            api_key=f"ftw_test_key_{first_index + n}",
        )
        for n in range(count)
    ]


@pytest.fixture
def homeowners() -> list[Actor]:
    """Twenty homeowners."""
    return _actors(20, Role.HOMEOWNER, 0)


@pytest.fixture
def contractors() -> list[Actor]:
    """Thirty contractors."""
    return _actors(30, Role.CONTRACTOR, 20)
