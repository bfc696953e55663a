"""How many failed requests a drill's outage may cost: enough to page, no more than that.

A drill proves that the fastest page tier pages and then resolves minutes after the heal. An
outage that runs on until the page arrives lasts as long as scraping, evaluation and delivery
take; on a busy machine that is long enough for the slower tiers to cross their thresholds as
well, and the 6-hour tier's 30-minute short window then holds the service's page open for half
an hour. The drill therefore heals once the outage has failed about halfway between the
errors the fastest page tier needs and the errors the next tier tolerates: the page still
comes (the fast tier's condition holds for its short window after the heal), and it resolves
as soon as the fast tier's short window forgets the outage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ftw_observe.durations import parse_duration

__all__ = ["ErrorCap", "error_cap"]

# The slower tiers' tolerance must leave this much room above what the fast tier needs, or
# the cap would be too close to either side to mean anything.
MIN_HEADROOM = 1.5


@dataclass(frozen=True)
class ErrorCap:
    """The failed requests after which a drill heals, and why that many.

    Usage::

        cap = error_cap(tiers, window_events)
        if cap is not None and failed >= cap.errors:
            heal()
    """

    errors: float  # heal once the outage failed this many requests
    needed: float  # failed requests the fastest page tier needs to fire
    tolerated: float  # failed requests the next tier tolerates without firing
    tolerated_by: str  # that tier's name


def error_cap(
    tiers: Sequence[Mapping[str, Any]], window_events: Mapping[str, float | None]
) -> ErrorCap | None:
    """Return the cap between the fastest page tier's need and the others' tolerance, or None.

    `tiers` are the SLO's enabled tiers as the engine's API lists them; `window_events` the
    events each window holds now. None when a window has no events or the tiers leave no room
    between paging fast and firing slowly.
    """
    pages = [t for t in tiers if t["severity"] == "page"]
    if not pages:
        return None
    fast = min(pages, key=lambda t: parse_duration(str(t["long_window"])))
    needed = _threshold(fast, window_events)
    others = [(_threshold(t, window_events), str(t["name"])) for t in tiers if t is not fast]
    known = [(limit, name) for limit, name in others if limit is not None]
    if needed is None or not known or len(known) < len(others):
        return None
    tolerated, name = min(known)
    if tolerated < MIN_HEADROOM * needed:
        return None
    return ErrorCap((needed + tolerated) / 2, needed, tolerated, name)


def _threshold(tier: Mapping[str, Any], window_events: Mapping[str, float | None]) -> float | None:
    """Return the failed requests in the tier's long window at which it fires."""
    events = window_events.get(str(tier["long_window"]))
    if not events:
        return None
    ratio = float(tier["error_ratio_threshold"])
    return max(ratio * events, float(tier.get("min_errors") or 0))
