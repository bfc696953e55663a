"""Serving the fake receivers for the demo: in a thread, and as a process stopped by a signal."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.serve import serve_fakes
from ftw_observe.demo.fakes.slack import FakeSlack
from tests.conftest import free_port, wait_until

REPO = Path(__file__).resolve().parents[3]
SCRIPT = (
    "import sys; from pathlib import Path; "
    "from ftw_observe.demo.fakes.serve import run_until_signalled; "
    "run_until_signalled(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))"
)
EVENT = {
    "routing_key": "R0UT1NGK3Y",
    "event_action": "trigger",
    "dedup_key": "drill",
    "payload": {"summary": "drill", "source": "demo", "severity": "critical"},
}


def refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.ConnectError:
        return True
    return False


def test_serve_fakes_listens_until_stopped() -> None:
    stop = threading.Event()
    ready: list[tuple[FakePagerDuty, FakeSlack]] = []
    pagerduty_port = free_port()
    thread = threading.Thread(
        target=serve_fakes,
        args=(pagerduty_port, 0),
        kwargs={"stop": stop, "on_ready": lambda p, s: ready.append((p, s))},
    )
    thread.start()
    try:
        wait_until(lambda: ready)
        [(pagerduty, slack)] = ready
        assert pagerduty.url == f"http://127.0.0.1:{pagerduty_port}"
        assert slack.port != 0
        answer = httpx.post(f"{pagerduty.url}/v2/enqueue", json=EVENT, timeout=5)
        assert answer.status_code == 202
        auth = {"authorization": f"Bearer {slack.token}"}
        assert httpx.post(f"{slack.api_url}auth.test", headers=auth, timeout=5).json()["ok"]
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert refused(f"{pagerduty.url}/_fake/received")
    assert refused(f"{slack.url}/_fake/received")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=15)


@pytest.mark.integration
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_until_signalled_writes_the_ready_file_and_exits_cleanly(
    tmp_path: Path, processes: list[subprocess.Popen[str]], signum: signal.Signals
) -> None:
    ready_file = tmp_path / "fakes.json"
    pagerduty_port, slack_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(pagerduty_port), str(slack_port), str(ready_file)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    processes.append(process)

    wait_until(lambda: ready_file.exists() or process.poll() is not None)
    assert process.poll() is None, process.communicate()
    details = json.loads(ready_file.read_text())
    assert details == {
        "pagerduty_url": f"http://127.0.0.1:{pagerduty_port}",
        "slack_api_url": f"http://127.0.0.1:{slack_port}/api/",
        "slack_token": "xoxb-0000-fake-slack-token",
    }
    assert stat.S_IMODE(ready_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["fakes.json"]  # no temporary file left

    enqueue = httpx.post(f"{details['pagerduty_url']}/v2/enqueue", json=EVENT, timeout=5)
    assert enqueue.status_code == 202
    shown = httpx.get(f"{details['pagerduty_url']}/_fake/received", timeout=5).json()
    assert [e["event"]["dedup_key"] for e in shown["events"]] == ["drill"]
    slack = httpx.get(f"{details['slack_api_url'].removesuffix('/api/')}/_fake/received", timeout=5)
    assert set(slack.json()["messages"]) == {"incidents", "slo-alerts"}

    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert stdout.splitlines() == [
        f"fake receivers: PagerDuty Events API at http://127.0.0.1:{pagerduty_port}, "
        f"Slack Web API at http://127.0.0.1:{slack_port}/api/"
    ]
    assert refused(f"{details['pagerduty_url']}/_fake/received")


@pytest.mark.integration
def test_run_until_signalled_fails_when_a_port_is_taken(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    ready_file = tmp_path / "fakes.json"
    with FakePagerDuty() as taken:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(taken.port), "0", str(ready_file)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        stdout, stderr = process.communicate(timeout=30)

    assert process.returncode != 0
    assert "Address already in use" in stderr
    assert stdout == ""
    assert not ready_file.exists()
