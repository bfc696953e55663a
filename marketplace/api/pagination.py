"""Opaque cursors over descending ids."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from fastapi import HTTPException, status

_PREFIX = "id:"
T = TypeVar("T")


def encode_cursor(last_id: int) -> str:
    """Return the cursor that continues after `last_id`."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """Return the id a cursor continues after, or answer 422 naming the parameter."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith(_PREFIX):
            value = int(raw[len(_PREFIX) :])
            if value > 0:
                return value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail="query parameter 'cursor' is not a cursor this API returned",
    )


def paginate(rows: Sequence[T], limit: int, key: Callable[[T], int]) -> tuple[list[T], str | None]:
    """Split `limit + 1` fetched rows into one page and the cursor for the next, if any."""
    page = list(rows[:limit])
    more = len(rows) > limit
    return page, encode_cursor(key(page[-1])) if more and page else None
