"""The demo's knobs from the environment: defaults, overrides, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftw_observe.demo.settings import PORT_VARIABLES, DemoSettings, Ports, SettingsError


def test_defaults() -> None:
    settings = DemoSettings.from_env({}, home=Path(".ftw"))
    assert settings == DemoSettings(home=Path(".ftw"))
    assert settings.ports.variables() == {
        "MARKETPLACE_PORT": 8000,
        "EXPORTER_PORT": 9464,
        "ENGINE_PORT": 8080,
        "PROMETHEUS_PORT": 9090,
        "ALERTMANAGER_PORT": 9093,
        "FAKE_PAGERDUTY_PORT": 8091,
        "FAKE_SLACK_PORT": 8092,
    }
    assert tuple(settings.ports.variables()) == PORT_VARIABLES


def test_every_knob_is_read_and_empty_means_unset() -> None:
    env = {
        "ENGINE_PORT": "18080",
        "FAKE_SLACK_PORT": "",
        "DEMO_RATE": "2.5",
        "DEMO_DURATION": "600",
        "DEMO_INTERVAL": "1",
        "DEMO_UPDATES": "3",
        "DEMO_EVAL_INTERVAL": "5",
        "DEMO_READY_TIMEOUT": "30",
        "DEMO_TARGETS_TIMEOUT": "20",
        "DEMO_HISTORY_HOURS": "0",
    }
    settings = DemoSettings.from_env(env, home=Path("h"))
    assert settings.ports == Ports(engine=18080)
    assert (settings.rate, settings.duration, settings.interval, settings.updates) == (
        2.5,
        600,
        1,
        3,
    )
    assert (settings.eval_interval, settings.ready_timeout, settings.targets_timeout) == (5, 30, 20)
    assert settings.history_hours == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ENGINE_PORT", "http", "ENGINE_PORT='http' is not a TCP port"),
        ("FAKE_SLACK_PORT", "70000", "FAKE_SLACK_PORT='70000' is not a TCP port"),
        ("DEMO_RATE", "fast", "DEMO_RATE='fast' is not a number"),
        ("DEMO_RATE", "0", "DEMO_RATE='0' must be more than 0"),
        ("DEMO_UPDATES", "1.5", "DEMO_UPDATES='1.5' must be a whole number"),
        ("DEMO_HISTORY_HOURS", "-1", "DEMO_HISTORY_HOURS='-1' must be at least 0"),
        ("DEMO_INTERVAL", "nan", "DEMO_INTERVAL='nan' must be a number"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        DemoSettings.from_env({name: value}, home=Path("h"))
    assert str(raised.value).startswith(message)
