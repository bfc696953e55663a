"""Engine settings read from the environment, each error naming the variable."""

from __future__ import annotations

import pytest

from ftw_observe.engine.settings import EngineSettings, SettingsError


def test_the_webhook_reads_a_mebibyte_by_default() -> None:
    assert EngineSettings.from_env({}).webhook_max_bytes == 1024 * 1024


def test_the_webhook_limit_comes_from_its_variable() -> None:
    settings = EngineSettings.from_env({"FTW_WEBHOOK_MAX_BYTES": "4194304"})

    assert settings.webhook_max_bytes == 4 * 1024 * 1024


@pytest.mark.parametrize("value", ["lots", "100", "1500.5"])
def test_a_bad_webhook_limit_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="FTW_WEBHOOK_MAX_BYTES"):
        EngineSettings.from_env({"FTW_WEBHOOK_MAX_BYTES": value})
