"""Conversions between the engine's values and what JSON columns can hold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ftw_observe.model import InstanceKey


def encode_group(group: tuple[tuple[str, str], ...]) -> list[list[str]]:
    """Return an instance's group labels as JSON pairs, keeping their order.

    >>> decode_group(encode_group((("route", "/api/jobs"), ("method", "GET"))))
    (('route', '/api/jobs'), ('method', 'GET'))
    """
    return [[name, value] for name, value in group]


def decode_group(pairs: Sequence[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    """Return group labels from their JSON pairs."""
    return tuple((str(name), str(value)) for name, value in pairs)


def instance_key(service: str, slo: str, group_labels: Sequence[Sequence[str]]) -> InstanceKey:
    """Return the instance key that a row's identity columns describe."""
    return InstanceKey(service, slo, decode_group(group_labels))


def encode_float(value: float | None) -> float | str | None:
    """Return a float JSON can hold: infinities and NaN become their names (JSON has none).

    >>> encode_float(float("inf")), encode_float(0.25), decode_float(encode_float(float("-inf")))
    ('inf', 0.25, -inf)
    """
    if value is None or math.isfinite(value):
        return value
    return repr(float(value))  # 'inf', '-inf' or 'nan'


def decode_float(value: Any) -> float | None:
    """Return the float `encode_float` stored."""
    return None if value is None else float(value)
