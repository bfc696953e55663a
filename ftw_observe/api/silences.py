"""Silences and maintenance windows: list, create and expire them over HTTP.

Reads are open like the rest of the API; writes need `Authorization: Bearer <FTW_API_TOKEN>`
whenever that variable is set. The token is compared in constant time and never logged.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Protocol, runtime_checkable

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ftw_observe.api.bodies import BODY_ERRORS
from ftw_observe.api.deps import ContextDep
from ftw_observe.api.schemas import STORE_DOWN, ErrorBody, Responses, doc
from ftw_observe.durations import parse_duration
from ftw_observe.matching.silences import Silence, SilenceError, SilenceState, new_silence

AUTH_VARIABLE = "FTW_API_TOKEN"
UNAUTHORIZED: Responses = {401: doc(ErrorBody, f"Missing or wrong bearer token ({AUTH_VARIABLE})")}
NO_SILENCE: Responses = {404: doc(ErrorBody, "No silence with this id")}

_bearer = HTTPBearer(auto_error=False, description=f"The engine's {AUTH_VARIABLE}, for writes")


@runtime_checkable
class SilenceStore(Protocol):
    """What this router needs from the store (ftw_observe.store.repository.Store)."""

    def add_silence(self, silence: Silence) -> None:
        """Store a new silence."""
        ...

    def silences(self, *, now: datetime, include_expired: bool = False) -> list[Silence]:
        """Return active and pending silences, or every one."""
        ...

    def expire_silence(self, silence_id: str, at: datetime) -> Silence | None:
        """Expire a silence; None when there is no such id."""
        ...


class SilenceIn(BaseModel):
    """A new silence: alerts matching every matcher are muted from the start to the end."""

    model_config = ConfigDict(extra="forbid")

    matchers: list[str] = Field(
        min_length=1,
        description="`label=value`, `label!=value`, `label=~regex` or `label!~regex`",
        examples=[["service=marketplace", "slo=~api-.*"]],
    )
    author: str = Field(min_length=1, max_length=200, description="Who sets it")
    reason: str = Field(min_length=1, max_length=2000, description="Why alerts are muted")
    starts_at: AwareDatetime | None = Field(
        default=None, description="Start (a maintenance window starts later); default now"
    )
    ends_at: AwareDatetime | None = Field(default=None, description="End; or give duration")
    duration: str | None = Field(
        default=None, description="Length from the start, such as 2h or 1h30m", examples=["2h"]
    )


class SilenceOut(BaseModel):
    """A silence, its state now, and who set it why."""

    model_config = ConfigDict(frozen=True)

    id: str
    matchers: list[str]
    author: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    expired_at: datetime | None
    state: SilenceState = Field(description="pending (starts later), active or expired")


def require_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse a write without the bearer token, when FTW_API_TOKEN is set."""
    expected = os.environ.get(AUTH_VARIABLE, "")
    if not expected:
        return
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"send Authorization: Bearer <{AUTH_VARIABLE}> to change silences",
            headers={"WWW-Authenticate": "Bearer"},
        )


def silence_store(context: ContextDep) -> SilenceStore:
    """Return the store, which must keep silences."""
    if not isinstance(context.store, SilenceStore):
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, "this store keeps no silences")
    return context.store


StoreDep = Annotated[SilenceStore, Depends(silence_store)]
router = APIRouter(prefix="/api/silences", tags=["silences"], responses=STORE_DOWN)


def silence_out(silence: Silence, now: datetime) -> SilenceOut:
    """Return the response body of a silence."""
    return SilenceOut(**silence.record(), state=silence.state(now))


def _invalid(loc: tuple[str | int, ...], message: str, value: object) -> RequestValidationError:
    error = {"type": "value_error", "loc": ("body", *loc), "msg": message, "input": value}
    return RequestValidationError([error])


def _end(body: SilenceIn, now: datetime) -> datetime:
    """Return the end from ends_at or duration, exactly one of which must be given."""
    if (body.ends_at is None) == (body.duration is None):
        raise _invalid(("ends_at",), "give ends_at or duration (exactly one)", body.ends_at)
    if body.ends_at is not None:
        return body.ends_at
    try:
        seconds = parse_duration(body.duration or "")
    except ValueError as error:
        raise _invalid(("duration",), str(error), body.duration) from None
    if seconds <= 0:
        raise _invalid(("duration",), "a silence lasts longer than 0s", body.duration)
    return max(body.starts_at or now, now) + timedelta(seconds=seconds)


@router.get("", response_model=list[SilenceOut])
def list_silences(
    context: ContextDep,
    store: StoreDep,
    include_expired: Annotated[
        bool, Query(alias="all", description="Include expired silences")
    ] = False,
) -> list[SilenceOut]:
    """List active and pending silences (maintenance windows ahead), by start time."""
    now = context.clock()
    found = store.silences(now=now, include_expired=include_expired)
    return [silence_out(silence, now) for silence in found]


@router.post(
    "",
    response_model=SilenceOut,
    status_code=status.HTTP_201_CREATED,
    responses={**UNAUTHORIZED, **BODY_ERRORS},
    dependencies=[Depends(require_token)],
)
def create_silence(context: ContextDep, store: StoreDep, body: SilenceIn) -> SilenceOut:
    """Create a silence; with a future start it is a maintenance window."""
    now = context.clock()
    try:
        silence = new_silence(
            body.matchers,
            author=body.author,
            reason=body.reason,
            starts_at=body.starts_at,
            ends_at=_end(body, now),
            now=now,
        )
    except SilenceError as error:
        raise _invalid(error.loc, error.message, None) from None
    store.add_silence(silence)
    return silence_out(silence, now)


@router.delete(
    "/{silence_id}",
    response_model=SilenceOut,
    responses={**UNAUTHORIZED, **NO_SILENCE},
    dependencies=[Depends(require_token)],
)
def expire_silence(context: ContextDep, store: StoreDep, silence_id: str) -> SilenceOut:
    """Expire a silence now (cancel it if it has not started); it stays in the history."""
    now = context.clock()
    silence = store.expire_silence(silence_id, now)
    if silence is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no silence {silence_id!r}")
    return silence_out(silence, now)
