"""The long-lived collaborators one marketplace app uses, built without I/O."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from marketplace.breaker import CircuitBreaker
from marketplace.config import Settings
from marketplace.db.session import Database
from marketplace.faults import FaultStore
from marketplace.keycache import KeyCache
from marketplace.payments import PaymentProvider, SimulatedPaymentProvider
from marketplace.ratelimit import InMemoryLimiter, Limiter, RedisLimiter


@dataclass
class Services:
    """Database, Redis, rate limiter, fault store, payment provider and key cache of one app.

    Usage::

        services = Services.build(Settings.from_env())
        app.state.services = services
    """

    settings: Settings
    database: Database
    redis: redis.Redis | None
    limiter: Limiter
    faults: FaultStore
    payments: PaymentProvider
    payments_breaker: CircuitBreaker
    key_cache: KeyCache

    @classmethod
    def build(cls, settings: Settings, payments: PaymentProvider | None = None) -> Services:
        """Wire the services for `settings`; connections open on first use."""
        database = Database(settings)
        client: redis.Redis | None = None
        limiter: Limiter
        if settings.redis_url:
            # The readiness probe's client; short timeouts, as the limiter's.
            client = redis.Redis.from_url(
                settings.redis_url,
                socket_timeout=settings.redis_timeout_seconds,
                socket_connect_timeout=settings.redis_timeout_seconds,
            )
            limiter = RedisLimiter(
                settings.redis_url,
                prefix=settings.redis_key_prefix,
                timeout_seconds=settings.redis_timeout_seconds,
            )
        else:
            limiter = InMemoryLimiter()
        faults = FaultStore(database, refresh_seconds=settings.fault_refresh_seconds)
        provider = payments or SimulatedPaymentProvider(
            outage=lambda: faults.snapshot().payment_outage,
            latency_seconds=settings.payment_latency_seconds,
        )
        breaker = CircuitBreaker(
            "payment_provider",
            failure_threshold=settings.breaker_failure_threshold,
            reset_timeout_seconds=settings.breaker_reset_timeout_seconds,
        )
        key_cache = KeyCache(ttl_seconds=settings.api_key_cache_seconds)
        return cls(settings, database, client, limiter, faults, provider, breaker, key_cache)

    async def start(self) -> None:
        """Open what belongs to the serving event loop; nothing connects yet."""
        await self.limiter.start()

    async def aclose(self) -> None:
        """Release pooled connections, on the event loop that served the requests."""
        try:
            await self.database.aclose()
        finally:
            await self.limiter.aclose()
            if self.redis is not None:
                self.redis.close()
