"""Alertmanager's webhook: Prometheus-evaluated alerts join the engine's outbox."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel

from ftw_observe.api.deps import ContextDep
from ftw_observe.api.schemas import ErrorBody, doc
from ftw_observe.model import Notification
from ftw_observe.notify.alertmanager import AlertmanagerPayload, describe, notifications

log = logging.getLogger("ftw_observe.webhook")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ftw-observe"'}

router = APIRouter(
    prefix="/api/webhooks",
    tags=["webhooks"],
    responses={
        401: doc(ErrorBody, "Missing or wrong bearer token (FTW_WEBHOOK_TOKEN)"),
        503: doc(ErrorBody, "The store's database does not answer"),
    },
)


class Accepted(BaseModel):
    """How many alerts of a webhook call were queued."""

    accepted: int


class Enqueuer(Protocol):
    """What the webhook needs of the store."""

    def enqueue(
        self, notifications: Iterable[Notification], *, receiver: str | None = None
    ) -> None:
        """Add notifications to the outbox."""
        ...


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Refuse the call unless it carries the webhook's bearer token (checked before the body)."""
    expected: str | None = request.app.state.webhook_token
    scheme, _, given = (authorization or "").partition(" ")
    if not expected:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the webhook is disabled: set FTW_WEBHOOK_TOKEN on the engine",
            headers=CHALLENGE,
        )
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong bearer token", headers=CHALLENGE
        )


@router.post(
    "/alertmanager",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    dependencies=[Depends(require_token)],
)
def alertmanager(payload: AlertmanagerPayload, context: ContextDep) -> Accepted:
    """Queue Alertmanager's alerts for routing; SLO tiers merge with the engine's own."""

    def group_by(service: str, slo: str) -> list[str] | None:
        entry = context.catalog.find(service, slo)
        return None if entry is None else list(entry.slo.group_by)

    found = notifications(payload, received_at=context.clock(), group_by=group_by)
    cast(Enqueuer, context.store).enqueue(found)
    log.info("alertmanager webhook: %s", describe(payload))
    return Accepted(accepted=len(found))
