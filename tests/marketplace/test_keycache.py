"""API keys remembered in process: for a few seconds, bounded, never the unknown ones."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.config import Settings
from marketplace.db.models import Role
from marketplace.db.session import Database
from marketplace.keycache import KeyCache, Principal
from marketplace.seed import seed_users
from marketplace.services import Services
from tests.conftest import MarketplaceFactory

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _principal(user_id: int) -> Principal:
    return Principal(user_id, "A", f"a{user_id}@x.example", Role.HOMEOWNER, "pro", CREATED)


def test_a_key_is_kept_until_its_ttl_ends() -> None:
    clock = FakeClock()
    cache = KeyCache(ttl_seconds=5, clock=clock)
    cache.put("digest", _principal(1))
    clock.now += 4.9
    assert cache.get("digest") == _principal(1)
    clock.now += 0.1
    assert cache.get("digest") is None
    assert len(cache) == 0


def test_the_least_recently_used_key_goes_first_past_the_bound() -> None:
    cache = KeyCache(ttl_seconds=60, max_entries=2, clock=FakeClock())
    cache.put("a", _principal(1))
    cache.put("b", _principal(2))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", _principal(3))
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (_principal(1), None, _principal(3))


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache = KeyCache(ttl_seconds=0)
    cache.put("digest", _principal(1))
    assert cache.get("digest") is None


def test_a_replaced_key_stops_working_when_its_ttl_ends(
    make_marketplace: MarketplaceFactory, postgres_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=postgres_url), homeowners=1, contractors=0)
    clock = FakeClock()
    services: Services = mp.client.app.state.services  # type: ignore[attr-defined]
    services.key_cache = KeyCache(ttl_seconds=5, clock=clock)
    old = mp.key("homeowner")
    assert mp.client.get("/api/me", headers=old).status_code == 200
    database = Database(Settings(database_url=postgres_url))
    try:
        with database.session() as session:
            replaced = {str(u.role): u.api_key for u in seed_users(session, 1, 0)}
    finally:
        database.dispose()
    new = {"Authorization": f"Bearer {replaced['homeowner']}"}
    assert mp.client.get("/api/me", headers=new).status_code == 200  # a new key works at once
    assert mp.client.get("/api/me", headers=old).status_code == 200  # cached, within the TTL
    clock.now += 5
    response = mp.client.get("/api/me", headers=old)
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is not valid"


def test_unknown_keys_are_not_kept(make_marketplace: MarketplaceFactory, sqlite_url: str) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url))
    for attempt in range(5):
        headers = {"Authorization": f"Bearer ftw_guess-{attempt}"}
        assert mp.client.get("/api/me", headers=headers).status_code == 401
    services: Services = mp.client.app.state.services  # type: ignore[attr-defined]
    assert len(services.key_cache) == 0


def test_me_answers_every_field_of_the_user_from_its_snapshot(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url))
    first = mp.client.get("/api/me", headers=mp.key("contractor")).json()
    again = mp.client.get("/api/me", headers=mp.key("contractor")).json()
    assert first == again
    assert set(first) == {"id", "name", "email", "role", "tier", "created_at"}
    assert first["role"] == "contractor"
