"""Find the running demo stack, or start one with `ftw-observe demo` and stop it afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from ftw_observe.demo.files import write_atomic
from ftw_observe.demo.settings import DemoError
from ftw_observe.demo.tools import console_script

STACK_FILE = "demo.json"


class StackError(RuntimeError):
    """The demo stack cannot be found, started or used."""


@dataclass(frozen=True)
class DemoStack:
    """Where the parts of a running demo listen, as the demo wrote them down in `demo.json`.

    Usage::

        stack = DemoStack.load(Path(".ftw"))
        stack.engine_url          # http://127.0.0.1:8080
        stack.operator_key()      # read from the file only when needed
    """

    home: Path
    pid: int
    marketplace_url: str
    engine_url: str
    prometheus_url: str
    alertmanager_url: str
    operator_key_file: Path
    fake_pagerduty_url: str | None
    fake_slack_url: str | None
    exporter_url: str | None = None
    started_at: float | None = None  # Unix time
    api_token_file: Path | None = None  # the engine's FTW_API_TOKEN, for silence writes
    control_dir: Path | None = None  # where the demo takes requests to stop and start parts

    @staticmethod
    def path(home: Path) -> Path:
        """Return the file that describes the demo running with this home."""
        return home / STACK_FILE

    def save(self) -> None:
        """Write `<home>/demo.json` atomically, so a reader never sees half of it."""
        data = {
            key: str(value) if isinstance(value, Path) else value
            for key, value in asdict(self).items()
            if key != "home"
        }
        write_atomic(self.path(self.home), json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, home: Path) -> DemoStack:
        """Read `<home>/demo.json`, naming the file and field when it is unusable."""
        path = cls.path(home)
        try:
            data: Any = json.loads(path.read_text())
        except FileNotFoundError:
            raise StackError(f"{path}: no demo runs here (start one with `make demo`)") from None
        except ValueError as error:
            raise StackError(f"{path}: not JSON: {error}") from None
        try:
            return cls(
                home=home,
                pid=int(data["pid"]),
                marketplace_url=str(data["marketplace_url"]),
                engine_url=str(data["engine_url"]),
                prometheus_url=str(data["prometheus_url"]),
                alertmanager_url=str(data["alertmanager_url"]),
                operator_key_file=Path(data["operator_key_file"]),
                fake_pagerduty_url=data.get("fake_pagerduty_url") or None,
                fake_slack_url=data.get("fake_slack_url") or None,
                exporter_url=data.get("exporter_url") or None,
                started_at=_optional_float(data.get("started_at")),
                api_token_file=Path(data["api_token_file"]) if data.get("api_token_file") else None,
                control_dir=Path(data["control_dir"]) if data.get("control_dir") else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise StackError(f"{path}: missing or bad field {error}") from None

    def is_alive(self) -> bool:
        """Tell whether the demo process that wrote the file still runs."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def operator_key(self) -> str:
        """Return the marketplace operator key the demo seeded."""
        try:
            return self.operator_key_file.read_text().strip()
        except OSError as error:
            message = f"{self.operator_key_file}: cannot read the operator key: {error}"
            raise StackError(message) from None


def _optional_float(value: object) -> float | None:
    return None if value is None else float(str(value))


def find_stack(home: Path) -> DemoStack | None:
    """Return the demo running with this home, or None when there is none."""
    try:
        stack = DemoStack.load(home)
    except StackError:
        return None
    return stack if stack.is_alive() else None


class StartedStack:
    """A demo this process started; `stop` ends it and everything it started.

    Usage::

        started = StartedStack.start(Path(".ftw"), timeout=240)
        try:
            run_drill(started.stack)
        finally:
            started.stop()
    """

    def __init__(self, process: subprocess.Popen[bytes], stack: DemoStack, log: Path) -> None:
        self.process = process
        self.stack = stack
        self.log = log

    @classmethod
    def start(
        cls,
        home: Path,
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        project: Path | None = None,
        progress: Callable[[str], None] = lambda _: None,
    ) -> StartedStack:
        """Run `ftw-observe demo` in the background and wait until it reports ready."""
        home.mkdir(parents=True, exist_ok=True)
        DemoStack.path(home).unlink(missing_ok=True)
        (home / "logs").mkdir(exist_ok=True)
        log = home / "logs" / "demo.log"
        try:
            script = console_script("ftw-observe")
        except DemoError as error:
            raise StackError(str(error)) from None
        command = [str(script), "demo", "--home", str(home.resolve())]
        if project is not None:
            command += ["--project", str(project)]
        progress(f"starting the demo stack (log: {log})")
        with log.open("wb") as out:
            # A session of its own: a Ctrl-C meant for this process does not reach the demo,
            # which stops when `stop` says so.
            process = subprocess.Popen(  # noqa: S603 - our own console script
                command,
                env={**os.environ, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stack = find_stack(home)
            if stack is not None and stack.pid == process.pid:
                return cls(process, stack, log)
            if process.poll() is not None:
                raise StackError(f"the demo stopped before it was ready:\n{_tail(log)}")
            time.sleep(0.5)
        _stop_session(process, timeout=60)
        raise StackError(f"the demo was not ready within {timeout:g} s:\n{_tail(log)}")

    def stop(self, timeout: float = 60) -> None:
        """Stop the demo with SIGTERM, as Ctrl-C would, and wait for it."""
        _stop_session(self.process, timeout)


def _stop_session(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop the demo with SIGTERM; if it outlives `timeout`, kill all of its session."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Each part of the demo runs in a process group of its own, all in the demo's session.
        for proc in psutil.process_iter():
            try:
                if os.getsid(proc.pid) == process.pid:
                    proc.kill()
            except (OSError, psutil.Error):
                continue
        process.wait(timeout=10)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {log})"
