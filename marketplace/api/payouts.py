"""Payouts: contractors are paid for invoices through the payment provider."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS, CONFLICT, NOT_FOUND, UNAVAILABLE
from marketplace.api.jobs import awarded_bid
from marketplace.api.pagination import Cursor, Limit, ResourceId, cursor_id, paginate
from marketplace.api.schemas import Page, PayoutCreate, PayoutOut
from marketplace.auth import SessionDep, UserDep, conflict, forbid, not_found, require_role
from marketplace.breaker import CircuitBreaker, CircuitOpenError
from marketplace.db.models import Invoice, Job, Payout, PayoutStatus, Role, utcnow
from marketplace.metrics import registry as metrics
from marketplace.payments import PaymentProvider, PaymentProviderError

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/payouts",
    tags=["payouts"],
    dependencies=[Depends(enforce_rate_limit)],
    responses={**AUTH_ERRORS, **NOT_FOUND},
)


def _unavailable(exc: CircuitOpenError) -> HTTPException:
    retry = max(1, round(exc.retry_after_seconds))
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail=f"payouts are paused: {exc}",
        headers={"Retry-After": str(retry)},
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PayoutOut,
    responses={**CONFLICT, **UNAVAILABLE},
)
async def request_payout(
    body: PayoutCreate, user: UserDep, session: SessionDep, request: Request
) -> Payout:
    """Pay the invoice's contractor out through the payment provider.

    The payout is for the invoice's amount; an invoice above the job's accepted bid is not
    paid (409).
    """
    require_role(user, Role.CONTRACTOR, action="request payouts")
    breaker: CircuitBreaker = request.app.state.services.payments_breaker
    provider: PaymentProvider = request.app.state.services.payments
    invoice = await session.scalar(
        select(Invoice).where(Invoice.id == body.invoice_id).with_for_update()
    )
    if invoice is None:
        raise not_found("invoice", body.invoice_id)
    if invoice.contractor_id != user.id:
        raise forbid("only the invoice's contractor can request its payout")
    existing = await session.scalar(
        select(Payout).where(Payout.invoice_id == invoice.id, Payout.status != PayoutStatus.FAILED)
    )
    if existing is not None:
        raise conflict(f"invoice {invoice.id} already has payout {existing.id} ({existing.status})")
    await _check_billed(session, invoice)
    rejection = breaker.rejection()
    if rejection is not None:
        metrics.PAYMENT_CALLS.labels(outcome="rejected").inc()
        raise _unavailable(rejection)
    payout = Payout(
        invoice_id=invoice.id,
        contractor_id=user.id,
        amount_cents=invoice.amount_cents,
        status=PayoutStatus.REQUESTED,
    )
    session.add(payout)
    await session.commit()
    metrics.PAYOUTS_REQUESTED.inc()
    payout_id, amount_cents = payout.id, payout.amount_cents
    try:
        # The provider is a network call that blocks: it runs in a thread, not on the loop.
        await run_in_threadpool(
            breaker.call, lambda: provider.send_payout(payout_id, user.id, amount_cents)
        )
    except (PaymentProviderError, CircuitOpenError) as exc:
        await _finish(session, payout, PayoutStatus.FAILED, reason=str(exc))
        outcome = "rejected" if isinstance(exc, CircuitOpenError) else "error"
        metrics.PAYMENT_CALLS.labels(outcome=outcome).inc()
        log.warning("payout %s failed: %s", payout.id, exc)
        if isinstance(exc, CircuitOpenError):
            raise _unavailable(exc) from None
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            detail=f"the payment provider failed, so payout {payout.id} is marked failed; "
            "request it again later",
        ) from None
    metrics.PAYMENT_CALLS.labels(outcome="ok").inc()
    await _finish(session, payout, PayoutStatus.PAID)
    return payout


async def _check_billed(session: SessionDep, invoice: Invoice) -> None:
    """Refuse to pay an invoice that bills more than the job's accepted bid.

    Invoices are checked when they are created; this also holds for one written before that
    check, or straight into the database.
    """
    job = await session.get(Job, invoice.job_id)
    bid = await awarded_bid(session, job) if job else None
    if bid is None or invoice.amount_cents > bid.amount_cents:
        accepted = "no accepted bid" if bid is None else f"the accepted bid of {bid.amount_cents}"
        raise conflict(
            f"invoice {invoice.id} bills {invoice.amount_cents} cents against {accepted}; "
            "it is not paid out"
        )


async def _finish(
    session: SessionDep, payout: Payout, outcome: PayoutStatus, reason: str = ""
) -> None:
    now = utcnow()
    payout.status = outcome
    payout.updated_at = now
    if outcome is PayoutStatus.PAID:
        payout.paid_at = now
    else:
        payout.failed_at = now
        payout.failure_reason = reason[:500]
    await session.commit()
    metrics.PAYOUTS_COMPLETED.labels(status=outcome.value).inc()


@router.get("", response_model=Page[PayoutOut])
async def list_payouts(
    user: UserDep,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[PayoutOut]:
    """List the caller's payouts, newest first (every payout for operators)."""
    if user.role is Role.HOMEOWNER:
        raise forbid("homeowners have no payouts; contractors and operators can list them")
    query = select(Payout).order_by(Payout.id.desc()).limit(limit + 1)
    if user.role is Role.CONTRACTOR:
        query = query.where(Payout.contractor_id == user.id)
    after = cursor_id(cursor)
    if after is not None:
        query = query.where(Payout.id < after)
    rows = (await session.scalars(query)).all()
    page, next_cursor = paginate(rows, limit, key=lambda p: p.id)
    return Page[PayoutOut](
        items=[PayoutOut.model_validate(p) for p in page], next_cursor=next_cursor
    )


@router.get("/{payout_id}", response_model=PayoutOut)
async def get_payout(payout_id: ResourceId, user: UserDep, session: SessionDep) -> Payout:
    """Return a payout to its contractor or an operator."""
    payout = await session.get(Payout, payout_id)
    if payout is None:
        raise not_found("payout", payout_id)
    if user.role is not Role.OPERATOR and payout.contractor_id != user.id:
        raise forbid("contractors can read only their own payouts")
    return payout
