"""Engine settings read from the environment, each error naming the variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ftw_observe.engine.settings import SHIPPED_RUNBOOKS, EngineSettings, SettingsError


def test_silences_last_at_most_seven_days_unless_configured() -> None:
    assert EngineSettings.from_env({}).silence_max_duration == timedelta(days=7)
    configured = EngineSettings.from_env({"FTW_SILENCE_MAX_DURATION": "12h"})
    assert configured.silence_max_duration == timedelta(hours=12)


@pytest.mark.parametrize("value", ["a week", "0s", "-1d"])
def test_a_bad_maximum_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="FTW_SILENCE_MAX_DURATION="):
        EngineSettings.from_env({"FTW_SILENCE_MAX_DURATION": value})


def test_the_api_token_is_read_and_never_shown() -> None:
    settings = EngineSettings.from_env({"FTW_API_TOKEN": " s3cret-value \n"})

    assert settings.api_token == "s3cret-value"
    assert "s3cret-value" not in repr(settings)


def test_without_a_token_silence_writes_stay_off() -> None:
    assert EngineSettings.from_env({"FTW_API_TOKEN": "  "}).api_token is None


def test_the_webhook_reads_a_mebibyte_by_default() -> None:
    assert EngineSettings.from_env({}).webhook_max_bytes == 1024 * 1024


def test_the_webhook_limit_comes_from_its_variable() -> None:
    settings = EngineSettings.from_env({"FTW_WEBHOOK_MAX_BYTES": "4194304"})

    assert settings.webhook_max_bytes == 4 * 1024 * 1024


@pytest.mark.parametrize("value", ["lots", "100", "1500.5"])
def test_a_bad_webhook_limit_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="FTW_WEBHOOK_MAX_BYTES"):
        EngineSettings.from_env({"FTW_WEBHOOK_MAX_BYTES": value})


def test_ended_silences_and_closed_incidents_are_kept_35_days_unless_configured() -> None:
    settings = EngineSettings.from_env({"FTW_INCIDENT_RETENTION_DAYS": "10"})

    assert settings.silence_retention == timedelta(days=35)
    assert settings.incident_retention == timedelta(days=10)


def test_raw_snapshots_kept_longer_than_history_are_refused_at_start() -> None:
    env = {"FTW_SNAPSHOT_RETENTION_DAYS": "1", "FTW_SNAPSHOT_RAW_HOURS": "48"}
    with pytest.raises(SettingsError, match="FTW_SNAPSHOT_RAW_HOURS=48 must not exceed"):
        EngineSettings.from_env(env)


def test_an_outage_resolves_after_ten_clean_minutes_unless_configured() -> None:
    assert EngineSettings.from_env({}).recovery_hold == timedelta(minutes=10)
    configured = EngineSettings.from_env({"FTW_RECOVERY_HOLD_SECONDS": "0"})
    assert configured.recovery_hold == timedelta(0)


@pytest.mark.parametrize("value", ["ten minutes", "-60"])
def test_a_bad_recovery_hold_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="FTW_RECOVERY_HOLD_SECONDS="):
        EngineSettings.from_env({"FTW_RECOVERY_HOLD_SECONDS": value})


def test_the_log_gets_a_summary_every_fifteen_minutes_unless_configured() -> None:
    assert EngineSettings.from_env({}).log_summary_interval == timedelta(minutes=15)
    configured = EngineSettings.from_env({"FTW_LOG_SUMMARY_SECONDS": "60"})
    assert configured.log_summary_interval == timedelta(minutes=1)


@pytest.mark.parametrize("value", ["hourly", "-1"])
def test_a_bad_summary_interval_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="FTW_LOG_SUMMARY_SECONDS="):
        EngineSettings.from_env({"FTW_LOG_SUMMARY_SECONDS": value})


def test_prometheus_down_and_a_missing_watchdog_page_after_three_minutes_by_default() -> None:
    settings = EngineSettings.from_env({})

    assert settings.meta_alert_after == timedelta(minutes=3)
    assert settings.watchdog_timeout == timedelta(minutes=3)


def test_a_zero_watchdog_timeout_turns_the_check_off() -> None:
    settings = EngineSettings.from_env({"FTW_WATCHDOG_TIMEOUT_SECONDS": "0"})

    assert settings.watchdog_timeout == timedelta(0)


@pytest.mark.parametrize("value", ["3m", "-1", "soon"])
def test_a_bad_watchdog_timeout_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="FTW_WATCHDOG_TIMEOUT_SECONDS="):
        EngineSettings.from_env({"FTW_WATCHDOG_TIMEOUT_SECONDS": value})


def test_no_heartbeat_unless_configured() -> None:
    settings = EngineSettings.from_env({"FTW_HEARTBEAT_URL": "  "})

    assert (settings.heartbeat_url, settings.heartbeat_method) == (None, "GET")


def test_the_heartbeat_url_is_read_and_never_shown() -> None:
    url = "https://hc-ping.com/0f1e2d3c-secret"
    settings = EngineSettings.from_env({"FTW_HEARTBEAT_URL": url, "FTW_HEARTBEAT_METHOD": "post"})

    assert (settings.heartbeat_url, settings.heartbeat_method) == (url, "POST")
    assert "0f1e2d3c-secret" not in repr(settings)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hc.example/0f1e2d3c-secret",
        "hc-ping.com/0f1e2d3c-secret",
        "https:///0f1e2d3c-secret",
        "https://hc.example/0f1e2d3c-secret now",
        "http://[::1/0f1e2d3c-secret",
    ],
)
def test_a_bad_heartbeat_url_is_refused_without_quoting_it(url: str) -> None:
    with pytest.raises(SettingsError, match="FTW_HEARTBEAT_URL") as refused:
        EngineSettings.from_env({"FTW_HEARTBEAT_URL": url})

    assert "0f1e2d3c-secret" not in str(refused.value)


def test_a_bad_heartbeat_method_names_the_choices() -> None:
    with pytest.raises(SettingsError, match="FTW_HEARTBEAT_METHOD='HEAD' must be GET or POST"):
        EngineSettings.from_env({"FTW_HEARTBEAT_METHOD": "HEAD"})


def test_a_heartbeat_never_waits_longer_than_half_a_cycle() -> None:
    fast = EngineSettings.from_env({"FTW_EVALUATION_INTERVAL_SECONDS": "1"})

    assert fast.heartbeat_timeout == 0.5
    assert EngineSettings.from_env({}).heartbeat_timeout == 5


def test_the_engine_serves_the_shipped_runbooks_unless_configured() -> None:
    assert EngineSettings.from_env({}).runbook_dirs == (SHIPPED_RUNBOOKS,)


def test_a_teams_runbook_directory_comes_before_the_shipped_runbooks(tmp_path: Path) -> None:
    settings = EngineSettings.from_env({"FTW_RUNBOOK_DIR": str(tmp_path)})
    assert settings.runbook_dirs == (tmp_path, SHIPPED_RUNBOOKS)


def test_the_shipped_runbooks_named_as_the_teams_are_searched_once() -> None:
    settings = EngineSettings.from_env({"FTW_RUNBOOK_DIR": str(SHIPPED_RUNBOOKS.resolve())})
    assert settings.runbook_dirs == (SHIPPED_RUNBOOKS.resolve(),)


def test_the_budget_review_is_weekly_on_monday_morning_by_default() -> None:
    assert EngineSettings.from_env({}).review_schedule == "0 9 * * 1"


def test_an_empty_review_schedule_turns_the_review_off() -> None:
    assert EngineSettings.from_env({"FTW_REVIEW_SCHEDULE": ""}).review_schedule == ""


def test_a_bad_review_schedule_is_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="FTW_REVIEW_SCHEDULE"):
        EngineSettings.from_env({"FTW_REVIEW_SCHEDULE": "every monday"})
