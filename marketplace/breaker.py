"""A circuit breaker for calls to an external dependency."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from marketplace.metrics import registry as metrics

T = TypeVar("T")


class BreakerState(enum.StrEnum):
    """Where a circuit breaker is in its cycle."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(RuntimeError):
    """Raised instead of calling a dependency while its breaker is open."""

    def __init__(self, name: str, retry_after_seconds: float) -> None:
        self.name = name
        self.retry_after_seconds = retry_after_seconds
        super().__init__(
            f"{name} is unavailable: its circuit breaker is open after repeated failures; "
            f"the next attempt is allowed in {retry_after_seconds:.0f} s"
        )


class CircuitBreaker:
    """Stop calling a failing dependency, then let one trial call through after a pause.

    Closed: calls pass; `failure_threshold` consecutive failures open it. Open: calls fail fast
    with CircuitOpenError until `reset_timeout_seconds` pass. Half-open: one trial call passes;
    success closes the breaker, failure opens it again.

    Usage::

        breaker = CircuitBreaker("payments", failure_threshold=5, reset_timeout_seconds=30)
        reference = breaker.call(lambda: provider.send(payout))
    """

    def __init__(
        self,
        name: str,
        failure_threshold: int = 5,
        reset_timeout_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout_seconds = reset_timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        self._publish(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        """Return the current state, moving from open to half-open once the pause is over."""
        with self._lock:
            self._maybe_half_open()
            return self._state

    def rejection(self) -> CircuitOpenError | None:
        """Return the error a call would get right now, else None."""
        with self._lock:
            self._maybe_half_open()
            if self._state is BreakerState.OPEN:
                return CircuitOpenError(self.name, self._remaining())
            if self._state is BreakerState.HALF_OPEN and self._trial_in_flight:
                # The trial call is the only one let through until it has an outcome.
                return CircuitOpenError(self.name, 0.0)
            return None

    def _remaining(self) -> float:
        return max(0.0, self._opened_at + self.reset_timeout_seconds - self._clock())

    def call(self, operation: Callable[[], T]) -> T:
        """Run `operation` through the breaker, or raise CircuitOpenError without running it."""
        self._acquire()
        try:
            result = operation()
        except Exception:
            self._record(success=False)
            raise
        self._record(success=True)
        return result

    def _acquire(self) -> None:
        with self._lock:
            self._maybe_half_open()
            if self._state is BreakerState.OPEN:
                raise CircuitOpenError(self.name, self._remaining())
            if self._state is BreakerState.HALF_OPEN:
                if self._trial_in_flight:
                    raise CircuitOpenError(self.name, 0.0)
                self._trial_in_flight = True

    def _record(self, success: bool) -> None:
        with self._lock:
            was_trial = self._state is BreakerState.HALF_OPEN
            self._trial_in_flight = False
            if success:
                self._failures = 0
                if was_trial:
                    self._enter(BreakerState.CLOSED)
                return
            self._failures += 1
            if was_trial or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
                self._enter(BreakerState.OPEN)

    def _maybe_half_open(self) -> None:
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.reset_timeout_seconds
        ):
            self._enter(BreakerState.HALF_OPEN)

    def _enter(self, state: BreakerState) -> None:
        if state is self._state:
            return
        self._state = state
        metrics.BREAKER_TRANSITIONS.labels(breaker=self.name, state=state.value).inc()
        self._publish(state)

    def _publish(self, current: BreakerState) -> None:
        for state in BreakerState:
            metrics.BREAKER_STATE.labels(breaker=self.name, state=state.value).set(
                1 if state is current else 0
            )
