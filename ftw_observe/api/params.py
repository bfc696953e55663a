"""Query parameter types that accept what OpenAPI documents and nothing looser.

Pydantic alone reads `since=0.5` as half a second after 1970 and `limit=1.0` as 1; a client
that sends those has made a mistake, and the API says so with a 422 naming the parameter.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

# ISO 8601 date and time (seconds and zone optional; no zone means UTC), as `isoformat()` writes;
# the parameter's value is always in UTC.
ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def _iso_datetime(value: object) -> object:
    if isinstance(value, str) and ISO_DATETIME.fullmatch(value):
        return value
    raise ValueError("give an ISO 8601 date and time, such as 2026-11-01T12:00:00Z")


def _in_utc(value: datetime) -> datetime:
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once in UTC") from None


def _whole_number(value: object) -> object:
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("give a whole number written in digits, such as 100")


Timestamp = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_in_utc)]
# After the Query(...) of an int parameter, so that its bounds still show in OpenAPI:
# `limit: Annotated[int, Query(ge=1, le=100), DIGITS_ONLY] = 10`.
DIGITS_ONLY = BeforeValidator(_whole_number)
