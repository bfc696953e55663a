"""Running `ftw-observe demo` in tests: its environment, free ports, and what it left behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psutil

from ftw_observe.demo.settings import PORT_VARIABLES
from tests.support.services import free_port


def demo_env(home: Path, ports: dict[str, int], **extra: str) -> dict[str, str]:
    """The environment of one demo run: its own home, free ports, SQLite and no Redis."""
    env = {
        **os.environ,
        "FTW_HOME": str(home),
        **{name: str(port) for name, port in ports.items()},
        "DEMO_INTERVAL": "4",
        "DEMO_RATE": "10",
        **extra,
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "PROMETHEUS_MULTIPROC_DIR",
        "FTW_OBSERVE_DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "PAGERDUTY_ROUTING_KEY",
    ):
        env.pop(name, None)
    return env


def free_ports() -> dict[str, int]:
    """A distinct free port for every component."""
    ports: dict[str, int] = {}
    while len(ports) < len(PORT_VARIABLES):
        port = free_port()
        if port not in ports.values():
            ports[PORT_VARIABLES[len(ports)]] = port
    return ports


def command_lines() -> list[list[str]]:
    """The command lines of every process on the machine."""
    return [proc.info["cmdline"] or [] for proc in psutil.process_iter(["cmdline"])]


def leftovers(ports: dict[str, int], home: Path) -> list[list[str]]:
    """Command lines of processes that mention one of the demo's ports or its home."""
    needles = [str(port) for port in ports.values()] + [str(home)]
    return [c for c in command_lines() if any(n in part for n in needles for part in c)]


def run_demo(
    command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `ftw-observe demo` until it ends by itself; return its status and what it printed."""
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
