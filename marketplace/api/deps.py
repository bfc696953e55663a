"""Dependencies shared by every API router."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from marketplace.api.errors import RateLimited
from marketplace.auth import CallerDep
from marketplace.metrics import registry as metrics
from marketplace.metrics.middleware import route_label
from marketplace.ratelimit import Limiter, RateLimitPolicy


async def enforce_rate_limit(request: Request, caller: CallerDep) -> None:
    """Count the request against its caller's limits; answer 429 when one is exhausted.

    Async, so that it and the caller's identity take no thread hop of their own: only the
    Redis round trip goes to a thread.
    """
    services = request.app.state.services
    policy: RateLimitPolicy = services.settings.rate_limits
    limits = policy.limits_for(
        caller.tier, caller.identity, request.method, route_label(request.scope)
    )
    limiter: Limiter = services.limiter
    if limiter.blocking and limits:
        decision = await run_in_threadpool(limiter.hit, limits)
    else:
        decision = limiter.hit(limits)
    if not decision.allowed:
        assert decision.limit is not None
        metrics.RATE_LIMITED.labels(tier=caller.tier.value, limit=decision.limit.name).inc()
        raise RateLimited(decision)
