"""The launch plan's rate limits and a local ledger that keeps the generator within them."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

TIER_PER_MINUTE: Mapping[str, int] = {
    "anonymous": 60,
    "authenticated": 200,
    "pro": 500,
    "operator": 1000,
}
HOURLY_BY_ROUTE: Mapping[str, int] = {
    "POST /api/jobs": 10,
    "POST /api/jobs/{job_id}/bids": 50,
    "POST /api/invoices": 30,
    "POST /api/jobs/{job_id}/messages": 100,
}


@dataclass(frozen=True)
class QuotaPolicy:
    """How much of each server limit the generator allows itself.

    The server counts fixed windows aligned to the clock; a sliding window a little longer
    than the server's bounds every fixed window inside it, even when requests reach the
    server a moment after they were sent.

    Usage::

        policy = QuotaPolicy()
        policy.minute_budget("authenticated")   # 150
        policy.minute_budget("anonymous")       # 15
        policy.hourly_budget("POST /api/jobs")  # 8
    """

    per_minute_by_tier: Mapping[str, int] = field(default_factory=lambda: dict(TIER_PER_MINUTE))
    per_hour_by_route: Mapping[str, int] = field(default_factory=lambda: dict(HOURLY_BY_ROUTE))
    minute_headroom: float = 0.75
    # Anonymous requests share one per-address limit with every other client on this host,
    # such as another run just before this one, so the generator keeps to a small part of it.
    anonymous_headroom: float = 0.25
    hourly_headroom: float = 0.8
    minute_window_seconds: float = 65.0
    hour_window_seconds: float = 3660.0

    def minute_budget(self, tier: str) -> int:
        """Return how many requests a caller of `tier` may send in one minute window."""
        headroom = self.anonymous_headroom if tier == "anonymous" else self.minute_headroom
        return max(1, math.floor(self.per_minute_by_tier[tier] * headroom))

    def hourly_budget(self, route_key: str) -> int | None:
        """Return how many `route_key` requests one user may send per hour, or None."""
        allowed = self.per_hour_by_route.get(route_key)
        if allowed is None:
            return None
        return max(1, math.floor(allowed * self.hourly_headroom))


def _prune(stamps: deque[float], horizon: float) -> None:
    while stamps and stamps[0] <= horizon:
        stamps.popleft()


class QuotaTracker:
    """Counts what each identity sent, so no request is sent that a limit would refuse.

    Usage::

        quota = QuotaTracker(QuotaPolicy())
        if quota.allows("user:7", "authenticated", "POST /api/jobs", now):
            quota.spend("user:7", "POST /api/jobs", now)
    """

    def __init__(self, policy: QuotaPolicy | None = None) -> None:
        self.policy = policy or QuotaPolicy()
        self._minute: dict[str, deque[float]] = {}
        self._hourly: dict[tuple[str, str], deque[float]] = {}
        self._blocked_until: dict[str, float] = {}

    def allows(self, identity: str, tier: str, route_key: str, now: float) -> bool:
        """Tell whether one more `route_key` request by `identity` stays within budget."""
        if self._blocked_until.get(identity, float("-inf")) > now:
            return False
        if self.used_in_minute(identity, now) >= self.policy.minute_budget(tier):
            return False
        budget = self.policy.hourly_budget(route_key)
        return budget is None or self.used_in_hour(identity, route_key, now) < budget

    def spend(self, identity: str, route_key: str, now: float) -> None:
        """Count one request by `identity` sent at `now`."""
        self._minute.setdefault(identity, deque()).append(now)
        if self.policy.hourly_budget(route_key) is not None:
            self._hourly.setdefault((identity, route_key), deque()).append(now)

    def try_spend(self, identity: str, tier: str, route_key: str, now: float) -> bool:
        """Count the request and return True when it fits, else return False."""
        if not self.allows(identity, tier, route_key, now):
            return False
        self.spend(identity, route_key, now)
        return True

    def block(self, identity: str, until: float) -> None:
        """Send nothing for `identity` before `until`, as a 429's Retry-After asked."""
        self._blocked_until[identity] = max(until, self._blocked_until.get(identity, until))

    def used_in_minute(self, identity: str, now: float) -> int:
        """Return how many requests `identity` sent in the last minute window."""
        stamps = self._minute.get(identity)
        if not stamps:
            return 0
        _prune(stamps, now - self.policy.minute_window_seconds)
        return len(stamps)

    def used_in_hour(self, identity: str, route_key: str, now: float) -> int:
        """Return how many `route_key` requests `identity` sent in the last hour window."""
        stamps = self._hourly.get((identity, route_key))
        if not stamps:
            return 0
        _prune(stamps, now - self.policy.hour_window_seconds)
        return len(stamps)
