"""The drills' bounded waits: poll until something arrives, or fail saying what did not."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DrillError(RuntimeError):
    """The drill could not start, or something it waited for did not happen in time."""


def wait_for(check: Callable[[], T | None], timeout: float, failure: str, poll: float) -> T:
    """Poll `check` until it returns something; raise DrillError with `failure` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise DrillError(f"{failure} within {timeout:g} s")
        time.sleep(poll)
