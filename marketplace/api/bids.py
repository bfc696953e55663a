"""Bids: contractors bid on posted jobs; homeowners accept one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS, CONFLICT, NOT_FOUND
from marketplace.api.jobs import load_job, reload_after_rollback
from marketplace.api.pagination import ResourceId
from marketplace.api.schemas import BidCreate, BidOut
from marketplace.auth import SessionDep, UserDep, conflict, forbid, not_found, require_role
from marketplace.db.models import Bid, BidStatus, Job, JobStatus, Role, utcnow
from marketplace.metrics import registry as metrics

router = APIRouter(
    prefix="/api",
    tags=["bids"],
    dependencies=[Depends(enforce_rate_limit)],
    responses={**AUTH_ERRORS, **NOT_FOUND},
)


@router.post(
    "/jobs/{job_id}/bids",
    status_code=status.HTTP_201_CREATED,
    response_model=BidOut,
    responses=CONFLICT,
)
async def submit_bid(
    job_id: ResourceId, body: BidCreate, user: UserDep, session: SessionDep
) -> Bid:
    """Bid on a posted job (contractors only, one bid per job)."""
    require_role(user, Role.CONTRACTOR, action="bid on jobs")
    job = await load_job(session, job_id)
    if job.status is not JobStatus.POSTED:
        raise conflict(f"job {job_id} is {job.status}; bids are accepted only on posted jobs")
    now = utcnow()
    bid = Bid(
        job_id=job_id,
        contractor_id=user.id,
        status=BidStatus.SUBMITTED,
        created_at=now,
        **body.model_dump(),
    )
    session.add(bid)
    try:
        await session.flush()
        # Only the first bid changes the job; later ones must not lock or touch its row.
        await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.first_bid_at.is_(None))
            .values(first_bid_at=now, updated_at=now)
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise conflict(f"you already bid on job {job_id}") from None
    metrics.BIDS_SUBMITTED.inc()
    return bid


@router.get("/jobs/{job_id}/bids", response_model=list[BidOut])
async def list_bids(job_id: ResourceId, user: UserDep, session: SessionDep) -> list[Bid]:
    """List a job's bids: all of them for its homeowner, a contractor's own for a contractor."""
    job = await load_job(session, job_id)
    query = select(Bid).where(Bid.job_id == job_id).order_by(Bid.id)
    if user.role is Role.CONTRACTOR:
        query = query.where(Bid.contractor_id == user.id)
    elif user.role is Role.HOMEOWNER and user.id != job.homeowner_id:
        raise forbid("only the job's homeowner can see its bids")
    return list(await session.scalars(query))


@router.post("/bids/{bid_id}/accept", response_model=BidOut, responses=CONFLICT)
async def accept_bid(bid_id: ResourceId, user: UserDep, session: SessionDep) -> Bid:
    """Accept a bid, awarding its job to the contractor (the job's homeowner only)."""
    bid = await session.get(Bid, bid_id)
    if bid is None:
        raise not_found("bid", bid_id)
    job = await load_job(session, bid.job_id)
    if user.id != job.homeowner_id:
        raise forbid("only the job's homeowner can accept its bids")
    now = utcnow()
    awarded = await session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.POSTED)
        .values(status=JobStatus.AWARDED, awarded_at=now, awarded_bid_id=bid.id, updated_at=now)
    )
    if awarded.rowcount != 1:  # type: ignore[attr-defined]
        await reload_after_rollback(session, job)
        raise conflict(f"job {job.id} is {job.status}; only bids on posted jobs can be accepted")
    await session.execute(
        update(Bid).where(Bid.job_id == job.id, Bid.id != bid.id).values(status=BidStatus.REJECTED)
    )
    bid.status = BidStatus.ACCEPTED
    bid.accepted_at = now
    await session.commit()
    metrics.BIDS_ACCEPTED.inc()
    return bid
