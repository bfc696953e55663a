"""`make demo` (`ftw-observe demo`): the whole stack starts, is scraped, and stops cleanly."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftw_observe.demo.stack import DemoStack
from tests.support.demo import command_lines, demo_env, free_ports, leftovers, run_demo

ROOT = Path(__file__).resolve().parents[3]
# As `make demo` runs it: the console script of this installation, in the checkout.
DEMO = [str(Path(sys.executable).parent / "ftw-observe"), "demo"]

pytestmark = pytest.mark.integration


def test_demo_starts_the_whole_stack_and_leaves_no_process(tmp_path: Path) -> None:
    home, ports = tmp_path / "home", free_ports()
    # The backfilled history has its own check: the end-to-end drill needs it.
    env = demo_env(home, ports, DEMO_UPDATES="1", DEMO_HISTORY_HOURS="0")
    result = run_demo(DEMO, cwd=ROOT, env=env)
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
    assert "all 5 scrape targets up" in result.stdout, output
    assert f"fake PagerDuty    http://127.0.0.1:{ports['FAKE_PAGERDUTY_PORT']}" in result.stdout
    assert f"fake Slack        http://127.0.0.1:{ports['FAKE_SLACK_PORT']}" in result.stdout
    assert not (home / "demo.json").exists()  # it describes a running stack only
    assert "--error-ratio 1" in result.stdout
    assert "req/s" in result.stdout
    assert "/api/jobs" in result.stdout
    assert (home / "operator.key").stat().st_mode & 0o077 == 0
    assert (home / "webhook-token").stat().st_mode & 0o777 == 0o600
    assert (home / "api-token").stat().st_mode & 0o777 == 0o600
    for secret in ("pagerduty-routing-key", "slack-bot-token"):
        assert (home / secret).stat().st_mode & 0o777 == 0o600
    assert f"export FTW_API_TOKEN=$(cat {home / 'api-token'})" in result.stdout
    rendered = (home / "alertmanager.yml").read_text()
    assert str(home / "webhook-token") in rendered
    assert f"http://127.0.0.1:{engine}/api/webhooks/alertmanager" in rendered
    # FTW Observe's own alerts go straight to the fakes, with the key and token in files.
    assert f"routing_key_file: {home / 'pagerduty-routing-key'}" in rendered
    assert f"http://127.0.0.1:{ports['FAKE_PAGERDUTY_PORT']}/v2/enqueue" in rendered
    assert f"http://127.0.0.1:{ports['FAKE_SLACK_PORT']}/api/chat.postMessage" in rendered
    assert str(home / "slack-bot-token") in rendered
    prometheus = (home / "prometheus.yml").read_text()
    assert "job_name: ftw-exporter" in prometheus
    assert "job_name: alertmanager" in prometheus
    assert f"- {ROOT / 'alerts' / 'ftw-observe.rules.yml'}" in prometheus
    assert f"- {ROOT / 'alerts' / 'marketplace.rules.yml'}" in prometheus  # the checkout's
    for secret in (
        "operator.key",
        "webhook-token",
        "api-token",
        *("slack-bot-token", "pagerduty-routing-key"),
    ):
        assert (home / secret).read_text().strip() not in output
        assert (home / secret).read_text().strip() not in rendered
    names = ("marketplace", "exporter", "loadgen", "engine", "prometheus", "alertmanager")
    for name in (*names, "receivers"):
        assert (home / "logs" / f"{name}.log").stat().st_size > 0, name
    assert leftovers(ports, home) == []


def test_sigterm_stops_the_whole_stack(tmp_path: Path) -> None:
    home, ports = tmp_path / "home", free_ports()
    log = tmp_path / "demo.out"
    with log.open("w") as sink:
        process = subprocess.Popen(
            DEMO,
            cwd=ROOT,
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
        stack = DemoStack.load(home)  # what `ftw-observe demo --drill` reads
        assert stack.pid == process.pid
        assert stack.exporter_url == f"http://127.0.0.1:{ports['EXPORTER_PORT']}"
        secrets = [
            stack.operator_key(),
            (home / "webhook-token").read_text().strip(),
            (home / "api-token").read_text().strip(),
            json.loads((home / "receivers.json").read_text())["slack_token"],
        ]
        assert not [c for c in command_lines() if any(s in part for s in secrets for part in c)]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "demo: stopping" in log.read_text()
    assert not DemoStack.path(home).exists()
    assert leftovers(ports, home) == []


def test_a_busy_port_names_the_variable_to_change(tmp_path: Path) -> None:
    ports = free_ports()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports["ALERTMANAGER_PORT"]))
        busy.listen()
        result = run_demo(DEMO, cwd=ROOT, env=demo_env(tmp_path / "home", ports), timeout=30)
    assert result.returncode == 1
    assert f"port {ports['ALERTMANAGER_PORT']} is already in use" in result.stderr
    assert "set ALERTMANAGER_PORT to a free port" in result.stderr
