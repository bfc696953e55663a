"""Run the fake PagerDuty and Slack receivers for the demo until stopped or signalled."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.demo.files import write_private

OnReady = Callable[[FakePagerDuty, FakeSlack], None]


def serve_fakes(
    pagerduty_port: int,
    slack_port: int,
    *,
    stop: threading.Event,
    on_ready: OnReady | None = None,
) -> None:
    """Serve both fakes on 127.0.0.1 (port 0: any free one) until `stop` is set, then stop them."""
    with FakePagerDuty(port=pagerduty_port) as pagerduty, FakeSlack(port=slack_port) as slack:
        if on_ready is not None:
            on_ready(pagerduty, slack)
        stop.wait()


def run_until_signalled(pagerduty_port: int, slack_port: int, ready_file: Path | None) -> None:
    """Serve both fakes until SIGTERM or SIGINT; once they listen, write `ready_file` and say so."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def on_ready(pagerduty: FakePagerDuty, slack: FakeSlack) -> None:
        if ready_file is not None:
            details = {
                "pagerduty_url": pagerduty.url,
                "slack_api_url": slack.api_url,
                "slack_token": slack.token,
            }
            write_private(ready_file, json.dumps(details, indent=2) + "\n")
        print(
            f"fake receivers: PagerDuty Events API at {pagerduty.url}, "
            f"Slack Web API at {slack.api_url}",
            flush=True,
        )

    def serve() -> None:
        try:
            serve_fakes(pagerduty_port, slack_port, stop=stop, on_ready=on_ready)
        except BaseException as exc:
            errors.append(exc)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # The main thread only joins the server thread, so it never holds the event's lock when a
    # signal handler runs and sets it (threading primitives are not reentrant).
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server = threading.Thread(target=serve, name="fake-receivers")
        server.start()
        server.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if errors:
        raise errors[0]
