"""The whole job lifecycle through the HTTP API, on Postgres + Redis and on SQLite."""

from __future__ import annotations

from typing import Any

from tests.conftest import Marketplace


def _post_job(mp: Marketplace, homeowner: int = 0, territory: int = 42) -> dict[str, Any]:
    response = mp.client.post(
        "/api/jobs",
        json={"territory_id": territory, "title": "Fix the roof", "budget_cents": 250_000},
        headers=mp.key("homeowner", homeowner),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_job_goes_from_posted_to_paid_out(marketplace: Marketplace) -> None:
    mp = marketplace
    job = _post_job(mp)
    assert job["status"] == "posted"
    bids = []
    for index in range(3):
        response = mp.client.post(
            f"/api/jobs/{job['id']}/bids",
            json={"amount_cents": 200_000 + index, "message": "can start Monday"},
            headers=mp.key("contractor", index),
        )
        assert response.status_code == 201, response.text
        bids.append(response.json())
    listed = mp.client.get(f"/api/jobs/{job['id']}/bids", headers=mp.key("homeowner"))
    assert [bid["id"] for bid in listed.json()] == [bid["id"] for bid in bids]

    accepted = mp.client.post(f"/api/bids/{bids[1]['id']}/accept", headers=mp.key("homeowner"))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    awarded = mp.client.get(f"/api/jobs/{job['id']}").json()
    assert awarded["status"] == "awarded"
    assert awarded["awarded_bid_id"] == bids[1]["id"]
    assert awarded["first_bid_at"] is not None

    contractor = mp.user("contractor", 1)
    homeowner = mp.user("homeowner")
    sent = mp.client.post(
        f"/api/jobs/{job['id']}/messages",
        json={"recipient_id": contractor.id, "body": "Gate code is 1234"},
        headers=mp.key("homeowner"),
    )
    assert sent.status_code == 201, sent.text
    reply = mp.client.post(
        f"/api/jobs/{job['id']}/messages",
        json={"recipient_id": homeowner.id, "body": "Thanks"},
        headers=mp.key("contractor", 1),
    )
    assert reply.status_code == 201, reply.text
    thread = mp.client.get(f"/api/jobs/{job['id']}/messages", headers=mp.key("contractor", 1))
    assert [m["body"] for m in thread.json()] == ["Gate code is 1234", "Thanks"]

    completed = mp.client.post(f"/api/jobs/{job['id']}/complete", headers=mp.key("contractor", 1))
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"

    invoice = mp.client.post(
        "/api/invoices",
        json={"job_id": job["id"], "amount_cents": 200_001},
        headers=mp.key("contractor", 1),
    )
    assert invoice.status_code == 201, invoice.text
    payout = mp.client.post(
        "/api/payouts", json={"invoice_id": invoice.json()["id"]}, headers=mp.key("contractor", 1)
    )
    assert payout.status_code == 201, payout.text
    assert payout.json()["status"] == "paid"
    assert payout.json()["amount_cents"] == 200_001
    assert payout.json()["paid_at"] is not None

    mine = mp.client.get("/api/payouts", headers=mp.key("contractor", 1)).json()
    assert [p["id"] for p in mine["items"]] == [payout.json()["id"]]


def test_second_payout_for_the_same_invoice_is_a_conflict(marketplace: Marketplace) -> None:
    invoice = {"invoice_id": marketplace.invoiced_job()}
    marketplace.call("POST", "/api/payouts", 201, "contractor", json=invoice)
    again = marketplace.call("POST", "/api/payouts", 409, "contractor", json=invoice)
    assert "already has payout" in again["detail"]


def test_a_contractor_bids_once_per_job(marketplace: Marketplace) -> None:
    job = _post_job(marketplace)
    url = f"/api/jobs/{job['id']}/bids"
    headers = marketplace.key("contractor")
    assert (
        marketplace.client.post(url, json={"amount_cents": 5}, headers=headers).status_code == 201
    )
    again = marketplace.client.post(url, json={"amount_cents": 4}, headers=headers)
    assert again.status_code == 409
    assert again.json()["detail"] == f"you already bid on job {job['id']}"


def test_bids_on_an_awarded_job_are_refused(marketplace: Marketplace) -> None:
    mp = marketplace
    job = _post_job(mp)
    bid = mp.client.post(
        f"/api/jobs/{job['id']}/bids", json={"amount_cents": 5}, headers=mp.key("contractor", 0)
    ).json()
    mp.client.post(f"/api/bids/{bid['id']}/accept", headers=mp.key("homeowner"))
    late = mp.client.post(
        f"/api/jobs/{job['id']}/bids", json={"amount_cents": 4}, headers=mp.key("contractor", 1)
    )
    assert late.status_code == 409
    assert "awarded" in late.json()["detail"]


def test_listing_pages_through_every_job_once_with_filters(marketplace: Marketplace) -> None:
    mp = marketplace
    ids = {int(_post_job(mp, territory=7)["id"]) for _ in range(5)}
    _post_job(mp, territory=8)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"territory_id": 7, "status": "posted", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = mp.client.get("/api/jobs", params=params).json()
        seen += [job["id"] for job in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_a_bad_cursor_names_the_parameter(marketplace: Marketplace) -> None:
    response = marketplace.client.get("/api/jobs", params={"cursor": "abc"})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "cursor"]]


def test_cancelled_job_cannot_be_completed(marketplace: Marketplace) -> None:
    job = _post_job(marketplace)
    cancel = marketplace.client.post(
        f"/api/jobs/{job['id']}/cancel", headers=marketplace.key("homeowner")
    )
    assert cancel.json()["status"] == "cancelled"
    complete = marketplace.client.post(
        f"/api/jobs/{job['id']}/complete", headers=marketplace.key("homeowner")
    )
    assert complete.status_code == 409


def test_first_bid_time_is_set_by_the_first_bid_only(marketplace: Marketplace) -> None:
    job = marketplace.post_job()
    url = f"/api/jobs/{job['id']}/bids"
    marketplace.call("POST", url, 201, "contractor", json={"amount_cents": 5})
    first = marketplace.client.get(f"/api/jobs/{job['id']}").json()["first_bid_at"]
    second = marketplace.client.post(
        url, json={"amount_cents": 4}, headers=marketplace.key("contractor", 1)
    )
    assert second.status_code == 201
    assert marketplace.client.get(f"/api/jobs/{job['id']}").json()["first_bid_at"] == first


def test_a_second_accept_names_the_status_the_job_has_now(marketplace: Marketplace) -> None:
    mp = marketplace
    job = _post_job(mp)
    url = f"/api/jobs/{job['id']}/bids"
    first = mp.call("POST", url, 201, "contractor", json={"amount_cents": 5})
    second = mp.client.post(url, json={"amount_cents": 4}, headers=mp.key("contractor", 1)).json()
    mp.call("POST", f"/api/bids/{first['id']}/accept", 200, "homeowner")
    late = mp.client.post(f"/api/bids/{second['id']}/accept", headers=mp.key("homeowner"))
    assert late.status_code == 409
    assert late.json()["detail"] == (
        f"job {job['id']} is awarded; only bids on posted jobs can be accepted"
    )


def test_a_second_invoice_for_a_job_is_refused_naming_the_job(marketplace: Marketplace) -> None:
    invoice_id = marketplace.invoiced_job()
    first = marketplace.call("GET", f"/api/invoices/{invoice_id}", 200, "contractor")
    again = marketplace.client.post(
        "/api/invoices",
        json={"job_id": first["job_id"], "amount_cents": 100},
        headers=marketplace.key("contractor"),
    )
    assert again.status_code == 409
    assert again.json()["detail"] == f"job {first['job_id']} already has an invoice"
