"""Notifications: the outbox's depth and the deliveries receivers refused for good."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ftw_observe.api.deps import ContextDep
from ftw_observe.api.schemas import STORE_DOWN
from ftw_observe.store.outbox import OutboxItem

router = APIRouter(prefix="/api/notifications", tags=["notifications"], responses=STORE_DOWN)


class RejectedOut(BaseModel):
    """A notification a receiver refused for good: it will not be retried."""

    id: int
    dedup_key: str
    kind: str
    receiver: str | None
    attempts: int
    error: str | None = Field(description="The receiver's answer, e.g. channel_not_found")
    rejected_at: datetime | None
    summary: str | None = Field(description="The alert's summary annotation")


class OutboxOut(BaseModel):
    """What waits in the outbox, and what was given up on."""

    depth: int = Field(description="Notifications pending or being delivered")
    rejected: list[RejectedOut]


class NotificationReader(Protocol):
    """What this router needs of the store."""

    def outbox_depth(self) -> int:
        """Return how many notifications wait for delivery."""
        ...

    def rejected(self, limit: int = 100) -> list[OutboxItem]:
        """Return rejected notifications, newest first."""
        ...


def _rejected(item: OutboxItem) -> RejectedOut:
    notification = item.notification
    return RejectedOut(
        id=item.id,
        dedup_key=notification.dedup_key,
        kind=notification.kind.value,
        receiver=item.receiver,
        attempts=item.attempts,
        error=item.last_error,
        rejected_at=item.rejected_at,
        summary=notification.annotations.get("summary"),
    )


@router.get("", response_model=OutboxOut)
def outbox(
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many rejected")] = 100,
) -> OutboxOut:
    """Show the outbox depth and the notifications receivers rejected, newest first."""
    store = cast(NotificationReader, context.store)
    return OutboxOut(
        depth=store.outbox_depth(), rejected=[_rejected(item) for item in store.rejected(limit)]
    )
