"""Notifications: the outbox's depth, deliveries receivers refused for good, and who got what."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ftw_observe.api.deps import ContextDep
from ftw_observe.api.params import DIGITS_ONLY, Timestamp
from ftw_observe.api.schemas import STORE_DOWN
from ftw_observe.api.slos import as_utc
from ftw_observe.model import Incident, OutboxItem, SentItem

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


class SentOut(BaseModel):
    """A notification delivered to one receiver (the receiver's own data is never shown)."""

    id: int = Field(description="The outbox row of this delivery")
    dedup_key: str = Field(description="The alert's identity, shared by its trigger and resolve")
    kind: str = Field(description="trigger or resolve")
    receiver: str = Field(description="The receiver it was delivered to, e.g. slack-incidents")
    source: str = Field(description="Who raised it: engine or alertmanager")
    created_at: datetime = Field(description="When the notification was raised")
    sent_at: datetime = Field(description="When the receiver accepted it")
    summary: str | None = Field(description="The alert's summary annotation")
    labels: dict[str, str] = Field(description="The alert's labels")


class SentList(BaseModel):
    """Deliveries to receivers, newest first."""

    sent: list[SentOut]


class FiringOut(BaseModel):
    """An alert some source reports firing, as the router sees it: paged, or muted and why."""

    dedup_key: str = Field(description="The alert's own identity")
    incident: str = Field(
        description="The incident it belongs to: its receivers' dedup key (every page tier "
        "of an SLO instance shares one)"
    )
    state: str = Field(
        description="The incident's: open (receivers were told), muted, or tail (receivers "
        "were told it is over; this alert still clears by itself)"
    )
    muted_by: str | None = Field(description="The silence or inhibiting alert that mutes it")
    sources: dict[str, str] = Field(description="engine / alertmanager: firing or resolved")
    receivers: list[str] = Field(description="Who got the incident's trigger")
    labels: dict[str, str]
    opened_at: datetime | None


class FiringList(BaseModel):
    """Every alert firing now, from the engine and from Alertmanager."""

    firing: list[FiringOut]


class NotificationReader(Protocol):
    """What this router needs of the store."""

    def outbox_depth(self) -> int:
        """Return how many notifications wait for delivery."""
        ...

    def rejected(self, limit: int = 100) -> list[OutboxItem]:
        """Return rejected notifications, newest first."""
        ...

    def sent(
        self,
        *,
        since: datetime | None = None,
        dedup_key_prefix: str | None = None,
        limit: int = 100,
    ) -> list[SentItem]:
        """Return notifications delivered to a receiver, newest first."""
        ...

    def firing_alerts(self) -> list[Incident]:
        """Return the incidents some alert of which fires, muted or not."""
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


def _sent(item: SentItem) -> SentOut:
    notification = item.notification
    return SentOut(
        id=item.id,
        dedup_key=notification.dedup_key,
        kind=notification.kind.value,
        receiver=item.receiver,
        source=notification.source,
        created_at=notification.created_at,
        sent_at=item.sent_at,
        summary=notification.annotations.get("summary"),
        labels=dict(notification.labels),
    )


@router.get("", response_model=OutboxOut)
def outbox(
    context: ContextDep,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="At most this many rejected"), DIGITS_ONLY
    ] = 100,
) -> OutboxOut:
    """Show the outbox depth and the notifications receivers rejected, newest first."""
    store = cast(NotificationReader, context.store)
    return OutboxOut(
        depth=store.outbox_depth(), rejected=[_rejected(item) for item in store.rejected(limit)]
    )


@router.get("/sent", response_model=SentList)
def sent(
    context: ContextDep,
    since: Annotated[
        Timestamp | None, Query(description="Only deliveries from then on (UTC if no zone)")
    ] = None,
    dedup_key_prefix: Annotated[
        str | None, Query(description="Only dedup keys starting with this, taken literally")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many"), DIGITS_ONLY] = 100,
) -> SentList:
    """List notifications delivered to each receiver, newest first."""
    store = cast(NotificationReader, context.store)
    items = store.sent(since=as_utc(since), dedup_key_prefix=dedup_key_prefix, limit=limit)
    return SentList(sent=[_sent(item) for item in items])


@router.get("/firing", response_model=FiringList)
def firing(context: ContextDep) -> FiringList:
    """List the alerts firing now as the router sees them (what inhibition rules consult)."""
    store = cast(NotificationReader, context.store)
    found = [
        FiringOut(
            dedup_key=key,
            incident=incident.dedup_key,
            state=incident.state,
            muted_by=incident.muted_by,
            sources=dict(member.sources),
            receivers=list(incident.receivers),
            labels=dict(member.labels),
            opened_at=incident.opened_at,
        )
        for incident in store.firing_alerts()
        for key, member in incident.firing_members().items()
    ]
    return FiringList(firing=sorted(found, key=lambda alert: alert.dedup_key))
