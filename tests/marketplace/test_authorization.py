"""Authentication and authorization: 401 and 403 with a clear message."""

from __future__ import annotations

import pytest

from tests.conftest import Marketplace


@pytest.fixture
def mp(pg_marketplace: Marketplace) -> Marketplace:
    return pg_marketplace


def _bid_on_a_new_job(mp: Marketplace) -> tuple[int, int]:
    job = mp.post_job()
    bid = mp.call(
        "POST", f"/api/jobs/{job['id']}/bids", 201, "contractor", json={"amount_cents": 9}
    )
    return int(job["id"]), int(bid["id"])


def test_missing_key_is_401_with_bearer_challenge(mp: Marketplace) -> None:
    response = mp.client.post(
        "/api/jobs", json={"territory_id": 1, "title": "x", "budget_cents": 1}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]


def test_unknown_key_is_401(mp: Marketplace) -> None:
    response = mp.client.get("/api/me", headers={"Authorization": "Bearer ftw_not-a-key"})
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is not valid"


def test_malformed_authorization_header_is_401(mp: Marketplace) -> None:
    response = mp.client.get("/api/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_browsing_jobs_needs_no_key(mp: Marketplace) -> None:
    assert mp.client.get("/api/jobs").status_code == 200


def test_homeowner_cannot_bid(mp: Marketplace) -> None:
    job_id, _ = _bid_on_a_new_job(mp)
    response = mp.client.post(
        f"/api/jobs/{job_id}/bids", json={"amount_cents": 5}, headers=mp.key("homeowner", 1)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "only contractors can bid on jobs; you are a homeowner"


def test_contractor_cannot_post_jobs(mp: Marketplace) -> None:
    response = mp.client.post(
        "/api/jobs",
        json={"territory_id": 1, "title": "x", "budget_cents": 1},
        headers=mp.key("contractor"),
    )
    assert response.status_code == 403
    assert "only homeowners can post jobs" in response.json()["detail"]


def test_contractor_cannot_accept_bids(mp: Marketplace) -> None:
    _, bid_id = _bid_on_a_new_job(mp)
    response = mp.client.post(f"/api/bids/{bid_id}/accept", headers=mp.key("contractor"))
    assert response.status_code == 403
    assert "homeowner" in response.json()["detail"]


def test_another_homeowner_cannot_accept_bids(mp: Marketplace) -> None:
    _, bid_id = _bid_on_a_new_job(mp)
    response = mp.client.post(f"/api/bids/{bid_id}/accept", headers=mp.key("homeowner", 1))
    assert response.status_code == 403


def test_contractor_sees_only_own_bids(mp: Marketplace) -> None:
    job_id, bid_id = _bid_on_a_new_job(mp)
    mp.client.post(
        f"/api/jobs/{job_id}/bids", json={"amount_cents": 7}, headers=mp.key("contractor", 1)
    )
    own = mp.client.get(f"/api/jobs/{job_id}/bids", headers=mp.key("contractor")).json()
    assert [bid["id"] for bid in own] == [bid_id]


def test_contractor_cannot_read_another_contractors_payout(mp: Marketplace) -> None:
    invoice_id = mp.invoiced_job()
    payout = mp.call("POST", "/api/payouts", 201, "contractor", json={"invoice_id": invoice_id})
    other = mp.client.get(f"/api/payouts/{payout['id']}", headers=mp.key("contractor", 1))
    assert other.status_code == 403
    assert other.json()["detail"] == "contractors can read only their own payouts"
    assert mp.client.get("/api/payouts", headers=mp.key("contractor", 1)).json()["items"] == []
    operator = mp.client.get(f"/api/payouts/{payout['id']}", headers=mp.key("operator"))
    assert operator.status_code == 200


def test_only_the_awarded_contractor_can_invoice(mp: Marketplace) -> None:
    job_id, _ = mp.awarded_job()
    mp.call("POST", f"/api/jobs/{job_id}/complete", 200, "homeowner")
    response = mp.client.post(
        "/api/invoices",
        json={"job_id": job_id, "amount_cents": 900},
        headers=mp.key("contractor", 1),
    )
    assert response.status_code == 403


def test_contractor_cannot_request_payout_for_anothers_invoice(mp: Marketplace) -> None:
    invoice_id = mp.invoiced_job()
    response = mp.client.post(
        "/api/payouts", json={"invoice_id": invoice_id}, headers=mp.key("contractor", 1)
    )
    assert response.status_code == 403


def test_outsider_cannot_message_on_a_job(mp: Marketplace) -> None:
    job_id, _ = _bid_on_a_new_job(mp)
    homeowner = mp.user("homeowner")
    response = mp.client.post(
        f"/api/jobs/{job_id}/messages",
        json={"recipient_id": homeowner.id, "body": "hello"},
        headers=mp.key("contractor", 2),
    )
    assert response.status_code == 403


def test_only_operators_register_users(mp: Marketplace) -> None:
    body = {"name": "New", "email": "new@example.com", "role": "contractor"}
    assert mp.client.post("/api/users", json=body, headers=mp.key("homeowner")).status_code == 403
    created = mp.client.post("/api/users", json=body, headers=mp.key("operator"))
    assert created.status_code == 201
    key = created.json()["api_key"]
    me = mp.client.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["email"] == "new@example.com"


def test_registering_an_existing_email_is_a_conflict(mp: Marketplace) -> None:
    body = {"name": "Dup", "email": "dup@example.com", "role": "homeowner"}
    assert mp.client.post("/api/users", json=body, headers=mp.key("operator")).status_code == 201
    again = mp.client.post("/api/users", json=body, headers=mp.key("operator"))
    assert again.status_code == 409


def test_an_email_the_published_schema_allows_is_accepted(mp: Marketplace) -> None:
    # U+0085 is whitespace to Python's \s but not to JSON Schema validators.
    body = {"name": "Nel", "email": "\x85y@\x92", "role": "homeowner"}
    assert mp.client.post("/api/users", json=body, headers=mp.key("operator")).status_code == 201
