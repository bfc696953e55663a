"""The engine's store: one object for every read and write the engine and its API make."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from ftw_observe.matching.silences import Silence
from ftw_observe.model import (
    AlertKey,
    AlertState,
    EngineHealth,
    Evaluation,
    Incident,
    InstanceKey,
    Notification,
    OutboxBacklog,
    OutboxItem,
    SentItem,
    Transition,
)
from ftw_observe.store import alerts, outbox, reviews, snapshots, watchdog
from ftw_observe.store import silences as silence_rows
from ftw_observe.store.notifications import NotificationStore
from ftw_observe.store.report_reads import ReportReads
from ftw_observe.store.retention import Retention
from ftw_observe.store.retention import prune as apply_retention


class Store:
    """Persist evaluations, alert states and history, the outbox and the engine's health.

    Every method runs in its own transaction; `save_cycle` writes a whole cycle atomically.
    Notifications enter the outbox with `save_cycle` or `enqueue`; routing and delivery claim
    and settle them through `notifications`, the outbox's bookkeeping. The constructor does
    no I/O.

    Usage::

        store = Store(make_store_engine(os.environ["DATABASE_URL"]))
        store.save_cycle(evaluations=evaluations, states=states, transitions=transitions,
                         notifications=notifications, health=EngineHealth(last_cycle_at=now))
        for item in store.notifications.claim(now, limit=50, routed=False):
            ...  # route it: see NotificationStore
        store.outbox_depth()  # what waits to be routed or delivered
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.notifications = NotificationStore(engine)

    def save_cycle(
        self,
        *,
        evaluations: Iterable[Evaluation],
        states: Iterable[AlertState],
        transitions: Iterable[Transition],
        notifications: Iterable[Notification],
        health: EngineHealth,
    ) -> None:
        """Write one evaluation cycle in one transaction: all of it, or nothing."""
        with self.engine.begin() as connection:
            snapshots.insert_evaluations(connection, evaluations)
            alerts.upsert_states(connection, states)
            alerts.insert_transitions(connection, transitions)
            outbox.insert_notifications(connection, notifications)
            alerts.save_health(connection, health)

    def alert_states(self) -> dict[AlertKey, AlertState]:
        """Return the state of every alert."""
        with self.engine.connect() as connection:
            return alerts.states(connection)

    def latest_evaluations(self) -> list[Evaluation]:
        """Return the newest evaluation of every SLO instance."""
        with self.engine.connect() as connection:
            return snapshots.latest(connection)

    def history(
        self,
        key: InstanceKey,
        *,
        since: datetime,
        until: datetime | None = None,
        max_points: int | None = None,
    ) -> list[Evaluation]:
        """Return an instance's evaluations from `since` to `until`, oldest first, thinned."""
        with self.engine.connect() as connection:
            return snapshots.history(
                connection, key, since=since, until=until, max_points=max_points
            )

    def alert_events(
        self,
        *,
        service: str | None = None,
        slo: str | None = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[Transition]:
        """Return alert transitions, newest first."""
        with self.engine.connect() as connection:
            return alerts.events(connection, service=service, slo=slo, since=since, limit=limit)

    @contextmanager
    def report_reads(self) -> Iterator[ReportReads]:
        """Yield the report's read model over one connection, closed afterwards."""
        with self.engine.connect() as connection:
            yield ReportReads(connection)

    def health(self) -> EngineHealth:
        """Return the engine's health as last saved."""
        with self.engine.connect() as connection:
            return alerts.health(connection)

    def enqueue(
        self, notifications: Iterable[Notification], *, receiver: str | None = None
    ) -> None:
        """Add notifications to the outbox in their own transaction (the webhook's path)."""
        with self.engine.begin() as connection:
            outbox.insert_notifications(connection, notifications, receiver)

    def outbox_depth(self) -> int:
        """Return how many notifications are pending or being sent."""
        with self.engine.connect() as connection:
            return outbox.depth(connection)

    def outbox_backlog(self) -> OutboxBacklog:
        """Return how many notifications are on their way and since when the oldest waits."""
        with self.engine.connect() as connection:
            return outbox.backlog(connection)

    def record_watchdog(self, at: datetime) -> None:
        """Record that Alertmanager's watchdog reached this replica at `at`."""
        with self.engine.begin() as connection:
            watchdog.record(connection, at)

    def watchdog_received_at(self) -> datetime | None:
        """Return when the watchdog last reached any replica, or None if it never did."""
        with self.engine.connect() as connection:
            return watchdog.received_at(connection)

    def pages_opened(self, since: datetime, until: datetime) -> dict[str, int]:
        """Return how many outages paged each service in [since, until)."""
        with self.engine.connect() as connection:
            return reviews.pages_opened(connection, since, until)

    def review_claimed(self, due_at: datetime) -> bool:
        """Tell whether the budget review scheduled at `due_at` was already claimed."""
        with self.engine.connect() as connection:
            return reviews.claimed(connection, due_at)

    def claim_review(
        self,
        *,
        due_at: datetime,
        now: datetime,
        replica: str,
        html: str,
        notifications: Iterable[Notification],
    ) -> bool:
        """Claim the review scheduled at `due_at` and queue its message, once; tell if it was."""
        try:
            with self.engine.begin() as connection:
                reviews.claim(
                    connection,
                    due_at=due_at,
                    now=now,
                    replica=replica,
                    html=html,
                    notifications=notifications,
                )
        except IntegrityError:
            return False  # another replica, or this one before a restart, claimed it first
        return True

    def latest_review_html(self) -> str | None:
        """Return the HTML report of the newest budget review, or None before the first."""
        with self.engine.connect() as connection:
            return reviews.latest_html(connection)

    def rejected(self, limit: int = 100) -> list[OutboxItem]:
        """Return notifications given up on, newest first."""
        with self.engine.connect() as connection:
            return outbox.rejected(connection, limit)

    def sent(
        self,
        *,
        since: datetime | None = None,
        dedup_key_prefix: str | None = None,
        limit: int = 100,
    ) -> list[SentItem]:
        """Return notifications delivered to a receiver, newest first (routed rows only)."""
        with self.engine.connect() as connection:
            return outbox.sent(
                connection, since=since, dedup_key_prefix=dedup_key_prefix, limit=limit
            )

    def firing_alerts(self) -> list[Incident]:
        """Return the incidents some alert of which fires, muted or not (the router's view)."""
        return [incident for incident in self.notifications.firing() if incident.firing]

    def prune(self, *, now: datetime, retention: Retention) -> int:
        """Apply retention and 5-minute downsampling in one transaction; count deleted rows."""
        with self.engine.begin() as connection:
            return apply_retention(connection, now=now, retention=retention)

    def add_silence(self, silence: Silence, announcements: Iterable[Notification] = ()) -> None:
        """Store a new silence (or maintenance window) and queue its announcements, atomically."""
        with self.engine.begin() as connection:
            silence_rows.insert_silence(connection, silence)
            outbox.insert_notifications(connection, announcements)

    def silences(self, *, now: datetime, include_expired: bool = False) -> list[Silence]:
        """Return the silences active or pending at `now` (every one with include_expired)."""
        with self.engine.connect() as connection:
            return silence_rows.silences(connection, now=now, include_expired=include_expired)

    def silence(self, silence_id: str) -> Silence | None:
        """Return one silence by id, or None."""
        with self.engine.connect() as connection:
            return silence_rows.get_silence(connection, silence_id)

    def expire_silence(self, silence_id: str, at: datetime) -> Silence | None:
        """Expire a silence at `at` and return it; None when there is no such id."""
        with self.engine.begin() as connection:
            return silence_rows.expire_silence(connection, silence_id, at)
