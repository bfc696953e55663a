"""The control channel: request files a drill writes, answers the demo's supervisor writes."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ftw_observe.demo.control import (
    ANSWER_SUFFIX,
    REQUEST_SUFFIX,
    ControlChannel,
    ControlError,
    ControlRequest,
    act,
    parse_request,
    prepare,
    serve_pending,
)


@dataclass
class FakeParts:
    """Records what the channel asked of the supervisor."""

    calls: list[tuple[str, str, bool]] = field(default_factory=list)
    fail_with: Exception | None = None

    def stop_part(self, name: str, *, kill: bool) -> int:
        self.calls.append(("stop", name, kill))
        if self.fail_with is not None:
            raise self.fail_with
        return -9 if kill else 0

    def restart_part(self, name: str) -> int:
        self.calls.append(("start", name, False))
        return 4242


def test_a_request_parses_with_its_fields() -> None:
    text = json.dumps({"action": "stop", "part": "engine", "kill": True})
    assert parse_request(text, "a.request.json") == ControlRequest("stop", "engine", kill=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "r.json: not JSON"),
        ("[]", "r.json: expected a JSON object"),
        ('{"action": "restart", "part": "engine"}', "field 'action' must be one of stop, start"),
        ('{"action": "stop", "part": ""}', "field 'part' must name a part"),
        ('{"action": "stop", "part": "engine", "kill": "yes"}', "field 'kill' must be true"),
    ],
)
def test_a_bad_request_names_the_file_and_field(text: str, message: str) -> None:
    with pytest.raises(ControlError, match=message):
        parse_request(text, "r.json")


def test_stop_kills_when_asked() -> None:
    parts = FakeParts()
    answer = act(ControlRequest("stop", "engine", kill=True), parts, ["engine"])
    assert (answer.ok, answer.detail) == (True, "engine killed (exit status -9)")
    assert parts.calls == [("stop", "engine", True)]


def test_start_answers_the_new_process_id() -> None:
    answer = act(ControlRequest("start", "engine"), FakeParts(), ["engine"])
    assert (answer.ok, answer.pid) == (True, 4242)


def test_a_part_outside_the_allowed_ones_is_refused_untouched() -> None:
    parts = FakeParts()
    answer = act(ControlRequest("stop", "watch"), parts, ["engine", "prometheus"])
    assert (answer.ok, answer.detail) == (
        False,
        "watch cannot be controlled (only engine, prometheus)",
    )
    assert parts.calls == []


def test_a_failure_to_act_is_an_answer() -> None:
    answer = act(
        ControlRequest("stop", "engine"), FakeParts(fail_with=ValueError("gone")), ["engine"]
    )
    assert (answer.ok, answer.detail) == (False, "stop engine failed: gone")


def test_pending_requests_are_answered_and_removed(tmp_path: Path) -> None:
    prepare(tmp_path)
    (tmp_path / f"ab12{REQUEST_SUFFIX}").write_text('{"action": "stop", "part": "engine"}')
    (tmp_path / f"cd34{REQUEST_SUFFIX}").write_text('{"action": "halt"}')
    parts = FakeParts()

    assert serve_pending(tmp_path, parts, ["engine"]) == 2

    assert parts.calls == [("stop", "engine", False)]
    assert json.loads((tmp_path / f"ab12{ANSWER_SUFFIX}").read_text())["ok"] is True
    refused = json.loads((tmp_path / f"cd34{ANSWER_SUFFIX}").read_text())
    assert refused["ok"] is False
    assert refused["detail"].startswith(f"cd34{REQUEST_SUFFIX}: field 'action'")
    assert not list(tmp_path.glob(f"*{REQUEST_SUFFIX}"))


def test_prepare_removes_what_an_earlier_run_left(tmp_path: Path) -> None:
    directory = tmp_path / "control"
    directory.mkdir()
    (directory / f"ab12{REQUEST_SUFFIX}").write_text("{}")
    (directory / f"cd34{ANSWER_SUFFIX}").write_text("{}")
    prepare(directory)
    assert list(directory.iterdir()) == []
    assert directory.stat().st_mode & 0o777 == 0o700


def _serve_once(directory: Path, parts: FakeParts, stop: threading.Event) -> None:
    while not stop.is_set():
        if serve_pending(directory, parts, ["engine"]):
            return
        stop.wait(0.01)


def test_the_channel_returns_the_supervisor_answer(tmp_path: Path) -> None:
    prepare(tmp_path)
    parts, stop = FakeParts(), threading.Event()
    server = threading.Thread(target=_serve_once, args=(tmp_path, parts, stop))
    server.start()
    try:
        answer = ControlChannel(tmp_path, timeout=30, poll=0.01).ask(
            ControlRequest("start", "engine")
        )
    finally:
        stop.set()
        server.join()
    assert answer.pid == 4242
    assert list(tmp_path.iterdir()) == []


def test_a_refusal_raises_with_the_reason(tmp_path: Path) -> None:
    prepare(tmp_path)
    parts, stop = FakeParts(), threading.Event()
    server = threading.Thread(target=_serve_once, args=(tmp_path, parts, stop))
    server.start()
    try:
        with pytest.raises(ControlError, match="refused to stop watch: watch cannot be controlled"):
            ControlChannel(tmp_path, timeout=30, poll=0.01).ask(ControlRequest("stop", "watch"))
    finally:
        stop.set()
        server.join()


def test_an_unanswered_request_is_withdrawn_and_named(tmp_path: Path) -> None:
    prepare(tmp_path)
    channel = ControlChannel(tmp_path, timeout=0.05, poll=0.01)
    with pytest.raises(
        ControlError, match=r"did not answer the request to stop engine within 0\.05 s"
    ):
        channel.ask(ControlRequest("stop", "engine", kill=True))
    assert list(tmp_path.iterdir()) == []


def test_a_demo_without_a_control_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="takes no control requests"):
        ControlChannel(tmp_path / "control").ask(ControlRequest("stop", "engine"))
