"""A clock that tests move by hand."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """A callable returning the time it was set to, until `advance` moves it.

    >>> from datetime import UTC
    >>> clock = Clock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    >>> clock.advance(30)
    >>> clock().isoformat()
    '2026-11-01T12:00:30+00:00'
    """

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time forward by `seconds`."""
        self.now += timedelta(seconds=seconds)


class SecondsClock:
    """A clock of float seconds, monotonic or wall, that tests move by setting `now`.

    >>> clock = SecondsClock(100.0)
    >>> clock.now += 1.5
    >>> clock()
    101.5
    """

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
