"""Keyset pagination over descending ids, and the id parameters routes share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

from fastapi import Path, Query

T = TypeVar("T")

# The largest integer every JSON client reads exactly; ids this large never exist, and
# larger ones must not reach SQL, where they overflow 64-bit columns.
MAX_ID = 2**53 - 1

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cursor = Annotated[
    str | None,
    Query(
        pattern=r"^[1-9][0-9]{0,14}$",
        description="The `next_cursor` of the previous page; omit it for the first page.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]


def cursor_id(cursor: str | None) -> int | None:
    """Return the id a validated cursor continues after."""
    return int(cursor) if cursor is not None else None


def paginate(rows: Sequence[T], limit: int, key: Callable[[T], int]) -> tuple[list[T], str | None]:
    """Split `limit + 1` fetched rows into one page and the cursor for the next, if any."""
    page = list(rows[:limit])
    more = len(rows) > limit
    return page, str(key(page[-1])) if more and page else None
