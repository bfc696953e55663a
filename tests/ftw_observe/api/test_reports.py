"""The newest budget review's report page, served read-only."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.store import Store

DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def client(store: Store) -> TestClient:
    return TestClient(create_app(store=store, specs=[]))


def test_before_any_review_the_page_is_a_404_that_says_so(store: Store) -> None:
    response = client(store).get("/reports/latest.html")
    assert response.status_code == 404
    assert "no budget review has been made yet" in response.text


def test_the_newest_review_is_served_as_html(store: Store) -> None:
    for due, page in ((DUE.replace(day=23), "<p>older</p>"), (DUE, "<p>newest</p>")):
        assert store.claim_review(
            due_at=due, now=due, replica="engine-a", html=page, notifications=[]
        )
    response = client(store).get("/reports/latest.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<p>newest</p>"
