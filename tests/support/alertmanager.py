"""A real Alertmanager for tests, a webhook that records what it posts, and its bodies.

`start_alertmanager` runs `prometheus-alertmanager` on a free port with a config text, its own
data directory and no cluster; `stop()` ends it. `WebhookRecorder` stands in for the engine's
webhook. The `alertmanager_*` functions return the bodies Alertmanager 0.25 posts to Slack
and PagerDuty, for tests of what receives them.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ftw_observe.demo.fakes.http import Answer, FakeServer, RecordedRequest
from tests.support.services import free_port, stop_process

GROUP_HASH = "5" * 64  # Alertmanager's PagerDuty dedup key is a SHA-256 of the group key


@dataclass
class RunningAlertmanager:
    """One `prometheus-alertmanager` process and where it listens.

    Usage::

        alertmanager = start_alertmanager(tmp_path, config_text)
        try:
            alertmanager.post_alerts([alert(labels, annotations)])
        finally:
            alertmanager.stop()
    """

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """POST alerts to `/api/v2/alerts`, as Prometheus does."""
        response = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5)
        assert response.status_code == 200, response.text

    def log_text(self) -> str:
        """Return what Alertmanager logged so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the process (SIGKILL after 20 s) and wait for it."""
        stop_process(self.process)


def start_alertmanager(directory: Path, config: str, *, timeout: float = 30) -> RunningAlertmanager:
    """Start Alertmanager with `config` in `directory`; return once `/-/ready` answers."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    assert binary, "Alertmanager is not installed: `make test` installs prometheus-alertmanager"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "alertmanager.yml"
    path.write_text(config)
    port, log = free_port(), directory / "alertmanager.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={path}",
                f"--storage.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = RunningAlertmanager(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"alertmanager exited:\n{running.log_text()}")
        try:
            if httpx.get(f"{running.url}/-/ready", timeout=1).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    running.stop()
    raise RuntimeError(f"alertmanager did not answer within {timeout:g} s:\n{running.log_text()}")


def alert(
    labels: dict[str, str], annotations: dict[str, str], *, resolved: bool = False
) -> dict[str, Any]:
    """Return one alert as Prometheus posts it: firing, or resolved a minute ago."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "labels": labels,
        "annotations": annotations,
        "startsAt": (now - timedelta(minutes=5)).isoformat(),
        "generatorURL": "http://127.0.0.1:9090/graph",
    }
    if resolved:
        body["endsAt"] = (now - timedelta(minutes=1)).isoformat()
    return body


@dataclass
class WebhookRecorder(FakeServer):
    """A webhook that answers 200 to every post and keeps it, like the engine's would.

    Usage::

        with WebhookRecorder() as webhook:
            ...  # point Alertmanager's webhook_configs at webhook.url
            webhook.bodies()
    """

    def answer(self, method: str, path: str, request: RecordedRequest) -> Answer:
        """Accept every request."""
        return 200, {}, {}

    def bodies(self) -> list[dict[str, Any]]:
        """Return the JSON bodies posted so far, oldest first."""
        return [request.json() for request in self.requests if request.method == "POST"]


def alertmanager_slack_post(status: str = "firing") -> dict[str, Any]:
    """Return the body Alertmanager 0.25's slack_configs posts to chat.postMessage."""
    return {
        "channel": "#incidents",
        "username": "FTW Observe",
        "link_names": False,
        "attachments": [
            {
                "title": f"[{status.upper()}] FTW Observe page: FTWObserveEngineDown",
                "title_link": "http://127.0.0.1:9093/#/alerts",
                "text": "*FTWObserveEngineDown*: No FTW Observe engine replica answers",
                "fallback": "[FIRING:1] ftw-observe page",
                "callback_id": "alertmanager/ftw-observe/page",
                "color": "danger" if status == "firing" else "good",
                "mrkdwn_in": ["fallback", "pretext", "text"],
            }
        ],
    }


def alertmanager_pagerduty_event(action: str) -> dict[str, Any]:
    """Return the Events API v2 body Alertmanager 0.25's pagerduty_configs posts."""
    return {
        "routing_key": "R0UT1NGK3Y",
        "event_action": action,
        "dedup_key": GROUP_HASH,
        "images": [],
        "links": [],
        "client": "FTW Observe self-monitoring (Alertmanager)",
        "client_url": "http://127.0.0.1:9093",
        "payload": {
            "summary": "FTW Observe page: FTWObserveEngineDown: no replica answers",
            "source": "FTW Observe self-monitoring (Alertmanager)",
            "severity": "critical",
            "component": "ftw-observe",
            "custom_details": {"firing": "Labels: ...", "num_firing": "1", "runbook": "x\n"},
        },
    }
