"""Multi-window, multi-burn-rate alert tiers (SRE Workbook, ch. 5) and their exact factors."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from ftw_observe.durations import format_duration

HOUR = 3_600
DAY = 86_400


@dataclass(frozen=True)
class Tier:
    """One alert tier: page or ticket when `budget_share` of the period's budget burns in `long`.

    >>> PAGE_1H.factor(30 * DAY)
    Fraction(72, 5)
    """

    name: str
    severity: str
    long: int
    short: int
    budget_share: Fraction

    @property
    def long_window(self) -> str:
        """Return the long window in Prometheus spelling."""
        return format_duration(self.long)

    @property
    def short_window(self) -> str:
        """Return the short window in Prometheus spelling."""
        return format_duration(self.short)

    def factor(self, period: int) -> Fraction:
        """Return the burn-rate factor that spends `budget_share` of a period's budget in `long`."""
        return _factor(self.budget_share, period, self.long)

    def error_ratio_threshold(self, period: int, error_budget: Fraction) -> Fraction:
        """Return the error ratio at which the tier fires."""
        return self.factor(period) * error_budget

    def reachable(self, period: int, error_budget: Fraction) -> bool:
        """Tell whether any error ratio can reach this tier (100 % errors is a ratio of 1)."""
        return self.error_ratio_threshold(period, error_budget) <= 1

    def seconds_to_fire(self, period: int, error_budget: Fraction, error_ratio: Fraction) -> float:
        """Return how long a constant error ratio takes to trip the long window."""
        return float(self.error_ratio_threshold(period, error_budget) / error_ratio * self.long)


@functools.lru_cache(maxsize=1024)
def _factor(budget_share: Fraction, period: int, long: int) -> Fraction:
    # Fraction arithmetic is slow and the engine asks for the same few factors every cycle.
    return budget_share * Fraction(period, long)


PAGE_1H = Tier("page-1h", "page", HOUR, 5 * 60, Fraction(2, 100))
PAGE_6H = Tier("page-6h", "page", 6 * HOUR, 30 * 60, Fraction(5, 100))
TICKET_1D = Tier("ticket-1d", "ticket", DAY, 2 * HOUR, Fraction(10, 100))
TICKET_3D = Tier("ticket-3d", "ticket", 3 * DAY, 6 * HOUR, Fraction(10, 100))

TIERS: tuple[Tier, ...] = (PAGE_1H, PAGE_6H, TICKET_1D, TICKET_3D)
TIER_NAMES: tuple[str, ...] = tuple(tier.name for tier in TIERS)

# Every window a tier reads, shortest first; the period is added per SLO.
WINDOWS: tuple[int, ...] = tuple(sorted({w for tier in TIERS for w in (tier.long, tier.short)}))
# Windows up to an hour are counted exactly over the raw counters at every evaluation. Longer
# windows add the hour before them, summed from recorded 5-minute counts: their cost does not
# grow with the raw series, and the newest hour, where an outage starts, stays exact.
EXACT_SPAN = HOUR
RAW_WINDOWS: tuple[int, ...] = tuple(w for w in WINDOWS if w <= EXACT_SPAN)
DERIVED_WINDOWS: tuple[int, ...] = tuple(w for w in WINDOWS if w > EXACT_SPAN)


def tier(name: str) -> Tier:
    """Return the tier called `name`."""
    for candidate in TIERS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def exact_decimal(value: Fraction) -> str | None:
    """Return a fraction as an exact decimal string (`14.4`), or None if it does not terminate."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    digits = value.numerator * 10**places // value.denominator
    sign = "-" if digits < 0 else ""
    text = str(abs(digits)).rjust(places + 1, "0")
    whole, fraction = text[: len(text) - places] or "0", text[len(text) - places :]
    return sign + whole + ("." + fraction if places else "")


def promql_number(value: Fraction) -> str:
    """Return a PromQL expression for a fraction, exact: `14.4`, or `(14 / 15)` if it recurs."""
    decimal = exact_decimal(value)
    if decimal is not None:
        return decimal
    return f"({value.numerator} / {value.denominator})"


def display_number(value: Fraction, digits: int = 4) -> str:
    """Return a fraction for people: exact when it terminates, else rounded (`0.9333`)."""
    decimal = exact_decimal(value)
    if decimal is not None:
        return decimal
    return f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
