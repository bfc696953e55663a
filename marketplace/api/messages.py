"""Messages between a job's homeowner and the contractors who bid on it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from sqlalchemy import or_, select

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS, NOT_FOUND
from marketplace.api.jobs import load_job
from marketplace.api.pagination import ResourceId
from marketplace.api.schemas import MessageCreate, MessageOut
from marketplace.auth import SessionDep, UserDep, forbid
from marketplace.db.models import Bid, Job, Message, Role
from marketplace.metrics import registry as metrics

router = APIRouter(
    prefix="/api/jobs/{job_id}/messages",
    tags=["messages"],
    dependencies=[Depends(enforce_rate_limit)],
    responses={**AUTH_ERRORS, **NOT_FOUND},
)


async def _has_bid(session: SessionDep, job_id: int, contractor_id: int) -> bool:
    found = await session.scalar(
        select(Bid.id).where(Bid.job_id == job_id, Bid.contractor_id == contractor_id)
    )
    return found is not None


async def _check_participants(
    session: SessionDep, job: Job, sender_id: int, recipient_id: int
) -> None:
    if sender_id == job.homeowner_id:
        if not await _has_bid(session, job.id, recipient_id):
            raise forbid(
                f"user {recipient_id} has not bid on job {job.id}; "
                "homeowners can message only contractors who bid"
            )
        return
    if not await _has_bid(session, job.id, sender_id):
        raise forbid(f"only job {job.id}'s homeowner and contractors who bid on it can message")
    if recipient_id != job.homeowner_id:
        raise forbid(f"contractors can message only the homeowner of job {job.id}")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MessageOut)
async def send_message(
    job_id: ResourceId, body: MessageCreate, user: UserDep, session: SessionDep
) -> Message:
    """Send a message about a job to the other party."""
    job = await load_job(session, job_id)
    await _check_participants(session, job, user.id, body.recipient_id)
    message = Message(
        job_id=job.id, sender_id=user.id, recipient_id=body.recipient_id, body=body.body
    )
    session.add(message)
    await session.commit()
    metrics.MESSAGES_SENT.inc()
    return message


@router.get("", response_model=list[MessageOut])
async def list_messages(job_id: ResourceId, user: UserDep, session: SessionDep) -> list[Message]:
    """List a job's messages the caller sent or received (all of them for operators)."""
    job = await load_job(session, job_id)
    query = select(Message).where(Message.job_id == job.id).order_by(Message.id).limit(500)
    if user.role is not Role.OPERATOR and user.id != job.homeowner_id:
        query = query.where(or_(Message.sender_id == user.id, Message.recipient_id == user.id))
    return list(await session.scalars(query))
