"""Invoices: the awarded contractor bills a completed job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS, CONFLICT, NOT_FOUND
from marketplace.api.jobs import awarded_bid, load_job
from marketplace.api.pagination import ResourceId
from marketplace.api.schemas import InvoiceCreate, InvoiceOut
from marketplace.auth import SessionDep, UserDep, conflict, forbid, not_found, require_role
from marketplace.db.models import Bid, Invoice, JobStatus, Role
from marketplace.metrics import registry as metrics

router = APIRouter(
    prefix="/api/invoices",
    tags=["invoices"],
    dependencies=[Depends(enforce_rate_limit)],
    responses={**AUTH_ERRORS, **NOT_FOUND},
)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InvoiceOut, responses=CONFLICT)
async def create_invoice(body: InvoiceCreate, user: UserDep, session: SessionDep) -> Invoice:
    """Invoice a completed job (its awarded contractor only, once per job).

    The amount is at most the accepted bid's: a larger one is refused with 422, naming
    `amount_cents` and the bid.
    """
    require_role(user, Role.CONTRACTOR, action="create invoices")
    job = await load_job(session, body.job_id)
    bid = await awarded_bid(session, job)
    if bid is None or bid.contractor_id != user.id:
        raise forbid(f"only the contractor awarded job {job.id} can invoice it")
    if job.status is not JobStatus.COMPLETED:
        raise conflict(f"job {job.id} is {job.status}; only completed jobs can be invoiced")
    if body.amount_cents > bid.amount_cents:
        raise over_the_bid(body.amount_cents, bid)
    invoice = Invoice(
        job_id=job.id,
        contractor_id=user.id,
        homeowner_id=job.homeowner_id,
        amount_cents=body.amount_cents,
    )
    session.add(invoice)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise conflict(f"job {body.job_id} already has an invoice") from None
    metrics.INVOICES_CREATED.inc()
    return invoice


def over_the_bid(amount_cents: int, bid: Bid) -> RequestValidationError:
    """Return the 422 of an invoice that bills more than the bid the homeowner accepted."""
    return RequestValidationError(
        [
            {
                "type": "less_than_equal",
                "loc": ("body", "amount_cents"),
                "msg": f"an invoice bills at most the accepted bid: {bid.amount_cents} cents "
                f"(bid {bid.id} on job {bid.job_id})",
                "input": amount_cents,
                "ctx": {"le": bid.amount_cents},
            }
        ]
    )


@router.get("/{invoice_id}", response_model=InvoiceOut)
async def get_invoice(invoice_id: ResourceId, user: UserDep, session: SessionDep) -> Invoice:
    """Return an invoice to its contractor, its homeowner or an operator."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise not_found("invoice", invoice_id)
    if user.role is not Role.OPERATOR and user.id not in (
        invoice.contractor_id,
        invoice.homeowner_id,
    ):
        raise forbid("only the invoice's contractor or homeowner can read it")
    return invoice
