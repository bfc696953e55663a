"""Prometheus-style durations (`5m`, `1h30m`, `30d`) as whole seconds."""

from __future__ import annotations

import functools
import itertools
import re

_UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)(w|d|h|m|s)")
_WHOLE = re.compile(r"(?:\d+(?:w|d|h|m|s))+")


def parse_duration(text: str) -> int:
    """Return the seconds in a duration such as `5m`, `1h30m` or `30d`; raise ValueError."""
    if not isinstance(text, str) or not _WHOLE.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 1h30m or 30d")
    units = [unit for _, unit in _PART.findall(text)]
    order = list(_UNITS)
    if any(order.index(a) >= order.index(b) for a, b in itertools.pairwise(units)):
        raise ValueError(f"{text!r}: units must go from largest to smallest, each once")
    return sum(int(amount) * _UNITS[unit] for amount, unit in _PART.findall(text))


# The engine spells the same few windows thousands of times per cycle.
@functools.lru_cache(maxsize=4096)
def format_duration(seconds: int) -> str:
    """Return the shortest Prometheus spelling of a number of seconds (`5400` → `1h30m`)."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        if unit == "w":
            continue
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
