"""The payment provider that pays contractors out: an external dependency."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Protocol


class PaymentProviderError(RuntimeError):
    """The provider could not be reached or failed; the payout did not happen."""


class PaymentProvider(Protocol):
    """Sends money to a contractor and returns the provider's reference."""

    def send_payout(self, payout_id: int, contractor_id: int, amount_cents: int) -> str: ...


class SimulatedPaymentProvider:
    """A stand-in provider with configurable latency and drill-controlled outages.

    Usage::

        provider = SimulatedPaymentProvider(outage=lambda: faults.snapshot().payment_outage)
        reference = provider.send_payout(17, 4, 125_00)
    """

    def __init__(
        self,
        outage: Callable[[], bool],
        latency_seconds: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._outage = outage
        self._latency_seconds = latency_seconds
        self._sleep = sleep

    def send_payout(self, payout_id: int, contractor_id: int, amount_cents: int) -> str:
        """Pay out, or raise PaymentProviderError during an outage."""
        if self._latency_seconds > 0:
            self._sleep(self._latency_seconds * random.uniform(0.5, 1.5))
        if self._outage():
            raise PaymentProviderError("payment provider unavailable (simulated outage)")
        return f"po_{uuid.uuid4().hex[:16]}"
