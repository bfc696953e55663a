"""Run the demo's parts as child processes: one log each, readiness with deadlines, clean stops.

Each part runs in a process group of its own, so a Ctrl-C at the terminal reaches only the
supervisor, which then stops every part in order: SIGTERM, and SIGKILL for the whole group of a
part still running after the grace period. While it waits, the supervisor also answers control
requests (`control.py`): a drill may stop a part and start it again with the same command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

from ftw_observe.demo.control import prepare, serve_pending
from ftw_observe.demo.settings import DemoError

TAIL_LINES = 30
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopping(BaseException):
    """A signal (Ctrl-C, SIGTERM, SIGHUP) asked the demo to stop.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` swallows it.
    """


@dataclass
class Part:
    """One running part of the demo and where its output goes.

    Usage::

        part = parts.start("engine", ["ftw-observe", "serve"], os.environ)
        part.running(), part.tail()
    """

    name: str
    process: subprocess.Popen[bytes]
    log: Path | None  # None: it writes to the demo's own stdout and stderr
    sink: IO[bytes] | None = field(default=None, repr=False)  # the open log, closed on stop
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # kept for a restart
    held: bool = False  # stopped on request: to be started again, not a crash

    def running(self) -> bool:
        """Tell whether the process has not exited yet."""
        return self.process.poll() is None

    def tail(self, lines: int = TAIL_LINES) -> str:
        """Return the last lines of the part's log."""
        return tail(self.log, lines) if self.log is not None else "(its output is above)"


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """Return the last `lines` lines of a log file, or say that there is none."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def port_in_use(port: int) -> bool:
    """Tell whether something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def check_ports_free(ports: Mapping[str, int]) -> None:
    """Fail, naming the variable to change, at the first port something listens on."""
    for variable, port in ports.items():
        if port_in_use(port):
            raise DemoError(f"port {port} is already in use; set {variable} to a free port")


class Supervisor:
    """Start parts, wait until each is ready, and stop them all when the block ends.

    Inside the block, SIGINT, SIGTERM and SIGHUP raise `Stopping`; however the block ends,
    every part is stopped. With a `control` directory, `wait` also answers the requests found
    there to stop or start one of the `controllable` parts.

    Usage::

        with Supervisor(home / "logs") as parts:
            parts.start("marketplace", ["ftw-marketplace", "serve"], os.environ)
            parts.wait_until("marketplace", lambda: ready(url), timeout=90)
            parts.wait("marketplace")
    """

    def __init__(
        self,
        logs: Path,
        *,
        grace: float = 20.0,
        poll: float = 0.5,
        control: Path | None = None,
        controllable: Collection[str] = (),
    ) -> None:
        self.logs = logs
        self.grace = grace
        self.poll = poll
        self.control = control
        self.controllable = tuple(controllable)
        self._parts: dict[str, Part] = {}
        self._previous: dict[int, Any] = {}
        self._deferring = False
        self._pending: int | None = None
        self._stopping = False
        self._hurry = False

    def __enter__(self) -> Supervisor:
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.control is not None:
            prepare(self.control)
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if isinstance(exc, Stopping):
                print("\ndemo: stopping", flush=True)
            self.stop()
        finally:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping:
            self._hurry = True  # asked again while stopping: kill what still runs
        elif self._deferring:
            self._pending = signum
        else:
            raise Stopping(signum)

    @contextlib.contextmanager
    def _signals_deferred(self) -> Iterator[None]:
        """Hold a stop signal until the block ends, so no started process goes untracked."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
            if self._pending is not None and not self._stopping:
                signum, self._pending = self._pending, None
                raise Stopping(signum)

    def start(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str],
        *,
        log: bool = True,
    ) -> Part:
        """Start `command` as the part `name`, logging to `<logs>/<name>.log` if `log`."""
        if name in self._parts:
            raise ValueError(f"a part named {name} was already started")
        path = self.logs / f"{name}.log" if log else None
        return self._spawn(name, tuple(command), env, path)

    def _spawn(
        self,
        name: str,
        command: tuple[str, ...],
        env: Mapping[str, str],
        log: Path | None,
        *,
        append: bool = False,
    ) -> Part:
        with self._signals_deferred():
            sink = log.open("ab" if append else "wb") if log is not None else None
            try:
                process = subprocess.Popen(  # noqa: S603 - the demo's own parts, no shell
                    list(command),
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=subprocess.STDOUT if sink is not None else None,
                    process_group=0,
                )
            except BaseException:
                if sink is not None:
                    sink.close()
                raise
            part = Part(name, process, log, sink, command, env)
            self._parts[name] = part
        return part

    def part(self, name: str) -> Part:
        """Return the part started as `name`."""
        return self._parts[name]

    def wait_until(self, name: str, condition: Callable[[], object], timeout: float) -> None:
        """Poll `condition` until it holds; fail with the part's log if it exits or time runs out.

        An exception from `condition` counts as "not yet".
        """
        part = self._parts[name]
        deadline = time.monotonic() + timeout
        while not _holds(condition):
            status = part.process.poll()
            if status is not None:
                raise DemoError(
                    f"{name} stopped (exit status {status}) before it was ready; its log:\n"
                    + part.tail()
                )
            if time.monotonic() >= deadline:
                raise DemoError(
                    f"{name} did not become ready within {timeout:g} s; its log:\n" + part.tail()
                )
            time.sleep(self.poll)

    def wait(self, name: str) -> int:
        """Wait until the part exits and return its exit status; answer control requests."""
        while True:
            try:
                return self._parts[name].process.wait(timeout=self.poll)
            except subprocess.TimeoutExpired:
                if self.control is not None:
                    serve_pending(self.control, self, self.controllable)

    def stop_part(self, name: str, *, kill: bool) -> int:
        """Stop a part (`kill`: SIGKILL its group now), hold it stopped, return its status."""
        part = self._parts[name]
        if part.running():
            with contextlib.suppress(ProcessLookupError):
                if kill:
                    os.killpg(part.process.pid, signal.SIGKILL)
                else:
                    part.process.send_signal(signal.SIGTERM)
            try:
                part.process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(part.process.pid, signal.SIGKILL)
        status = part.process.wait()
        part.held = True
        if part.sink is not None:
            part.sink.close()
        return status

    def restart_part(self, name: str) -> int:
        """Start a part that is not running again, with its original command; return its pid."""
        part = self._parts[name]
        if part.running():
            raise ValueError(f"{name} is running; stop it first")
        if part.sink is not None:
            part.sink.close()
        return self._spawn(name, part.command, part.env, part.log, append=True).process.pid

    def stop(self) -> None:
        """Stop every part: SIGTERM to all, then SIGKILL to the group of any still running."""
        self._stopping = True
        parts = list(self._parts.values())
        for part in parts:
            if part.running():
                with contextlib.suppress(ProcessLookupError):
                    part.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for part in parts:
            while part.running() and time.monotonic() < deadline and not self._hurry:
                time.sleep(0.1)
            if part.running():
                print(f"demo: {part.name} did not stop; killing it", file=sys.stderr, flush=True)
                # The group id is still this part's: it is not reaped yet.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(part.process.pid, signal.SIGKILL)
        for part in parts:
            part.process.wait()
            if part.sink is not None:
                part.sink.close()


def _holds(condition: Callable[[], object]) -> bool:
    try:
        return bool(condition())
    except Exception:
        return False
