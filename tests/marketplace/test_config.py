"""Marketplace settings read from the environment."""

from __future__ import annotations

import pytest

from marketplace.config import DEFAULT_SQLITE_PATH, Settings, SettingsError
from marketplace.ratelimit import Tier


def test_without_environment_the_marketplace_uses_an_sqlite_file() -> None:
    settings = Settings.from_env({})

    assert settings.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert settings.is_sqlite
    assert settings.redis_url is None


def test_without_environment_the_launch_plan_defaults_apply() -> None:
    settings = Settings.from_env({})

    assert settings.rate_limits.enabled
    assert settings.rate_limits.per_minute_by_tier[Tier.ANONYMOUS] == 60
    assert (settings.breaker_failure_threshold, settings.breaker_reset_timeout_seconds) == (5, 30)
    assert settings.redis_key_prefix == "ftw:"
    assert settings.metrics_enabled


def test_variables_set_their_settings() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/ftw",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "REDIS_KEY_PREFIX": "drill:",
            "FTW_DB_POOL_SIZE": "4",
            "FTW_BREAKER_FAILURE_THRESHOLD": "2",
            "FTW_BREAKER_RESET_TIMEOUT_SECONDS": "0.5",
            "FTW_FAULT_REFRESH_SECONDS": "0",
            "FTW_METRICS_ENABLED": "false",
        }
    )

    assert not settings.is_sqlite
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.redis_key_prefix == "drill:"
    assert settings.db_pool_size == 4
    assert settings.breaker_failure_threshold == 2
    assert settings.breaker_reset_timeout_seconds == 0.5
    assert settings.fault_refresh_seconds == 0
    assert not settings.metrics_enabled


def test_an_empty_variable_counts_as_unset() -> None:
    settings = Settings.from_env({"FTW_DB_POOL_SIZE": "", "REDIS_URL": ""})

    assert settings.db_pool_size == 10
    assert settings.redis_url is None


def test_a_bad_value_is_reported_with_its_variable_name() -> None:
    with pytest.raises(SettingsError, match="FTW_DB_POOL_SIZE") as raised:
        Settings.from_env({"FTW_DB_POOL_SIZE": "abc"})

    assert "db_pool_size" not in str(raised.value)


def test_an_out_of_range_value_is_reported_with_its_variable_name() -> None:
    with pytest.raises(SettingsError, match="FTW_BREAKER_RESET_TIMEOUT_SECONDS"):
        Settings.from_env({"FTW_BREAKER_RESET_TIMEOUT_SECONDS": "0"})


def test_every_bad_variable_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"FTW_DB_POOL_SIZE": "0", "FTW_DB_MAX_OVERFLOW": "many"})

    assert "FTW_DB_POOL_SIZE" in str(raised.value)
    assert "FTW_DB_MAX_OVERFLOW" in str(raised.value)


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "OFF"])
def test_rate_limits_enabled_off_turns_every_limit_off(value: str) -> None:
    settings = Settings.from_env({"RATE_LIMITS_ENABLED": value})

    assert not settings.rate_limits.enabled
    assert settings.rate_limits.limits_for(Tier.ANONYMOUS, "ip:1", "POST", "/api/jobs") == []


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_rate_limits_enabled_on_keeps_the_limits(value: str) -> None:
    settings = Settings.from_env({"RATE_LIMITS_ENABLED": value})

    assert settings.rate_limits.enabled
    assert settings.rate_limits.limits_for(Tier.ANONYMOUS, "ip:1", "GET", "/api/jobs") != []


def test_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/ftw-config-test.db")
    monkeypatch.setenv("FTW_DB_POOL_SIZE", "3")

    settings = Settings.from_env()

    assert settings.database_url == "sqlite:////tmp/ftw-config-test.db"
    assert settings.db_pool_size == 3
