"""API keys remembered in process: bounded, never the unknown ones, forgotten on a change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from marketplace.config import Settings
from marketplace.db.models import Role
from marketplace.db.session import Database, normalise_url
from marketplace.keycache import KeyCache, Principal
from marketplace.seed import seed_users
from marketplace.services import Services
from tests.conftest import Marketplace, MarketplaceFactory
from tests.support.clock import SecondsClock

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _principal(user_id: int) -> Principal:
    return Principal(user_id, "A", f"a{user_id}@x.example", Role.HOMEOWNER, "pro", CREATED)


def test_a_key_is_kept_until_its_ttl_ends() -> None:
    clock = SecondsClock()
    cache = KeyCache(ttl_seconds=5, clock=clock)
    cache.put("digest", _principal(1))
    clock.now += 4.9
    assert cache.get("digest") == _principal(1)
    clock.now += 0.1
    assert cache.get("digest") is None
    assert len(cache) == 0


def test_the_least_recently_used_key_goes_first_past_the_bound() -> None:
    cache = KeyCache(ttl_seconds=60, max_entries=2, clock=SecondsClock())
    cache.put("a", _principal(1))
    cache.put("b", _principal(2))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", _principal(3))
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (_principal(1), None, _principal(3))


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache = KeyCache(ttl_seconds=0)
    cache.put("digest", _principal(1))
    assert cache.get("digest") is None


def _served_with_a_fake_clock(mp: Marketplace) -> SecondsClock:
    clock = SecondsClock()
    services: Services = mp.client.app.state.services  # type: ignore[attr-defined]
    services.key_cache = KeyCache(ttl_seconds=60, check_seconds=1, clock=clock)
    return clock


def _change_users(url: str, statement: str) -> None:
    """Change users the way another process would: SQL on a connection of its own."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_a_replaced_key_stops_working_within_a_second(
    make_marketplace: MarketplaceFactory, backend_settings: Settings
) -> None:
    mp = make_marketplace(backend_settings, homeowners=1, contractors=0)
    clock = _served_with_a_fake_clock(mp)
    old = mp.key("homeowner")
    assert mp.client.get("/api/me", headers=old).status_code == 200
    database = Database(backend_settings)
    try:
        with database.session() as session:
            replaced = {str(u.role): u.api_key for u in seed_users(session, 1, 0)}
    finally:
        database.dispose()
    new = {"Authorization": f"Bearer {replaced['homeowner']}"}
    assert mp.client.get("/api/me", headers=new).status_code == 200  # a new key works at once
    assert mp.client.get("/api/me", headers=old).status_code == 200  # cached, until the check
    clock.now += 1
    response = mp.client.get("/api/me", headers=old)
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is not valid"


def test_a_role_changed_by_hand_in_the_database_shows_within_a_second(
    make_marketplace: MarketplaceFactory, backend_settings: Settings
) -> None:
    mp = make_marketplace(backend_settings, homeowners=1, contractors=0)
    clock = _served_with_a_fake_clock(mp)
    user = mp.user("homeowner")
    assert mp.client.get("/api/me", headers=mp.key("homeowner")).json()["tier"] != "pro"
    _change_users(
        backend_settings.database_url, f"UPDATE users SET tier = 'pro' WHERE id = {user.id}"
    )
    clock.now += 1
    assert mp.client.get("/api/me", headers=mp.key("homeowner")).json()["tier"] == "pro"


def test_a_deleted_user_is_refused_within_a_second(
    make_marketplace: MarketplaceFactory, backend_settings: Settings
) -> None:
    mp = make_marketplace(backend_settings, homeowners=2, contractors=0)
    clock = _served_with_a_fake_clock(mp)
    leaving = mp.user("homeowner", 1)
    headers = mp.key("homeowner", 1)
    assert mp.client.get("/api/me", headers=headers).status_code == 200
    _change_users(backend_settings.database_url, f"DELETE FROM users WHERE id = {leaving.id}")
    clock.now += 1
    assert mp.client.get("/api/me", headers=headers).status_code == 401


def test_keys_are_kept_between_checks_when_no_user_changed(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url))
    clock = _served_with_a_fake_clock(mp)
    services: Services = mp.client.app.state.services  # type: ignore[attr-defined]
    mp.client.get("/api/me", headers=mp.key("contractor"))
    clock.now += 5
    mp.client.get("/api/me", headers=mp.key("homeowner"))
    assert len(services.key_cache) == 2


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
