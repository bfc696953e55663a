"""Jobs: post, browse, complete and cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select, update

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS, CONFLICT, NOT_FOUND
from marketplace.api.pagination import Cursor, Limit, ResourceId, cursor_id, paginate
from marketplace.api.schemas import JobCreate, JobOut, Page
from marketplace.auth import SessionDep, UserDep, conflict, forbid, not_found, require_role
from marketplace.db.models import TERRITORY_COUNT, Bid, Job, JobStatus, Role, utcnow
from marketplace.metrics import registry as metrics

router = APIRouter(
    prefix="/api/jobs",
    tags=["jobs"],
    dependencies=[Depends(enforce_rate_limit)],
    responses=AUTH_ERRORS,
)


async def load_job(session: SessionDep, job_id: int) -> Job:
    """Return job `job_id`, or answer 404."""
    job = await session.get(Job, job_id)
    if job is None:
        raise not_found("job", job_id)
    return job


@router.post("", status_code=status.HTTP_201_CREATED, response_model=JobOut)
async def post_job(body: JobCreate, user: UserDep, session: SessionDep) -> Job:
    """Post a job for contractors to bid on."""
    require_role(user, Role.HOMEOWNER, action="post jobs")
    job = Job(homeowner_id=user.id, status=JobStatus.POSTED, **body.model_dump())
    session.add(job)
    await session.commit()
    metrics.JOBS_POSTED.inc()
    return job


@router.get("", response_model=Page[JobOut])
async def list_jobs(
    session: SessionDep,
    territory_id: Annotated[int | None, Query(ge=1, le=TERRITORY_COUNT)] = None,
    job_status: Annotated[JobStatus | None, Query(alias="status")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[JobOut]:
    """List jobs, newest first, optionally in one territory or one status."""
    query = select(Job).order_by(Job.id.desc()).limit(limit + 1)
    if territory_id is not None:
        query = query.where(Job.territory_id == territory_id)
    if job_status is not None:
        query = query.where(Job.status == job_status)
    after = cursor_id(cursor)
    if after is not None:
        query = query.where(Job.id < after)
    rows = (await session.scalars(query)).all()
    page, next_cursor = paginate(rows, limit, key=lambda job: job.id)
    return Page[JobOut](items=[JobOut.model_validate(job) for job in page], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=JobOut, responses=NOT_FOUND)
async def get_job(job_id: ResourceId, session: SessionDep) -> Job:
    """Return one job."""
    return await load_job(session, job_id)


@router.post("/{job_id}/complete", response_model=JobOut, responses={**NOT_FOUND, **CONFLICT})
async def complete_job(job_id: ResourceId, user: UserDep, session: SessionDep) -> Job:
    """Mark an awarded job completed (its homeowner or the awarded contractor)."""
    job = await load_job(session, job_id)
    awarded_contractor = await _awarded_contractor(session, job)
    if user.id not in (job.homeowner_id, awarded_contractor):
        raise forbid("only the job's homeowner or its awarded contractor can complete it")
    now = utcnow()
    done = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.AWARDED)
        .values(status=JobStatus.COMPLETED, completed_at=now, updated_at=now)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        await reload_after_rollback(session, job)
        raise conflict(f"job {job_id} is {job.status}; only awarded jobs can be completed")
    await session.commit()
    metrics.JOBS_COMPLETED.inc()
    await session.refresh(job)
    return job


@router.post("/{job_id}/cancel", response_model=JobOut, responses={**NOT_FOUND, **CONFLICT})
async def cancel_job(job_id: ResourceId, user: UserDep, session: SessionDep) -> Job:
    """Cancel a job that is not finished yet (its homeowner only)."""
    job = await load_job(session, job_id)
    if user.id != job.homeowner_id:
        raise forbid("only the job's homeowner can cancel it")
    now = utcnow()
    done = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_([JobStatus.POSTED, JobStatus.AWARDED]))
        .values(status=JobStatus.CANCELLED, cancelled_at=now, updated_at=now)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        await reload_after_rollback(session, job)
        raise conflict(
            f"job {job_id} is {job.status}; only posted or awarded jobs can be cancelled"
        )
    await session.commit()
    metrics.JOBS_CANCELLED.inc()
    await session.refresh(job)
    return job


async def reload_after_rollback(session: SessionDep, job: Job) -> None:
    """Roll back and read `job` again, so an error names the status it has now.

    A rollback expires every loaded object, and an async session cannot load one on access.
    """
    await session.rollback()
    await session.refresh(job)


async def awarded_bid(session: SessionDep, job: Job) -> Bid | None:
    """Return the bid the homeowner accepted for a job, if any."""
    if job.awarded_bid_id is None:
        return None
    return await session.get(Bid, job.awarded_bid_id)


async def _awarded_contractor(session: SessionDep, job: Job) -> int | None:
    bid = await awarded_bid(session, job)
    return bid.contractor_id if bid else None
