"""Numbers for people: one spelling for the status page, the detail page and the report.

Every function takes `None` (unknown) and answers "—"; NaN and infinities are unknown too.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

NONE = "—"

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def _known(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def sli(value: float | None) -> str:
    """Return an SLI (0..1) as a percentage with 3 decimals: `99.953 %`."""
    known = _known(value)
    return NONE if known is None else f"{known * 100:.3f} %"


def budget(value: float | None) -> str:
    """Return a share of the error budget (1 = all left) with 1 decimal: `72.4 %`."""
    known = _known(value)
    return NONE if known is None else f"{known * 100:.1f} %"


def minutes(value: float | None) -> str:
    """Return minutes of full outage with 1 decimal: `31.3 min`."""
    known = _known(value)
    return NONE if known is None else f"{known:.1f} min"


def objective(value: float | None) -> str:
    """Return an objective given in percent as written in the spec: `99.9 %`."""
    known = _known(value)
    return NONE if known is None else f"{known:g} %"


def ratio(value: float | None) -> str:
    """Return an error ratio (0..1) as a percentage with 3 decimals: `0.120 %`."""
    return sli(value)


def burn(value: float | None) -> str:
    """Return a burn rate with 2 decimals: `1.20` (1 spends the budget in exactly a period)."""
    known = _known(value)
    return NONE if known is None else f"{known:.2f}"


def count(value: float | None) -> str:
    """Return an event count, whole when it is (Prometheus extrapolates fractions)."""
    known = _known(value)
    if known is None:
        return NONE
    rounded = round(known, 1)
    if rounded.is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:,.1f}"


def duration(seconds: float | None) -> str:
    """Return a duration in its two largest units: `3h 12m`, `2d 4h`, `45s`."""
    known = _known(seconds)
    if known is None:
        return NONE
    left = round(max(known, 0.0))
    if left == 0:
        return "0s"
    parts: list[str] = []
    for unit, size in _UNITS:
        amount, left = divmod(left, size)
        if amount or parts:
            parts.append(f"{amount}{unit}")
        if len(parts) == 2:
            break
    return " ".join(part for part in parts if not part.startswith("0"))


def exhaustion(remaining: float | None, seconds: float | None) -> str:
    """Return when the budget runs out at the current burn: `3h 12m`, `never`, `exhausted`."""
    if _known(remaining) is None:
        return NONE
    known = _known(seconds)
    if known is None:
        return "never"
    if known <= 0:
        return "exhausted"
    return duration(known)


def partial(coverage: float | None) -> bool:
    """Tell whether a measured coverage says only part of the period has data."""
    known = _known(coverage)
    return known is not None and known < 1


def measured_over(coverage: float | None, period_seconds: int) -> str:
    """Return how much of a partly covered period has data: `1d 12h of 30d`; "" when whole."""
    if not partial(coverage):
        return ""
    assert coverage is not None
    return f"{duration(max(coverage, 0.0) * period_seconds)} of {duration(period_seconds)}"


def consumed(remaining: float | None) -> str:
    """Return the share of the budget spent, from the share left: `consumed 40.0 %`."""
    known = _known(remaining)
    return "" if known is None else f"consumed {budget(1 - known)}"


def budget_note_parts(
    remaining: float | None, coverage: float | None, period_seconds: int
) -> tuple[str, str]:
    """Return the note on a partly covered budget in two: the share consumed, then the rest."""
    over = measured_over(coverage, period_seconds)
    if not over:
        return "", ""
    head = consumed(remaining)
    if not head:
        return "", f"budget measured over {over}"
    return head, f"of the budget of the events seen; budget measured over {over}"


def budget_note(remaining: float | None, coverage: float | None, period_seconds: int) -> str:
    """Return what a budget over a partly covered period says, extrapolating nothing.

    The remaining share of such a period is a share of the budget of the events seen so far,
    so the note says that and how much of the period they cover; "" when the period is whole.

    >>> budget_note(0.6, 0.05, 30 * 86_400)
    'consumed 40.0 % of the budget of the events seen; budget measured over 1d 12h of 30d'
    """
    return " ".join(part for part in budget_note_parts(remaining, coverage, period_seconds) if part)


def timestamp(value: datetime | None) -> str:
    """Return a time in UTC to the second: `2026-11-22 02:51:20 UTC`."""
    if value is None:
        return NONE
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def age(value: datetime | None, now: datetime) -> str:
    """Return how long ago a time was: `25s ago`, `3h 12m ago`."""
    if value is None:
        return "never"
    return f"{duration((now - value).total_seconds())} ago"


def budget_level(remaining: float | None) -> str:
    """Return the colour class of a remaining budget: ok, warn, low, spent or none."""
    known = _known(remaining)
    if known is None:
        return "none"
    if known <= 0:
        return "spent"
    if known < 0.25:
        return "low"
    if known < 0.5:
        return "warn"
    return "ok"


def bar_width(remaining: float | None) -> float:
    """Return the width of a budget bar in percent: the remaining share clamped to 0..100."""
    known = _known(remaining)
    return 0.0 if known is None else round(min(max(known, 0.0), 1.0) * 100, 1)


def heat(rate: float | None, threshold: float | None) -> str:
    """Return the colour class of a burn rate: hot above an alert threshold, warm above 1."""
    known = _known(rate)
    if known is None:
        return ""
    if threshold is not None and known > threshold:
        return "hot"
    return "warm" if known > 1 else ""
