"""Which limits apply to a request: pure data, no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator


class Tier(enum.StrEnum):
    """Rate-limit tier of a caller."""

    ANONYMOUS = "anonymous"
    AUTHENTICATED = "authenticated"
    PRO = "pro"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Limit:
    """One fixed-window limit: at most `allowed` hits per `window_seconds` for one key."""

    name: str
    key: str
    allowed: int
    window_seconds: int

    def describe(self) -> str:
        """Say the limit in words, for 429 bodies."""
        unit = {60: "minute", 3600: "hour"}.get(self.window_seconds)
        per = f"per {unit}" if unit else f"per {self.window_seconds} s"
        return f"{self.name} allows {self.allowed} requests {per}"


def _tier_defaults() -> dict[Tier, int]:
    return {Tier.ANONYMOUS: 60, Tier.AUTHENTICATED: 200, Tier.PRO: 500, Tier.OPERATOR: 1000}


def _write_defaults() -> dict[str, int]:
    return {
        "POST /api/jobs": 10,
        "POST /api/jobs/{job_id}/bids": 50,
        "POST /api/invoices": 30,
        "POST /api/jobs/{job_id}/messages": 100,
    }


class RateLimitPolicy(BaseModel):
    """The limits of the launch plan, overridable for tests and drills.

    Usage::

        policy = RateLimitPolicy()
        limits = policy.limits_for(Tier.PRO, "user:7", "POST", "/api/jobs")
    """

    enabled: bool = True
    per_minute_by_tier: dict[Tier, int] = Field(default_factory=_tier_defaults)
    per_hour_by_route: dict[str, int] = Field(default_factory=_write_defaults)

    @field_validator("per_minute_by_tier")
    @classmethod
    def _keep_default_tiers(cls, value: dict[Tier, int]) -> dict[Tier, int]:
        # Every caller has a tier: overriding some tiers keeps the launch-plan limit of the rest.
        return {**_tier_defaults(), **value}

    def limits_for(self, tier: Tier, identity: str, method: str, route: str) -> list[Limit]:
        """Return the limits one request counts against, tier limit first."""
        if not self.enabled:
            return []
        limits = [
            Limit(
                name=f"{tier.value} tier",
                key=f"tier:{tier.value}:{identity}",
                allowed=self.per_minute_by_tier[tier],
                window_seconds=60,
            )
        ]
        hourly = self.per_hour_by_route.get(f"{method} {route}")
        if hourly is not None and tier is not Tier.ANONYMOUS:
            limits.append(
                Limit(
                    name=f"{method} {route}",
                    key=f"route:{method}:{route}:{identity}",
                    allowed=hourly,
                    window_seconds=3600,
                )
            )
        return limits
