"""Marketplace settings, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from marketplace.ratelimit.policy import RateLimitPolicy

DEFAULT_SQLITE_PATH = Path(".ftw") / "marketplace.db"


class SettingsError(ValueError):
    """Raised when an environment variable holds a value the marketplace cannot use."""


class Settings(BaseModel):
    """Everything the marketplace needs to start.

    Usage::

        settings = Settings.from_env()          # DATABASE_URL, REDIS_URL, ...
        app = create_app(settings)
    """

    database_url: str = Field(default=f"sqlite:///{DEFAULT_SQLITE_PATH}")
    redis_url: str | None = None
    redis_key_prefix: str = "ftw:"
    rate_limits: RateLimitPolicy = Field(default_factory=RateLimitPolicy)
    metrics_enabled: bool = True
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    # A request waits at most this long for a connection, then answers 503: never seconds.
    db_pool_timeout_seconds: float = Field(default=1.0, gt=0)
    # A pooled connection idle this long is tested before a request uses it. 0: every time.
    db_ping_idle_seconds: float = Field(default=1.0, ge=0)
    # API requests one worker serves at once. 0: no limit.
    max_in_flight: int = Field(default=12, ge=0)
    # How long a request past that limit waits for a slot before its 503; 0: none.
    max_queue_seconds: float = Field(default=0.05, ge=0, le=5)
    # Every this many responses a worker asks the client to reconnect, so that the kernel
    # deals connections over the workers again. 0: never.
    reconnect_every: int = Field(default=100, ge=0)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_timeout_seconds: float = Field(default=30.0, gt=0)
    payment_latency_seconds: float = Field(default=0.0, ge=0)
    fault_refresh_seconds: float = Field(default=1.0, ge=0)
    # How long a worker keeps an API key it looked up; a change to the user reaches every
    # worker within a second anyway. 0: keep none.
    api_key_cache_seconds: float = Field(default=60.0, ge=0, le=300)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    redis_timeout_seconds: float = Field(default=0.25, gt=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, naming the variable on bad input."""
        env = os.environ if environ is None else environ
        mapping = {
            "database_url": "DATABASE_URL",
            "redis_url": "REDIS_URL",
            "redis_key_prefix": "REDIS_KEY_PREFIX",
            "db_pool_size": "FTW_DB_POOL_SIZE",
            "db_max_overflow": "FTW_DB_MAX_OVERFLOW",
            "db_pool_timeout_seconds": "FTW_DB_POOL_TIMEOUT_SECONDS",
            "db_ping_idle_seconds": "FTW_DB_PING_IDLE_SECONDS",
            "max_in_flight": "FTW_MAX_IN_FLIGHT",
            "max_queue_seconds": "FTW_MAX_QUEUE_SECONDS",
            "reconnect_every": "FTW_RECONNECT_EVERY",
            "breaker_failure_threshold": "FTW_BREAKER_FAILURE_THRESHOLD",
            "breaker_reset_timeout_seconds": "FTW_BREAKER_RESET_TIMEOUT_SECONDS",
            "payment_latency_seconds": "FTW_PAYMENT_LATENCY_SECONDS",
            "fault_refresh_seconds": "FTW_FAULT_REFRESH_SECONDS",
            "api_key_cache_seconds": "FTW_API_KEY_CACHE_SECONDS",
            "metrics_enabled": "FTW_METRICS_ENABLED",
            "redis_timeout_seconds": "FTW_REDIS_TIMEOUT_SECONDS",
            "readiness_timeout_seconds": "FTW_READINESS_TIMEOUT_SECONDS",
        }
        values: dict[str, object] = {}
        for field, variable in mapping.items():
            raw = env.get(variable)
            if raw is not None and raw != "":
                values[field] = raw
        if "RATE_LIMITS_ENABLED" in env:
            values["rate_limits"] = RateLimitPolicy(
                enabled=env["RATE_LIMITS_ENABLED"].lower() not in {"0", "false", "no", "off"}
            )
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "?"
                problems.append(f"{mapping.get(field, field)}: {error['msg']}")
            raise SettingsError("invalid marketplace settings: " + "; ".join(problems)) from None

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the database is an SQLite file."""
        return self.database_url.startswith("sqlite")
