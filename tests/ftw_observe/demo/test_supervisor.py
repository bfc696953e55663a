"""The demo's process supervisor: logs, readiness with deadlines, and stops that leave nothing."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from pathlib import Path

import psutil
import pytest

from ftw_observe.demo.control import ControlAnswer, ControlChannel, ControlError, ControlRequest
from ftw_observe.demo.settings import DemoError
from ftw_observe.demo.supervisor import (
    Part,
    Stopping,
    Supervisor,
    check_ports_free,
    port_in_use,
)
from tests.conftest import wait_until
from tests.support.services import free_port


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


SLEEPER = python("import time; print('sleeping', flush=True); time.sleep(120)")
# Ignores SIGTERM, and starts a child of its own (in its process group) that outlives it.
STUBBORN = python(
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(120)\n"
)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def logged(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_each_part_logs_to_its_own_file(tmp_path: Path) -> None:
    with Supervisor(tmp_path / "logs") as parts:
        part = parts.start("echo", python("print('hello from echo')"), os.environ)
        assert parts.wait("echo") == 0
    assert part.log == tmp_path / "logs" / "echo.log"
    assert part.log.read_text() == "hello from echo\n"


def test_wait_until_returns_once_the_condition_holds(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "sleeper.log"
    with Supervisor(tmp_path / "logs", poll=0.05) as parts:
        part = parts.start("sleeper", SLEEPER, os.environ)
        parts.wait_until("sleeper", lambda: "sleeping" in logged(log), timeout=30)
        assert part.running()
    assert not part.running()


def test_a_part_that_exits_fails_the_wait_with_its_log(tmp_path: Path) -> None:
    with Supervisor(tmp_path / "logs", poll=0.05) as parts:
        parts.start("broken", python("print('cannot bind'); raise SystemExit(3)"), os.environ)
        with pytest.raises(DemoError) as raised:
            parts.wait_until("broken", lambda: False, timeout=60)
    assert str(raised.value).startswith("broken stopped (exit status 3) before it was ready")
    assert str(raised.value).endswith("its log:\ncannot bind")


def test_a_part_not_ready_by_the_deadline_fails_the_wait_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "sleeper.log"
    with Supervisor(tmp_path / "logs", poll=0.05) as parts:
        parts.start("sleeper", SLEEPER, os.environ)
        wait_until(lambda: "sleeping" in logged(log))
        with pytest.raises(DemoError, match=r"sleeper did not become ready within 0\.2 s"):
            parts.wait_until("sleeper", lambda: False, timeout=0.2)
        # the condition may raise: that counts as not ready
        with pytest.raises(DemoError, match=r"its log:\nsleeping$"):
            parts.wait_until("sleeper", lambda: 1 / 0, timeout=0.2)


def test_a_part_that_ignores_sigterm_is_killed_with_its_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "logs" / "stubborn.log"
    with Supervisor(tmp_path / "logs", grace=0.5) as parts:
        stubborn = parts.start("stubborn", STUBBORN, os.environ)
        polite = parts.start("sleeper", SLEEPER, os.environ)
        grandchild = int(str(wait_until(lambda: logged(log).strip())))
    assert stubborn.process.returncode == -signal.SIGKILL
    assert polite.process.returncode == -signal.SIGTERM
    assert "demo: stubborn did not stop; killing it" in capsys.readouterr().err
    wait_until(lambda: gone(grandchild))


def test_a_stop_signal_raises_stopping_and_stops_every_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = signal.getsignal(signal.SIGTERM)
    started: list[Part] = []

    def run() -> None:
        with Supervisor(tmp_path / "logs") as parts:
            started.append(parts.start("sleeper", SLEEPER, os.environ))
            os.kill(os.getpid(), signal.SIGTERM)
            wait_until(lambda: False, timeout=30)  # the signal interrupts this

    with pytest.raises(Stopping):
        run()
    assert not started[0].running()
    assert "\ndemo: stopping\n" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_part_name_is_used_once(tmp_path: Path) -> None:
    with Supervisor(tmp_path / "logs") as parts:
        parts.start("echo", python("pass"), os.environ)
        with pytest.raises(ValueError, match="already started"):
            parts.start("echo", python("pass"), os.environ)


def test_a_busy_port_names_its_variable() -> None:
    free = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_in_use(port)
        with pytest.raises(DemoError, match=f"port {port} is already in use; set B_PORT to a"):
            check_ports_free({"A_PORT": free, "B_PORT": port})
    check_ports_free({"A_PORT": free, "B_PORT": port})


def _held_then_started(control: Path, done: Path, seen: list[object]) -> None:
    """Stop the sleeper through the channel, start it again, then let the main part end."""
    try:
        channel = ControlChannel(control, timeout=60, poll=0.05)
        seen.append(channel.ask(ControlRequest("stop", "sleeper", kill=True)))
        seen.append(channel.ask(ControlRequest("start", "sleeper")))
        try:
            channel.ask(ControlRequest("stop", "main"))
        except ControlError as error:
            seen.append(error)
    except BaseException as error:
        seen.append(error)
    finally:
        done.touch()


def test_a_control_request_stops_a_part_and_starts_it_again_with_its_command(
    tmp_path: Path,
) -> None:
    control, done = tmp_path / "control", tmp_path / "done"
    log = tmp_path / "logs" / "sleeper.log"
    until_done = python(
        f"import pathlib, time\nwhile not pathlib.Path({str(done)!r}).exists(): time.sleep(0.05)"
    )
    seen: list[object] = []
    with Supervisor(
        tmp_path / "logs", poll=0.05, control=control, controllable=["sleeper"]
    ) as parts:
        first = parts.start("sleeper", SLEEPER, os.environ)
        parts.start("main", until_done, os.environ)
        wait_until(lambda: "sleeping" in logged(log))
        drill = threading.Thread(target=_held_then_started, args=(control, done, seen))
        drill.start()
        assert parts.wait("main") == 0  # answers the requests while it waits
        drill.join()
        again = parts.part("sleeper")
        assert again.running()
        wait_until(lambda: logged(log) == "sleeping\nsleeping\n")  # one log, both runs
    stopped, started, refused = seen
    assert isinstance(stopped, ControlAnswer)
    assert stopped.detail == "sleeper killed (exit status -9)"
    assert first.process.returncode == -signal.SIGKILL
    assert isinstance(started, ControlAnswer)
    assert started.pid == again.process.pid != first.process.pid
    assert again.command == first.command
    assert isinstance(refused, ControlError)
    assert "main cannot be controlled (only sleeper)" in str(refused)
    assert not again.running()  # stopped with the rest


def test_a_requested_stop_waits_for_sigterm_and_holds_the_part(tmp_path: Path) -> None:
    with Supervisor(tmp_path / "logs") as parts:
        part = parts.start("sleeper", SLEEPER, os.environ)
        assert parts.stop_part("sleeper", kill=False) == -signal.SIGTERM
        assert part.held
        assert not part.running()


def test_a_running_part_is_not_started_twice(tmp_path: Path) -> None:
    with Supervisor(tmp_path / "logs") as parts:
        parts.start("sleeper", SLEEPER, os.environ)
        with pytest.raises(ValueError, match="sleeper is running; stop it first"):
            parts.restart_part("sleeper")
