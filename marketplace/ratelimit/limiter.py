"""Fixed-window counters, in Redis (shared by every process) or in this process.

Checks are async: the Redis round trip waits on the event loop instead of a thread.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis
import redis.asyncio
from redis.commands.core import AsyncScript

from marketplace.metrics import registry as metrics
from marketplace.ratelimit.policy import Limit

log = logging.getLogger(__name__)

# Checks every limit first and counts only when all pass, so a rejected request spends no
# quota; one script call keeps check-and-count atomic across processes.
_CHECK_AND_COUNT = """
for i = 1, #KEYS do
  local allowed = tonumber(ARGV[2 * i - 1])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= allowed then
    return i
  end
end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i]))
  end
end
return 0
"""


@dataclass(frozen=True)
class Decision:
    """The outcome of one rate-limit check."""

    allowed: bool
    limit: Limit | None = None
    retry_after_seconds: int = 0


ALLOW = Decision(allowed=True)


class Limiter(Protocol):
    """Counts a request against its limits and says whether it may proceed.

    `start` and `aclose` bracket the serving event loop's life (the app's lifespan).
    """

    async def hit(self, limits: Sequence[Limit]) -> Decision: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


def _window_start(now: float, window_seconds: int) -> int:
    return int(now // window_seconds) * window_seconds


def _retry_after(now: float, limit: Limit) -> int:
    end = _window_start(now, limit.window_seconds) + limit.window_seconds
    return max(1, math.ceil(end - now))


class InMemoryLimiter:
    """Limits for a single process, used when no Redis is configured.

    Usage::

        limiter = InMemoryLimiter()
        limits = policy.limits_for(Tier.ANONYMOUS, "ip:127.0.0.1", "GET", "/api/jobs")
        decision = await limiter.hit(limits)
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._last_prune = 0

    async def start(self) -> None:
        """Nothing to open."""

    async def aclose(self) -> None:
        """Nothing to close."""

    async def hit(self, limits: Sequence[Limit]) -> Decision:
        """Count one request against `limits` unless one of them is exhausted."""
        if not limits:
            return ALLOW
        now = self._clock()
        slots = [(limit.key, _window_start(now, limit.window_seconds)) for limit in limits]
        with self._lock:
            self._prune(now)
            for limit, slot in zip(limits, slots, strict=True):
                if self._counts.get(slot, 0) >= limit.allowed:
                    return Decision(False, limit, _retry_after(now, limit))
            for slot in slots:
                self._counts[slot] = self._counts.get(slot, 0) + 1
        return ALLOW

    def _prune(self, now: float) -> None:
        # Windows are at most an hour long; dropping older slots bounds memory.
        if now - self._last_prune < 60:
            return
        self._last_prune = int(now)
        horizon = now - 3600
        self._counts = {slot: n for slot, n in self._counts.items() if slot[1] >= horizon}


class RedisLimiter:
    """Limits shared by every process that uses the same Redis and key prefix.

    Fails open: when Redis cannot be reached the request proceeds and the error is counted,
    so a cache outage never becomes a marketplace outage.

    A redis.asyncio connection belongs to the event loop that opened it: `start` opens the
    client of the serving loop, and a check on any other loop (a test client without a
    lifespan) uses a client of its own for that one call.

    Usage::

        limiter = RedisLimiter("redis://127.0.0.1:6379/0", prefix="ftw:")
        await limiter.start()
        decision = await limiter.hit(limits)
        await limiter.aclose()
    """

    def __init__(
        self,
        url: str,
        prefix: str = "ftw:",
        timeout_seconds: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = url
        self._timeout_seconds = timeout_seconds
        self._prefix = prefix
        self._clock = clock
        self._client: redis.asyncio.Redis | None = None
        self._script: AsyncScript | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _new_client(self) -> redis.asyncio.Redis:
        # Short timeouts: a slow Redis must not hold requests, the limiter fails open.
        return redis.asyncio.Redis.from_url(
            self._url,
            socket_timeout=self._timeout_seconds,
            socket_connect_timeout=self._timeout_seconds,
        )

    async def start(self) -> None:
        """Open the client of the running event loop; this connects on first use."""
        await self.aclose()
        self._client, self._loop = self._new_client(), asyncio.get_running_loop()
        self._script = self._client.register_script(_CHECK_AND_COUNT)

    async def aclose(self) -> None:
        """Close the client `start` opened."""
        if self._client is not None:
            await self._client.aclose()
        self._client, self._script, self._loop = None, None, None

    async def _run_script(self, keys: list[str], args: list[int]) -> int:
        if self._script is not None and self._loop is asyncio.get_running_loop():
            return int(await self._script(keys=keys, args=args))
        async with self._new_client() as client:
            script = client.register_script(_CHECK_AND_COUNT)
            return int(await script(keys=keys, args=args))

    async def hit(self, limits: Sequence[Limit]) -> Decision:
        """Count one request against `limits` unless one of them is exhausted."""
        if not limits:
            return ALLOW
        now = self._clock()
        keys: list[str] = []
        args: list[int] = []
        for limit in limits:
            start = _window_start(now, limit.window_seconds)
            keys.append(f"{self._prefix}rl:{limit.key}:{start}")
            args.extend([limit.allowed, limit.window_seconds * 1000 + 1000])
        started = time.perf_counter()
        try:
            violated = await self._run_script(keys, args)
        except redis.RedisError as exc:
            metrics.REDIS_ERRORS.labels(operation="rate_limit").inc()
            log.warning("rate limit check skipped, Redis unavailable: %s", type(exc).__name__)
            return ALLOW
        finally:
            metrics.REDIS_LATENCY.labels(operation="rate_limit").observe(
                time.perf_counter() - started
            )
        if violated == 0:
            return ALLOW
        limit = limits[violated - 1]
        return Decision(False, limit, _retry_after(now, limit))
