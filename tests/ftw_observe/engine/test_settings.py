"""Engine settings about silences: the API token and the longest silence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ftw_observe.engine.settings import EngineSettings, SettingsError


def test_silences_last_at_most_seven_days_unless_configured():
    assert EngineSettings.from_env({}).silence_max_duration == timedelta(days=7)
    configured = EngineSettings.from_env({"FTW_SILENCE_MAX_DURATION": "12h"})
    assert configured.silence_max_duration == timedelta(hours=12)


@pytest.mark.parametrize("value", ["a week", "0s", "-1d"])
def test_a_bad_maximum_names_the_variable(value: str):
    with pytest.raises(SettingsError, match="FTW_SILENCE_MAX_DURATION="):
        EngineSettings.from_env({"FTW_SILENCE_MAX_DURATION": value})


def test_the_api_token_is_read_and_never_shown():
    settings = EngineSettings.from_env({"FTW_API_TOKEN": " s3cret-value \n"})

    assert settings.api_token == "s3cret-value"
    assert "s3cret-value" not in repr(settings)


def test_without_a_token_silence_writes_stay_off():
    assert EngineSettings.from_env({"FTW_API_TOKEN": "  "}).api_token is None
