"""`make demo` from the scripts it calls: the whole stack starts, is scraped, and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil

from ftw_observe.demo.settings import PORT_VARIABLES
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scripts" / "demo.sh"


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


def leftovers(ports: dict[str, int], home: Path) -> list[list[str]]:
    """Command lines of processes that mention one of the demo's ports or its home."""
    needles = [str(port) for port in ports.values()] + [str(home)]
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(needle in part for needle in needles for part in cmdline):
            found.append(cmdline)
    return found


def test_demo_starts_the_whole_stack_and_leaves_no_process(tmp_path: Path) -> None:
    home, ports = tmp_path / "home", free_ports()
    result = subprocess.run(
        ["bash", str(DEMO)],
        # The backfilled history has its own check: the end-to-end drill needs it.
        env=demo_env(home, ports, DEMO_UPDATES="1", DEMO_HISTORY_HOURS="0"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    engine, marketplace = ports["ENGINE_PORT"], ports["MARKETPLACE_PORT"]
    for url in (
        f"http://127.0.0.1:{engine}/",
        f"http://127.0.0.1:{engine}/docs",
        f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}/",
        f"http://127.0.0.1:{ports['ALERTMANAGER_PORT']}/",
        f"http://127.0.0.1:{marketplace}/docs",
        f"http://127.0.0.1:{ports['EXPORTER_PORT']}/metrics",
    ):
        assert url in result.stdout, output
    assert "all 4 scrape targets up" in result.stdout, output
    assert f"fake PagerDuty    http://127.0.0.1:{ports['FAKE_PAGERDUTY_PORT']}" in result.stdout
    assert f"fake Slack        http://127.0.0.1:{ports['FAKE_SLACK_PORT']}" in result.stdout
    assert not (home / "demo.json").exists()  # it describes a running stack only
    assert "--error-ratio 1" in result.stdout
    assert "req/s" in result.stdout
    assert "/api/jobs" in result.stdout
    assert (home / "operator.key").stat().st_mode & 0o077 == 0
    assert (home / "webhook-token").stat().st_mode & 0o777 == 0o600
    rendered = (home / "alertmanager.yml").read_text()
    assert str(home / "webhook-token") in rendered
    assert f"http://127.0.0.1:{engine}/api/webhooks/alertmanager" in rendered
    assert "job_name: ftw-exporter" in (home / "prometheus.yml").read_text()
    names = ("marketplace", "exporter", "loadgen", "engine", "prometheus", "alertmanager")
    for name in (*names, "receivers"):
        assert (home / "logs" / f"{name}.log").stat().st_size > 0, name
    assert leftovers(ports, home) == []


def test_sigterm_stops_the_whole_stack(tmp_path: Path) -> None:
    home, ports = tmp_path / "home", free_ports()
    log = tmp_path / "demo.out"
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["bash", str(DEMO)],
            env=demo_env(home, ports, DEMO_HISTORY_HOURS="0"),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 150
        while "Ctrl-C stops everything" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "demo: stopping" in log.read_text()
    assert leftovers(ports, home) == []


def test_a_busy_port_names_the_variable_to_change(tmp_path: Path) -> None:
    ports = free_ports()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports["ALERTMANAGER_PORT"]))
        busy.listen()
        result = subprocess.run(
            ["bash", str(DEMO)],
            env=demo_env(tmp_path / "home", ports),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 1
    assert f"port {ports['ALERTMANAGER_PORT']} is already in use" in result.stderr
    assert "set ALERTMANAGER_PORT to a free port" in result.stderr
