"""The demo's knobs, read from the environment; every error names its variable."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path


class DemoError(RuntimeError):
    """The demo cannot start or keep running; the message says why, for a person."""


class SettingsError(DemoError):
    """An environment variable holds a value the demo cannot use."""


@dataclass(frozen=True)
class Ports:
    """Where each part of the demo listens on 127.0.0.1.

    Usage::

        ports = Ports.from_env({"ENGINE_PORT": "18080"})
        ports.engine                  # 18080
        ports.variables()["ENGINE_PORT"]
    """

    marketplace: int = 8000
    exporter: int = 9464
    engine: int = 8080
    prometheus: int = 9090
    alertmanager: int = 9093
    fake_pagerduty: int = 8091
    fake_slack: int = 8092

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Ports:
        """Read every `<PART>_PORT` variable, with the default for those unset or empty."""
        values = {}
        for item in fields(cls):
            default = item.default
            assert isinstance(default, int)
            values[item.name] = _port(env, _variable(item.name), default)
        return cls(**values)

    def variables(self) -> dict[str, int]:
        """Return each port by the variable that sets it, in the order the demo checks them."""
        return {_variable(item.name): getattr(self, item.name) for item in fields(self)}


def _variable(name: str) -> str:
    return f"{name.upper()}_PORT"


# The environment variables that choose the demo's ports.
PORT_VARIABLES = tuple(_variable(item.name) for item in fields(Ports))


@dataclass(frozen=True)
class DemoSettings:
    """How one demo run behaves: its home, ports, traffic, timeouts and history.

    Usage::

        settings = DemoSettings.from_env(os.environ, home=Path(".ftw"))
        settings.ports.marketplace, settings.rate
    """

    home: Path
    ports: Ports = Ports()
    rate: float = 20.0  # load generator requests per second
    duration: float = 86400.0  # seconds the load generator runs
    interval: float = 5.0  # seconds between live figures
    updates: int = 0  # stop after this many live figures; 0: run until stopped
    eval_interval: float = 15.0  # the engine's evaluation cycle
    ready_timeout: float = 90.0
    targets_timeout: float = 60.0
    history_hours: float = 36.0  # 0: no backfilled history

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, home: Path) -> DemoSettings:
        """Read the DEMO_* and port variables (defaults for those unset or empty)."""
        return cls(
            home=home,
            ports=Ports.from_env(env),
            rate=_number(env, "DEMO_RATE", cls.rate, above=0),
            duration=_number(env, "DEMO_DURATION", cls.duration, above=0),
            interval=_number(env, "DEMO_INTERVAL", cls.interval, at_least=0.5),
            updates=int(_number(env, "DEMO_UPDATES", cls.updates, at_least=0, whole=True)),
            eval_interval=_number(env, "DEMO_EVAL_INTERVAL", cls.eval_interval, at_least=1),
            ready_timeout=_number(env, "DEMO_READY_TIMEOUT", cls.ready_timeout, above=0),
            targets_timeout=_number(env, "DEMO_TARGETS_TIMEOUT", cls.targets_timeout, above=0),
            history_hours=_number(env, "DEMO_HISTORY_HOURS", cls.history_hours, at_least=0),
        )


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    above: float | None = None,
    at_least: float | None = None,
    whole: bool = False,
) -> float:
    raw = env.get(name) or ""
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or (whole and not value.is_integer()):
        raise SettingsError(f"{name}={raw!r} must be a {'whole ' if whole else ''}number")
    if above is not None and value <= above:
        raise SettingsError(f"{name}={raw!r} must be more than {above:g}")
    if at_least is not None and value < at_least:
        raise SettingsError(f"{name}={raw!r} must be at least {at_least:g}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or ""
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name}={raw!r} is not a TCP port (1-65535)")
    return int(raw)
