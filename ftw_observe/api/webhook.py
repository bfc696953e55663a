"""Alertmanager's webhook: Prometheus-evaluated alerts join the engine's outbox.

The route reads its body itself, in this order: the bearer token is compared (in constant
time) before a byte of the body is read; the body is read up to its size limit and no further;
it must be JSON with Alertmanager's top level; then each alert is accepted or rejected on its
own, so one bad alert never costs the valid ones beside it. The watchdog is neither: its
arrival is recorded in the store, where the leader looks for it, and nobody is notified.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Protocol, cast

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from ftw_observe.api.bodies import TOO_LARGE, read_body
from ftw_observe.api.deps import Context, ContextDep
from ftw_observe.api.schemas import ErrorBody, doc
from ftw_observe.api.webhook_metrics import CallOutcome, WebhookMetrics
from ftw_observe.engine.settings import DEFAULT_WEBHOOK_MAX_BYTES
from ftw_observe.model import Notification
from ftw_observe.notify.alertmanager import (
    LISTED_REJECTIONS,
    AlertmanagerAlert,
    AlertmanagerPayload,
    Examined,
    RejectReason,
    describe,
    examine,
    notifications,
)

log = logging.getLogger("ftw_observe.webhook")
PATH = "/api/webhooks/alertmanager"
DEFAULT_MAX_BYTES = DEFAULT_WEBHOOK_MAX_BYTES
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ftw-observe"'}

_bearer = HTTPBearer(
    auto_error=False, scheme_name="WebhookToken", description="The engine's FTW_WEBHOOK_TOKEN"
)
router = APIRouter(
    prefix="/api/webhooks",
    tags=["webhooks"],
    responses={
        401: doc(ErrorBody, "Missing or wrong bearer token (FTW_WEBHOOK_TOKEN)"),
        503: doc(ErrorBody, "The store's database does not answer"),
    },
)


class RejectedAlert(BaseModel):
    """An alert of the call that was not queued, and why."""

    index: int = Field(description="Its position in `alerts`, from 0")
    reason: RejectReason
    detail: str = Field(description="What is wrong, naming the field; quotes no label value")


class WebhookAnswer(BaseModel):
    """What became of each alert of a webhook call."""

    accepted: int = Field(description="Alerts queued for routing")
    rejected_count: int = Field(description="Alerts refused on their own")
    rejected: list[RejectedAlert] = Field(
        description=f"The refused alerts, the first {LISTED_REJECTIONS} of them"
    )
    watchdogs: int = Field(
        0, description="FTWObserveWatchdog alerts: their arrival is recorded, never routed"
    )


class Enqueuer(Protocol):
    """What the webhook needs of the store."""

    def enqueue(
        self, notifications: Iterable[Notification], *, receiver: str | None = None
    ) -> None:
        """Add notifications to the outbox."""
        ...


class WatchdogRecorder(Protocol):
    """Where the webhook records the watchdog's arrival (the store)."""

    def record_watchdog(self, at: datetime) -> None:
        """Record that the watchdog reached this replica at `at`."""
        ...


def request_body_schema() -> dict[str, Any]:
    """Return the OpenAPI request body of the webhook: Alertmanager's version 4 payload."""
    alerts = {
        "type": "array",
        "items": AlertmanagerAlert.model_json_schema(),
        "description": "Each alert is judged on its own: a bad one is rejected by index, "
        "the others are queued",
    }
    schema = {
        "title": "AlertmanagerPayload",
        "type": "object",
        "required": ["alerts"],
        "properties": {
            "version": {"type": "string", "default": "4"},
            "status": {"type": "string"},
            "receiver": {"type": "string"},
            "alerts": alerts,
        },
    }
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _metrics(request: Request) -> WebhookMetrics:
    metrics: WebhookMetrics = request.app.state.webhook_metrics
    return metrics


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse the call unless it carries the webhook's bearer token (before the body is read)."""
    expected: str | None = request.app.state.webhook_token
    given = credentials.credentials if credentials else ""
    if not expected:
        _metrics(request).calls.labels(CallOutcome.UNAUTHORIZED.value).inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the webhook is disabled: set FTW_WEBHOOK_TOKEN on the engine",
            headers=CHALLENGE,
        )
    if not same_token(given, expected):
        _metrics(request).calls.labels(CallOutcome.UNAUTHORIZED.value).inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong bearer token", headers=CHALLENGE
        )


def same_token(given: str, expected: str) -> bool:
    """Compare two tokens in constant time; digests first, so not even the length leaks."""
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


def parse_payload(body: bytes) -> AlertmanagerPayload:
    """Return a body's top level; refuse it with 400 if not JSON, 422 if not its shape."""
    # Invalid UTF-8 inside a string becomes lone surrogates: that alert alone is rejected.
    text = body.decode("utf-8", errors="surrogateescape")
    try:
        data = json.loads(text)
    except RecursionError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body nests too deeply") from None
    except ValueError as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"the body is not JSON: {_first_line(error)}"
        ) from None
    try:
        return AlertmanagerPayload.model_validate(data)
    except ValidationError as error:
        errors = error.errors(include_input=False, include_url=False, include_context=False)
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in errors]
        ) from None


def _first_line(error: ValueError) -> str:
    return (str(error).splitlines() or [""])[0][:200]


def queue(context: Context, body: bytes) -> tuple[Examined, datetime | None]:
    """Read a body, judge each alert, queue the valid ones in one transaction.

    Return what was judged, and when a firing watchdog was recorded (None: it was not).
    """

    def group_by(service: str, slo: str) -> list[str] | None:
        entry = context.catalog.find(service, slo)
        return None if entry is None else list(entry.slo.group_by)

    examined = examine(parse_payload(body))
    now = context.clock()
    found = notifications(examined.accepted, received_at=now, group_by=group_by)
    if found:
        cast(Enqueuer, context.store).enqueue(found)
    if not examined.watchdog_firing:
        return examined, None
    cast(WatchdogRecorder, context.store).record_watchdog(now)
    return examined, now


@router.post(
    "/alertmanager",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookAnswer,
    dependencies=[Depends(require_token)],
    openapi_extra={"requestBody": request_body_schema()},
    responses={
        400: doc(ErrorBody, "The body is not JSON"),
        **TOO_LARGE,
        422: {
            "description": "The body is not Alertmanager's payload at the top level "
            "(an object with an `alerts` array)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
            },
        },
    },
)
async def alertmanager(request: Request, context: ContextDep) -> WebhookAnswer:
    """Queue Alertmanager's alerts for routing; SLO tiers merge with the engine's own.

    Each alert is judged on its own: the valid ones are queued, the others are listed under
    `rejected` with their index and reason, and counted in
    `ftw_observe_webhook_alerts_rejected_total{reason}`. The watchdog `FTWObserveWatchdog`
    is recorded as proof that the chain works and counted in
    `ftw_observe_webhook_watchdogs_total`; it is never routed.
    """
    metrics = _metrics(request)
    limit: int = request.app.state.webhook_max_bytes
    try:
        body = await read_body(request, limit)
    except HTTPException:
        metrics.calls.labels(CallOutcome.TOO_LARGE.value).inc()
        log.warning("alertmanager webhook: refused a body over %d bytes", limit)
        raise
    try:
        # Parsing a megabyte of JSON takes milliseconds: off the event loop, with the store.
        examined, watchdog_at = await run_in_threadpool(queue, context, body)
    except (HTTPException, RequestValidationError):
        metrics.calls.labels(CallOutcome.MALFORMED.value).inc()
        log.warning("alertmanager webhook: refused a body that is not Alertmanager's JSON")
        raise
    metrics.calls.labels(CallOutcome.ACCEPTED.value).inc()
    for reason, count in examined.rejected_by_reason.items():
        metrics.rejected.labels(reason.value).inc(count)
    metrics.watchdogs.inc(len(examined.watchdogs))
    if watchdog_at is not None:
        metrics.watchdog_seen(watchdog_at)
    summary = describe(examined)
    if examined.rejected:
        log.warning("alertmanager webhook: rejected alerts: %s", summary)
    elif examined.accepted or not examined.watchdogs:
        log.info("alertmanager webhook: %s", summary)
    else:
        log.debug("alertmanager webhook: %s", summary)  # the watchdog, every minute
    return WebhookAnswer(
        accepted=len(examined.accepted),
        rejected_count=examined.rejected_count,
        rejected=[
            RejectedAlert(index=item.index, reason=item.reason, detail=item.detail)
            for item in examined.rejected
        ],
        watchdogs=len(examined.watchdogs),
    )
