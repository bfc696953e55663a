"""Every n-th response asks its client to reconnect; the others keep the connection."""

from __future__ import annotations

from marketplace.config import Settings
from tests.conftest import MarketplaceFactory


def test_every_third_response_closes_its_connection(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url, reconnect_every=3))
    closing = [mp.client.get("/healthz").headers.get("connection") == "close" for _ in range(9)]
    assert closing == [False, False, True] * 3


def test_zero_never_closes_a_connection(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url, reconnect_every=0))
    assert all("connection" not in mp.client.get("/healthz").headers for _ in range(5))


def test_an_error_answer_counts_and_closes_too(
    make_marketplace: MarketplaceFactory, sqlite_url: str
) -> None:
    mp = make_marketplace(Settings(database_url=sqlite_url, reconnect_every=1))
    response = mp.client.get("/api/me", headers={"Authorization": "Bearer ftw_wrong"})
    assert response.status_code == 401
    assert response.headers["connection"] == "close"
