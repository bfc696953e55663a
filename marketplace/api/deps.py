"""Dependencies shared by every API router."""

from __future__ import annotations

from fastapi import Request

from marketplace.api.errors import RateLimited
from marketplace.auth import CallerDep
from marketplace.metrics import registry as metrics
from marketplace.metrics.middleware import route_label
from marketplace.ratelimit import Limiter, RateLimitPolicy


async def enforce_rate_limit(request: Request, caller: CallerDep) -> None:
    """Count the request against its caller's limits; answer 429 when one is exhausted.

    Async, as the limiter and the caller's identity are: no thread hop.
    """
    services = request.app.state.services
    policy: RateLimitPolicy = services.settings.rate_limits
    limits = policy.limits_for(
        caller.tier, caller.identity, request.method, route_label(request.scope)
    )
    limiter: Limiter = services.limiter
    decision = await limiter.hit(limits)
    if not decision.allowed:
        assert decision.limit is not None
        metrics.RATE_LIMITED.labels(tier=caller.tier.value, limit=decision.limit.name).inc()
        raise RateLimited(decision)
