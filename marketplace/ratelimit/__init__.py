"""Rate limits from the launch plan: per tier per minute, per user per hour on writes."""

from marketplace.ratelimit.limiter import (
    Decision,
    InMemoryLimiter,
    Limiter,
    RedisLimiter,
)
from marketplace.ratelimit.policy import Limit, RateLimitPolicy, Tier

__all__ = [
    "Decision",
    "InMemoryLimiter",
    "Limit",
    "Limiter",
    "RateLimitPolicy",
    "RedisLimiter",
    "Tier",
]
