"""Money checks: whole cents only, no invoice above the accepted bid, payouts as invoiced."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from marketplace.db.models import Invoice
from marketplace.db.session import Database
from tests.conftest import Marketplace

ACCEPTED = 45_000  # the bid Marketplace.awarded_job accepts


def completed_job(mp: Marketplace) -> int:
    job_id, _ = mp.awarded_job()
    mp.call("POST", f"/api/jobs/{job_id}/complete", 200, "contractor")
    return job_id


def invoice(mp: Marketplace, job_id: int, amount: Any) -> Any:
    body = {"job_id": job_id, "amount_cents": amount}
    return mp.client.post("/api/invoices", json=body, headers=mp.key("contractor"))


def test_an_invoice_above_the_accepted_bid_is_refused_naming_the_field(
    marketplace: Marketplace,
) -> None:
    response = invoice(marketplace, completed_job(marketplace), 10_000_000_000)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "amount_cents"]
    assert f"{ACCEPTED} cents" in error["msg"]


def test_an_invoice_of_the_accepted_bid_is_taken(marketplace: Marketplace) -> None:
    assert invoice(marketplace, completed_job(marketplace), ACCEPTED).status_code == 201


def test_a_refused_invoice_leaves_the_job_billable(marketplace: Marketplace) -> None:
    job_id = completed_job(marketplace)
    invoice(marketplace, job_id, ACCEPTED + 1)
    assert invoice(marketplace, job_id, ACCEPTED - 1).status_code == 201


@pytest.mark.parametrize("amount", [True, "100", 1.5])
def test_an_amount_that_is_not_a_json_integer_is_refused(
    marketplace: Marketplace, amount: object
) -> None:
    job_id = marketplace.post_job()["id"]
    response = marketplace.client.post(
        f"/api/jobs/{job_id}/bids",
        json={"amount_cents": amount},
        headers=marketplace.key("contractor"),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "amount_cents"]


def test_an_integral_number_is_the_integer_json_schema_says_it_is(
    marketplace: Marketplace,
) -> None:
    job_id = marketplace.post_job()["id"]
    body = {"amount_cents": 1e3}
    bid = marketplace.call("POST", f"/api/jobs/{job_id}/bids", 201, "contractor", json=body)
    assert bid["amount_cents"] == 1000


def test_a_boolean_budget_is_refused(marketplace: Marketplace) -> None:
    job = {"territory_id": 9, "title": "Paint the fence", "budget_cents": True}
    response = marketplace.client.post("/api/jobs", json=job, headers=marketplace.key("homeowner"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "budget_cents"]


def test_a_boolean_invoice_id_is_not_read_as_invoice_1(marketplace: Marketplace) -> None:
    marketplace.invoiced_job()
    refused = marketplace.call("POST", "/api/payouts", 422, "contractor", json={"invoice_id": True})
    assert refused["detail"][0]["loc"] == ["body", "invoice_id"]


def test_a_payout_pays_what_its_invoice_bills(marketplace: Marketplace) -> None:
    invoice_id = marketplace.invoiced_job()
    paid = marketplace.call(
        "POST", "/api/payouts", 201, "contractor", json={"invoice_id": invoice_id}
    )
    billed = marketplace.call("GET", f"/api/invoices/{invoice_id}", 200, "contractor")
    assert paid["amount_cents"] == billed["amount_cents"] == ACCEPTED


def test_an_invoice_above_its_bid_written_around_the_api_is_not_paid(
    marketplace: Marketplace,
) -> None:
    invoice_id = marketplace.invoiced_job()
    database = Database(marketplace.settings)
    try:
        with database.session() as session:
            session.execute(
                update(Invoice).where(Invoice.id == invoice_id).values(amount_cents=10_000_000_000)
            )
            session.commit()
    finally:
        database.dispose()
    refused = marketplace.call(
        "POST", "/api/payouts", 409, "contractor", json={"invoice_id": invoice_id}
    )
    assert f"the accepted bid of {ACCEPTED}" in refused["detail"]
    listed = marketplace.call("GET", "/api/payouts", 200, "contractor")
    assert listed["items"] == []
