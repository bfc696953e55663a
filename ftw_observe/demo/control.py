"""Stop or start one part of a running demo from another process, through request files.

The demo's supervisor owns its parts, and a drill that wants to stop one may be another
process. A drill writes `<home>/control/<id>.request.json`; the supervisor polls the
directory while the demo runs, acts, writes `<id>.answer.json` and removes the request. A part
stopped this way is held stopped (not a crash of the stack) until a start request runs its
original command again. Only the parts named in BREAKABLE may be stopped.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from ftw_observe.demo.files import write_atomic

CONTROL_DIR = "control"
REQUEST_SUFFIX = ".request.json"
ANSWER_SUFFIX = ".answer.json"
ACTIONS = ("stop", "start")
# The parts a drill may stop: the links of the alerting chain.
BREAKABLE = ("engine", "alertmanager", "prometheus")
_ID = re.compile(r"[0-9a-f]{1,64}")


class ControlError(RuntimeError):
    """A control request was refused, or the demo did not answer it in time."""


@dataclass(frozen=True)
class ControlRequest:
    """Stop (`kill`: SIGKILL to every process of the part, else SIGTERM) or start a part.

    Usage::

        ControlRequest("stop", "engine", kill=True)
    """

    action: str
    part: str
    kill: bool = False


@dataclass(frozen=True)
class ControlAnswer:
    """What the supervisor did: `ok`, a sentence for people, and the part's process id."""

    ok: bool
    detail: str
    pid: int | None = None
    at: float = 0.0  # Unix time the supervisor finished acting


class Controllable(Protocol):
    """What the supervisor offers the control channel."""

    def stop_part(self, name: str, *, kill: bool) -> int:
        """Stop the part and hold it stopped; return its exit status."""
        ...

    def restart_part(self, name: str) -> int:
        """Start the stopped part again with its original command; return its process id."""
        ...


def control_dir(home: Path) -> Path:
    """Return the directory of a demo's control requests."""
    return home / CONTROL_DIR


def prepare(directory: Path) -> None:
    """Create the directory (owner only) and remove requests and answers of an earlier run."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # only the demo's owner may ask it to stop a part
    for stale in (*directory.glob(f"*{REQUEST_SUFFIX}"), *directory.glob(f"*{ANSWER_SUFFIX}")):
        stale.unlink(missing_ok=True)


def parse_request(text: str, source: str) -> ControlRequest:
    """Return the request in `text`; raise ControlError naming `source` and the bad field."""
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        raise ControlError(f"{source}: not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ControlError(f"{source}: expected a JSON object")
    action, part, kill = data.get("action"), data.get("part"), data.get("kill", False)
    if action not in ACTIONS:
        raise ControlError(f"{source}: field 'action' must be one of {', '.join(ACTIONS)}")
    if not isinstance(part, str) or not part:
        raise ControlError(f"{source}: field 'part' must name a part")
    if not isinstance(kill, bool):
        raise ControlError(f"{source}: field 'kill' must be true or false")
    return ControlRequest(action, part, kill)


def act(request: ControlRequest, parts: Controllable, allowed: Collection[str]) -> ControlAnswer:
    """Carry out one request on the supervisor's parts; refusals are answers, not errors."""
    if request.part not in allowed:
        names = ", ".join(allowed) or "none"
        return ControlAnswer(False, f"{request.part} cannot be controlled (only {names})")
    try:
        if request.action == "stop":
            status = parts.stop_part(request.part, kill=request.kill)
            how = "killed" if request.kill else "stopped"
            return ControlAnswer(True, f"{request.part} {how} (exit status {status})", at=_now())
        pid = parts.restart_part(request.part)
        return ControlAnswer(True, f"{request.part} started again", pid=pid, at=_now())
    except (KeyError, ValueError, OSError) as error:
        return ControlAnswer(False, f"{request.action} {request.part} failed: {error}")


def serve_pending(directory: Path, parts: Controllable, allowed: Collection[str]) -> int:
    """Answer every request waiting in `directory`, oldest first; return how many."""
    requests = sorted(directory.glob(f"*{REQUEST_SUFFIX}"), key=_modified)
    for path in requests:
        ident = path.name.removesuffix(REQUEST_SUFFIX)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue  # withdrawn by the asker
        if _ID.fullmatch(ident) is None:
            path.unlink(missing_ok=True)
            continue
        try:
            answer = act(parse_request(text, path.name), parts, allowed)
        except ControlError as error:
            answer = ControlAnswer(False, str(error))
        write_atomic(directory / f"{ident}{ANSWER_SUFFIX}", json.dumps(asdict(answer)) + "\n")
        path.unlink(missing_ok=True)
    return len(requests)


class ControlChannel:
    """Ask a running demo to stop or start one of its parts, and wait for the answer.

    Usage::

        channel = ControlChannel(control_dir(Path(".ftw")))
        channel.ask(ControlRequest("stop", "prometheus"))
        channel.ask(ControlRequest("start", "prometheus"))
    """

    def __init__(self, directory: Path, *, timeout: float = 60.0, poll: float = 0.2) -> None:
        self.directory = directory
        self.timeout = timeout
        self.poll = poll

    def ask(self, request: ControlRequest) -> ControlAnswer:
        """Send the request; return the answer, or raise ControlError if refused or unanswered."""
        if not self.directory.is_dir():
            raise ControlError(f"{self.directory}: the demo takes no control requests here")
        ident = uuid.uuid4().hex
        asked = self.directory / f"{ident}{REQUEST_SUFFIX}"
        answered = self.directory / f"{ident}{ANSWER_SUFFIX}"
        write_atomic(asked, json.dumps(asdict(request)) + "\n", mode=0o600)
        deadline = time.monotonic() + self.timeout
        while not answered.exists():
            if time.monotonic() >= deadline:
                asked.unlink(missing_ok=True)
                raise ControlError(
                    f"the demo did not answer the request to {request.action} {request.part} "
                    f"within {self.timeout:g} s (requests: {self.directory})"
                )
            time.sleep(self.poll)
        data = json.loads(answered.read_text(encoding="utf-8"))
        answered.unlink(missing_ok=True)
        answer = ControlAnswer(**data)
        if not answer.ok:
            refused = f"the demo refused to {request.action} {request.part}"
            raise ControlError(f"{refused}: {answer.detail}")
        return answer


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _now() -> float:
    return time.time()
