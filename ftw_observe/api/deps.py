"""What every route needs: the store, the specs, the runtime status, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Protocol

from fastapi import Depends, Request

from ftw_observe.api.catalog import Catalog
from ftw_observe.engine.runtime_status import RuntimeStatus
from ftw_observe.model import (
    AlertKey,
    AlertState,
    EngineHealth,
    Evaluation,
    InstanceKey,
    Transition,
)


class StoreReader(Protocol):
    """What the API reads from the store (ftw_observe.store.repository.Store)."""

    def latest_evaluations(self) -> list[Evaluation]:
        """Return the newest evaluation of every instance."""
        ...

    def history(
        self,
        key: InstanceKey,
        *,
        since: datetime,
        until: datetime | None = None,
        max_points: int | None = None,
    ) -> list[Evaluation]:
        """Return an instance's evaluations in a time range, oldest first."""
        ...

    def alert_states(self) -> dict[AlertKey, AlertState]:
        """Return every alert's current state."""
        ...

    def alert_events(
        self,
        *,
        service: str | None = None,
        slo: str | None = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[Transition]:
        """Return alert transitions, newest first."""
        ...

    def health(self) -> EngineHealth:
        """Return the engine's persisted health."""
        ...

    def outbox_depth(self) -> int:
        """Return how many notifications wait in the outbox."""
        ...

    def latest_review_html(self) -> str | None:
        """Return the HTML report of the newest budget review, or None before the first."""
        ...


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    """The app's collaborators, kept on `app.state.context`."""

    store: StoreReader
    catalog: Catalog
    status: Callable[[], RuntimeStatus]
    clock: Callable[[], datetime] = utcnow


def get_context(request: Request) -> Context:
    """Return the app's context."""
    context: Context = request.app.state.context
    return context


ContextDep = Annotated[Context, Depends(get_context)]
