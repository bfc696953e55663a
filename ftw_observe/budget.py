"""Error-budget arithmetic: pure functions from event counts to SLI, burn and budget.

Counts come from Prometheus `increase()` and may be fractional (extrapolation) or slightly
inconsistent (errors a hair above events); every function clamps rather than reporting an SLI
above 1 or below 0. "No events" is `None`, never a perfect score.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

# A period needs a day of data before its budget can read "exhausted": over fewer hours a
# short outage overspends the budget of the few events seen, which the page tiers (1h, 6h)
# already report as a burn; from a day on, an overspend is a trend the period will carry.
EXHAUSTED_MIN_SECONDS = 86_400


class Status(StrEnum):
    """What an SLO's budget says, worst first."""

    UNKNOWN = "unknown"  # the numbers could not be read
    EXHAUSTED = "exhausted"
    BURNING = "burning"
    NO_DATA = "no_data"
    OK = "ok"


@dataclass(frozen=True)
class Counts:
    """Bad and total events over one window.

    >>> Counts(errors=2, events=1000).error_ratio
    0.002
    """

    errors: float
    events: float

    @property
    def error_ratio(self) -> float | None:
        """Return errors / events within [0, 1], or None without events."""
        if not self.events > 0:
            return None
        return min(max(self.errors, 0.0), self.events) / self.events

    @property
    def sli(self) -> float | None:
        """Return good / events within [0, 1], or None without events."""
        ratio = self.error_ratio
        return None if ratio is None else 1.0 - ratio


def error_budget(objective: Fraction) -> Fraction:
    """Return the share of events allowed to fail: 1 - objective (objective as a ratio)."""
    return 1 - objective


def burn_rate(counts: Counts, objective: Fraction) -> float | None:
    """Return how many times faster than sustainable the budget burns; None without events."""
    ratio = counts.error_ratio
    if ratio is None:
        return None
    budget = error_budget(objective)
    if budget == 0:
        return 0.0 if ratio == 0 else math.inf
    return ratio / float(budget)


def remaining_fraction(period: Counts, objective: Fraction) -> float | None:
    """Return the share of the period's budget left: 1 fresh, 0 spent, negative overspent."""
    burn = burn_rate(period, objective)
    if burn is None:
        return None
    if math.isinf(burn):
        return 0.0  # a zero budget with any error is spent; overspend has no scale
    return 1.0 - burn


def outage_minutes(fraction: float, objective: Fraction, period_seconds: int) -> float:
    """Return a share of the budget as minutes of total outage (99.9 % over 30 d: 43.2)."""
    return fraction * float(error_budget(objective)) * period_seconds / 60


def seconds_to_exhaustion(
    remaining: float | None, burn: float | None, period_seconds: int
) -> float | None:
    """Return how long the remaining budget lasts at a burn rate; None if it never runs out."""
    if remaining is None or burn is None:
        return None
    if remaining <= 0:
        return 0.0
    if burn <= 0:
        return None
    if math.isinf(burn):
        return 0.0
    return remaining * period_seconds / burn


def coverage(first_sample: float | None, at: float, period_seconds: int) -> float:
    """Return the share of the period that has data, for partial periods (0 to 1)."""
    if first_sample is None or first_sample > at:
        return 0.0
    return min((at - first_sample) / period_seconds, 1.0)


def counter_increase(samples: Sequence[float]) -> float:
    """Return a counter's increase over samples, counting a drop as a restart from zero."""
    total = 0.0
    for previous, current in itertools.pairwise(samples):
        total += current - previous if current >= previous else current
    return total


def young(measured_seconds: float | None) -> bool:
    """Tell whether a period has too little data for its budget to be called exhausted."""
    return measured_seconds is not None and measured_seconds < EXHAUSTED_MIN_SECONDS


def status(
    *,
    readable: bool,
    period: Counts | None,
    remaining: float | None,
    alerting: bool,
    measured_seconds: float | None = None,
) -> Status:
    """Return one status from what is known: unreadable beats everything, then spent budget.

    A young period (less than `EXHAUSTED_MIN_SECONDS` of data) is never exhausted: a few bad
    minutes among a few hours of events overspend its budget on paper, and the burn-rate
    alerts already speak for them. `measured_seconds` None (coverage unknown) trusts the counts.
    """
    if not readable:
        return Status.UNKNOWN
    if remaining is not None and remaining <= 0 and not young(measured_seconds):
        return Status.EXHAUSTED
    if alerting:
        return Status.BURNING
    if period is None or period.error_ratio is None:
        return Status.NO_DATA
    return Status.OK
