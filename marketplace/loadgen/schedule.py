"""When to send: a fixed-rate arrival schedule and the run's stop conditions."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class ArrivalSchedule:
    """Arrivals every 1/rate seconds from `start`, whatever the answers take (open loop).

    Usage::

        schedule = ArrivalSchedule(rate=100.0, start=0.0)
        for _ in range(schedule.due(now=0.05)):  # 6 arrivals: t = 0, 0.01, ..., 0.05
            schedule.advance()
    """

    rate: float
    start: float
    arrivals: int = 0

    def __post_init__(self) -> None:
        if self.rate <= 0 or not math.isfinite(self.rate):
            raise ValueError(f"rate must be a positive number, got {self.rate}")

    def next_at(self) -> float:
        """Return when the next arrival is due."""
        return self.start + self.arrivals / self.rate

    def due(self, now: float) -> int:
        """Return how many arrivals are due at `now` and not yet taken."""
        if now < self.start:
            return 0
        # A hair of tolerance so an arrival exactly on time is not lost to rounding.
        total = math.floor((now - self.start) * self.rate + 1e-9) + 1
        return max(0, total - self.arrivals)

    def advance(self, count: int = 1) -> None:
        """Take `count` arrivals."""
        self.arrivals += count


@dataclass(frozen=True)
class RunBounds:
    """A run ends after `duration_seconds` or after `max_requests` sent, whichever is first.

    Usage::

        RunBounds(60.0, max_requests=1000).stop_reason(elapsed=12.0, sent=1000)  # "max_requests"
    """

    duration_seconds: float
    max_requests: int | None = None

    def stop_reason(self, elapsed: float, sent: int) -> str | None:
        """Return why the run must stop now ('duration' or 'max_requests'), or None."""
        if self.max_requests is not None and sent >= self.max_requests:
            return "max_requests"
        if elapsed >= self.duration_seconds:
            return "duration"
        return None

    def planned_requests(self, rate: float) -> int:
        """Return how many requests the run sends at most at `rate`."""
        by_time = math.ceil(rate * self.duration_seconds)
        return by_time if self.max_requests is None else min(by_time, self.max_requests)


@dataclass(frozen=True)
class TokenAllowance:
    """At most `burst + rate * elapsed` uses by `elapsed`: paces job posting under failures.

    Usage::

        allowance = TokenAllowance(rate=0.5, burst=2.0)
        allowance.allows(used=3, elapsed=1.0)  # False: 2 + 0.5 * 1 = 2.5 allowed
    """

    rate: float
    burst: float

    def allows(self, used: int, elapsed: float) -> bool:
        """Tell whether one more use fits by `elapsed`."""
        return used + 1 <= self.burst + self.rate * max(0.0, elapsed)
