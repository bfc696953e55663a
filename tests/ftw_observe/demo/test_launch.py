"""How the demo starts its parts: what the engine's environment holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from ftw_observe.demo.launch import Launch
from ftw_observe.demo.project import find_project
from ftw_observe.demo.settings import DemoSettings
from ftw_observe.demo.supervisor import Supervisor
from ftw_observe.demo.tools import Programs
from ftw_observe.engine.settings import EngineSettings

ROOT = Path(__file__).resolve().parents[3]
PROGRAMS = Programs("m", "e", "l", "ftw-observe", "prometheus", "alertmanager", None)


@dataclass
class RecordingParts:
    """Records what would be started, and starts nothing."""

    started: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    def start(self, name: str, command: Sequence[str], env: Mapping[str, str]) -> None:
        self.started[name] = (list(command), dict(env))


def test_the_engine_gets_the_environment_the_demo_was_started_with(tmp_path: Path) -> None:
    env = {
        "FTW_WATCHDOG_TIMEOUT_SECONDS": "60",
        "FTW_META_ALERT_AFTER_SECONDS": "60",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "multiproc"),
    }
    settings = DemoSettings(home=tmp_path)
    launch = Launch(settings, find_project(ROOT), PROGRAMS, env, fakes=False)
    parts = RecordingParts()

    launch._start_engine(cast(Supervisor, parts), {})

    command, engine_env = parts.started["engine"]
    assert command == ["ftw-observe", "serve", "--port", "8080"]
    assert engine_env["FTW_WATCHDOG_TIMEOUT_SECONDS"] == "60"
    assert engine_env["FTW_META_ALERT_AFTER_SECONDS"] == "60"
    assert "PROMETHEUS_MULTIPROC_DIR" not in engine_env  # the marketplace's, not the engine's


def test_credentials_for_a_production_prometheus_never_reach_the_demos_engine(
    tmp_path: Path,
) -> None:
    env = {
        "PROMETHEUS_BEARER_TOKEN_FILE": "/run/secrets/mimir-token",
        "PROMETHEUS_HEADERS": "X-Scope-OrgID=team-a",
        "PROMETHEUS_CA_FILE": "/etc/ssl/mimir-ca.pem",
    }
    launch = Launch(DemoSettings(home=tmp_path), find_project(ROOT), PROGRAMS, env, fakes=False)
    parts = RecordingParts()

    launch._start_engine(cast(Supervisor, parts), {})

    _, engine_env = parts.started["engine"]
    assert not [name for name in env if name in engine_env]
    assert engine_env["PROMETHEUS_URL"] == launch.prometheus_url


def test_the_engines_links_point_at_the_demos_engine_port(tmp_path: Path) -> None:
    settings = DemoSettings.from_env({"ENGINE_PORT": "18080"}, home=tmp_path)
    launch = Launch(settings, find_project(ROOT), PROGRAMS, {}, fakes=False)
    parts = RecordingParts()

    launch._start_engine(cast(Supervisor, parts), {})

    _, engine_env = parts.started["engine"]
    assert engine_env["FTW_DEPLOY_ENGINE_URL"] == "http://127.0.0.1:18080"
    assert EngineSettings.from_env(engine_env).deploy.engine_url == "http://127.0.0.1:18080"


def test_an_engine_url_of_the_callers_own_is_kept(tmp_path: Path) -> None:
    env = {"FTW_DEPLOY_ENGINE_URL": "https://demo.example.com"}
    launch = Launch(DemoSettings(home=tmp_path), find_project(ROOT), PROGRAMS, env, fakes=False)
    parts = RecordingParts()

    launch._start_engine(cast(Supervisor, parts), {})

    _, engine_env = parts.started["engine"]
    assert engine_env["FTW_DEPLOY_ENGINE_URL"] == "https://demo.example.com"
