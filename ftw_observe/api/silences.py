"""Silences and maintenance windows: list, create and expire them over HTTP.

Reads are open like the rest of the API. Writes always need `Authorization: Bearer <token>`
with the engine's `FTW_API_TOKEN`: without one configured they are refused (403), with a
missing or wrong one they are 401. The token is checked before the body is read, compared in
constant time and never logged. A silence that would mute every known alert needs
`"force": true`; every silence set is announced in the ticket channel through the outbox.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated, Any, Protocol, runtime_checkable

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from ftw_observe.api.bodies import BODY_ERRORS
from ftw_observe.api.deps import Context, ContextDep, get_context
from ftw_observe.api.schemas import STORE_DOWN, ErrorBody, Responses, doc
from ftw_observe.api.silence_access import (
    MAX_DURATION_VARIABLE,
    SilenceRules,
    require_token,
    rules_of,
)
from ftw_observe.durations import parse_duration
from ftw_observe.matching.coverage import coverage, mute_all_message
from ftw_observe.matching.silences import Silence, SilenceError, SilenceState, new_silence
from ftw_observe.model import Notification
from ftw_observe.notify.announce import Event, announcement

log = logging.getLogger("ftw_observe.silences")
WRITE_REFUSED: Responses = {
    401: doc(ErrorBody, "Missing or wrong bearer token (the engine's FTW_API_TOKEN)"),
    403: doc(ErrorBody, "The engine has no API token (FTW_API_TOKEN): silences are read-only"),
}
NO_SILENCE: Responses = {404: doc(ErrorBody, "No silence with this id")}


@runtime_checkable
class SilenceStore(Protocol):
    """What this router needs from the store (ftw_observe.store.repository.Store)."""

    def add_silence(self, silence: Silence, announcements: list[Notification]) -> None:
        """Store a new silence and queue its announcements, atomically."""
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
    force: bool = Field(
        default=False,
        description="Set it although it would mute every known alert (announced as such)",
    )


class SilenceOut(BaseModel):
    """A silence, its state now, who set it why, and how many known alerts it mutes."""

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
    muted_alerts: int = Field(description="Alerts of the catalogue its matchers select")
    known_alerts: int = Field(description="Alerts the engine can raise or receive")


def silence_store(context: ContextDep) -> SilenceStore:
    """Return the store, which must keep silences."""
    if not isinstance(context.store, SilenceStore):
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, "this store keeps no silences")
    return context.store


StoreDep = Annotated[SilenceStore, Depends(silence_store)]
RulesDep = Annotated[SilenceRules, Depends(rules_of)]
router = APIRouter(prefix="/api/silences", tags=["silences"], responses=STORE_DOWN)


def silence_out(silence: Silence, now: datetime, rules: SilenceRules) -> SilenceOut:
    """Return the response body of a silence."""
    found = coverage(silence.matchers, rules.alerts)
    return SilenceOut(
        **silence.record(),
        state=silence.state(now),
        muted_alerts=found.muted,
        known_alerts=found.known,
    )


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


def _parse(raw: bytes) -> SilenceIn:
    """Return the request body as a SilenceIn; raise a 422 naming each wrong field."""
    try:
        return SilenceIn.model_validate_json(raw)
    except ValidationError as error:
        problems: list[Any] = []
        for problem in error.errors(include_url=False, include_context=False):
            problems.append({**problem, "loc": ("body", *problem["loc"])})
        raise RequestValidationError(problems) from None


def _create(context: Context, store: SilenceStore, rules: SilenceRules, body: SilenceIn) -> Silence:
    """Check a new silence against the rules, store it and queue its announcement."""
    now = context.clock()
    try:
        silence = new_silence(
            body.matchers,
            author=body.author,
            reason=body.reason,
            starts_at=body.starts_at,
            ends_at=_end(body, now),
            now=now,
            max_duration=rules.max_duration,
            end_field="ends_at" if body.ends_at is not None else "duration",
        )
    except SilenceError as error:
        message = error.message
        if error.loc in (("ends_at",), ("duration",)) and "may last" in message:
            message += f" (the engine's {MAX_DURATION_VARIABLE})"
        raise _invalid(error.loc, message, None) from None
    found = coverage(silence.matchers, rules.alerts)
    if found.mutes_all and not body.force:
        raise _invalid(("matchers",), mute_all_message(found), body.matchers)
    event = Event.FORCED if found.mutes_all else Event.CREATED
    store.add_silence(silence, [announcement(silence, event, coverage=found)])
    log.info(
        "silence %s %s by %r until %s: %s (mutes %s)",
        silence.id,
        event.value,
        silence.author,
        silence.ends_at.isoformat(),
        ", ".join(silence.matcher_texts()),
        found.describe(),
    )
    return silence


@router.get("", response_model=list[SilenceOut])
def list_silences(
    context: ContextDep,
    store: StoreDep,
    rules: RulesDep,
    include_expired: Annotated[
        bool, Query(alias="all", description="Include expired silences")
    ] = False,
) -> list[SilenceOut]:
    """List active and pending silences (maintenance windows ahead), by start time."""
    now = context.clock()
    found = store.silences(now=now, include_expired=include_expired)
    return [silence_out(silence, now, rules) for silence in found]


@router.post(
    "",
    response_model=SilenceOut,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE_REFUSED, **BODY_ERRORS},
    dependencies=[Depends(require_token)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SilenceIn.model_json_schema()}},
        }
    },
)
async def create_silence(request: Request) -> SilenceOut:
    """Create a silence; with a future start it is a maintenance window.

    The token is checked before the body is read. A silence that would mute every known
    alert needs `"force": true`; one longer than the engine's maximum is refused.
    """
    context = get_context(request)
    store, rules = silence_store(context), rules_of(request)
    body = _parse(await request.body())
    silence = await run_in_threadpool(_create, context, store, rules, body)
    return silence_out(silence, context.clock(), rules)


@router.delete(
    "/{silence_id}",
    response_model=SilenceOut,
    responses={**WRITE_REFUSED, **NO_SILENCE},
    dependencies=[Depends(require_token)],
)
def expire_silence(
    context: ContextDep, store: StoreDep, rules: RulesDep, silence_id: str
) -> SilenceOut:
    """Expire a silence now (cancel it if it has not started); it stays in the history.

    The router announces its end in the ticket channel.
    """
    now = context.clock()
    silence = store.expire_silence(silence_id, now)
    if silence is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no silence {silence_id!r}")
    log.info("silence %s expired at %s", silence.id, now.isoformat())
    return silence_out(silence, now, rules)
