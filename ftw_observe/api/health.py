"""Probes: liveness (the process answers) and readiness (the database answers)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ftw_observe.api.deps import ContextDep
from ftw_observe.api.schemas import Liveness, Readiness
from ftw_observe.display import format as fmt
from ftw_observe.engine.runtime_status import merged
from ftw_observe.model import EngineHealth

log = logging.getLogger("ftw_observe.api")
READINESS_TIMEOUT_SECONDS = 2.0

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness)
def healthz() -> Liveness:
    """Say the process is up; checks nothing else."""
    return Liveness()


def describe(error: BaseException) -> str:
    """Return the first line of a driver error, without the SQL or parameters."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}"[:300]


def prometheus_sentence(error: str | None, since_text: str) -> str:
    """Return `unreachable since …: error`."""
    return f"unreachable since {since_text}: {error or 'no answer'}"


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database does not answer"}},
)
async def readyz(context: ContextDep) -> JSONResponse:
    """Report whether the database answers, this replica's role and Prometheus's state."""
    stored: EngineHealth | None = None
    database_detail = None
    try:
        stored = await asyncio.wait_for(
            asyncio.to_thread(context.store.health), READINESS_TIMEOUT_SECONDS
        )
    except TimeoutError:
        database_detail = f"no answer within {READINESS_TIMEOUT_SECONDS:g} s"
    except Exception as error:
        database_detail = describe(error)
        log.warning("readiness: the database does not answer: %s", database_detail)
    runtime = merged(context.status(), stored)
    unreachable = runtime.prometheus_unreachable_since
    prometheus_detail = None
    if unreachable is not None:
        since = fmt.timestamp(unreachable)
        prometheus_detail = prometheus_sentence(runtime.prometheus_error, since)
    ready = stored is not None
    body = Readiness(
        status="ready" if ready else "not_ready",
        database="ok" if ready else "down",
        database_detail=database_detail,
        role=runtime.role,
        replica_id=runtime.replica_id,
        last_cycle_at=runtime.last_cycle_at,
        last_cycle_seconds=runtime.last_cycle_seconds,
        prometheus="unreachable" if unreachable else "ok" if runtime.last_cycle_at else "unknown",
        prometheus_detail=prometheus_detail,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)
