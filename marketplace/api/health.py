"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from marketplace.api.schemas import DependencyStatus, Readiness
from marketplace.services import Services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Say the process is up; checks no dependency."""
    return {"status": "ok"}


def _check_database(services: Services) -> None:
    with services.database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _check_redis(services: Services) -> None:
    assert services.redis is not None
    services.redis.ping()


def _describe(exc: Exception) -> str:
    # The driver's own message names host and port but never the password.
    cause = getattr(exc, "orig", None) or exc
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}"[:300]


async def _probe(
    check: Callable[[Services], None], services: Services, timeout: float
) -> DependencyStatus:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.to_thread(check, services), timeout)
    except TimeoutError:
        return DependencyStatus(status="down", detail=f"no answer within {timeout:g} s")
    except Exception as exc:
        return DependencyStatus(status="down", detail=_describe(exc))
    return DependencyStatus(status="ok", latency_seconds=round(time.perf_counter() - started, 4))


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is unreachable"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Report whether the database and Redis answer, with detail per dependency."""
    services: Services = request.app.state.services
    timeout = services.settings.readiness_timeout_seconds
    checks = [_probe(_check_database, services, timeout)]
    if services.redis is not None:
        checks.append(_probe(_check_redis, services, timeout))
    results = await asyncio.gather(*checks)
    dependencies = {"database": results[0]}
    dependencies["redis"] = (
        results[1] if len(results) > 1 else DependencyStatus(status="not_configured")
    )
    ready = all(dep.status != "down" for dep in dependencies.values())
    body = Readiness(status="ready" if ready else "not_ready", dependencies=dependencies)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)
