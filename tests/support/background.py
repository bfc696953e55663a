"""A demo stack of its own, started and drilled in a thread while the rest of the suite runs.

Each end-to-end drill spends most of its minutes waiting for pages and resolves; started
when collection ends, that wait overlaps the rest of the suite.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Generic, TypeVar

from ftw_observe.demo.stack import DemoStack, StartedStack
from ftw_observe.demo.supervisor import tail
from tests.support.services import create_database, delete_redis_keys, drop_database, free_port

T = TypeVar("T")
# The stack's environment, from its database URL and Redis key prefix.
Environment = Callable[[str, str], Mapping[str, str]]


class BackgroundStack(Generic[T]):
    """Start a demo stack in a thread, run `drill` on it, keep its outcome, clean everything up.

    `drill` gets the running stack and an event set when the session is aborting, to end
    its waits early.

    Usage::

        background = BackgroundStack("e2e-drill", demo_environment, lambda stack, _: run(stack))
        background.start()
        outcome = background.wait(timeout=900)
    """

    def __init__(
        self,
        name: str,
        environment: Environment,
        drill: Callable[[DemoStack, threading.Event], T],
    ) -> None:
        self.name = name
        self._environment = environment
        self._drill = drill
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started: StartedStack | None = None
        self._aborting = threading.Event()
        self._outcome: T | None = None
        self._error: BaseException | None = None
        # What the stack's parts logged last, kept when the drill fails (the stack's directory
        # goes with it), for the session's summary to print once.
        self.failure_logs: str | None = None

    def start(self) -> None:
        """Begin in a thread."""
        self._thread.start()

    def wait(self, timeout: float) -> T:
        """Return the drill's outcome, or raise what stopped it."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the {self.name} did not finish within {timeout:g} s")
        if self._error is not None:
            raise self._error
        assert self._outcome is not None
        return self._outcome

    def abort(self) -> None:
        """Stop the stack if it still runs (an interrupted session), and wait for the thread.

        A stack still starting is stopped as soon as it is up, so no process outlives the
        session.
        """
        self._aborting.set()
        if self._started is not None:
            self._started.stop()
        self._thread.join(360)

    def _run(self) -> None:
        home = Path(tempfile.mkdtemp(prefix=f"ftw-{self.name}-"))
        database = create_database()
        prefix = f"ftw-{self.name}-{os.getpid()}-{free_port()}:"
        try:
            env = dict(self._environment(database, prefix))
            self._started = StartedStack.start(home, timeout=300, env=env)
            if self._aborting.is_set():
                return
            self._outcome = self._drill(self._started.stack, self._aborting)
        except BaseException as error:  # handed to the test that waits for it
            self._error = error
            self.failure_logs = log_tails(home / "logs")
        finally:
            if self._started is not None:
                self._started.stop()
            drop_database(database)
            delete_redis_keys(prefix)
            shutil.rmtree(home, ignore_errors=True)


def log_tails(directory: Path, lines: int = 25) -> str:
    """Return the last lines of every log of a stack's parts, each under its file name."""
    shown = []
    for log in sorted(directory.glob("*.log")):
        shown.append(f"--- {log.name} (last {lines} lines)\n{tail(log, lines)}")
    return "\n".join(shown) or f"(no logs in {directory})"
