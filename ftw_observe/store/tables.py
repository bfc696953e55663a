"""SQLAlchemy models of the engine's own tables, in their own metadata.

The tables may share a database with the marketplace's; every name starts with `ftw_observe_`
so the two schemas (and their Alembic version tables) never collide.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PREFIX = "ftw_observe_"
VERSION_TABLE = "ftw_observe_alembic_version"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Declarative base of every table of the engine's store."""

    metadata = metadata


def include_name(name: str | None, type_: str, _parent_names: Any = None) -> bool:
    """Tell Alembic which reflected tables are ours: `ftw_observe_*`, minus the version table."""
    if type_ != "table":
        return True
    return name is not None and name.startswith(PREFIX) and name != VERSION_TABLE


_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only
# Outbox rows on their way to a receiver: waiting to be routed or delivered, or being sent.
ACTIVE_OUTBOX = text("state IN ('pending', 'sending')")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back as an aware UTC datetime, on either backend.

    SQLite keeps no time zone, so a naive value read back is UTC; a naive value written is
    refused, since nothing says which zone it meant.

    Usage::

        at: Mapped[datetime] = mapped_column(UTCDateTime())
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware datetime in UTC; refuse a naive one."""
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return a stored timestamp as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Snapshot(Base):
    """One evaluation of one SLO instance: every cycle, then one per 5 minutes once older."""

    __tablename__ = "ftw_observe_snapshots"
    __table_args__ = (
        Index(
            "ix_ftw_observe_snapshots_instance_time", "service", "slo", "instance", "evaluated_at"
        ),
        Index("ix_ftw_observe_snapshots_resolution_time", "resolution", "evaluated_at"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    slo: Mapped[str] = mapped_column(String(200))
    instance: Mapped[str] = mapped_column(Text)
    group_labels: Mapped[list[list[str]]] = mapped_column(JSON)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[float] = mapped_column(Float)
    period_seconds: Mapped[int] = mapped_column(Integer)
    sli: Mapped[float | None] = mapped_column(Float, nullable=True)
    errors: Mapped[float | None] = mapped_column(Float, nullable=True)
    events: Mapped[float | None] = mapped_column(Float, nullable=True)
    remaining: Mapped[float | None] = mapped_column(Float, nullable=True)
    remaining_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds_to_exhaustion: Mapped[float | None] = mapped_column(Float, nullable=True)
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(Text)
    coverage: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolution: Mapped[str] = mapped_column(String(8))  # "cycle" or "5m"


class AlertStateRow(Base):
    """The current state of one alert (SLO instance and tier)."""

    __tablename__ = "ftw_observe_alert_states"

    service: Mapped[str] = mapped_column(String(200), primary_key=True)
    slo: Mapped[str] = mapped_column(String(200), primary_key=True)
    instance: Mapped[str] = mapped_column(Text, primary_key=True)
    tier: Mapped[str] = mapped_column(String(200), primary_key=True)
    group_labels: Mapped[list[list[str]]] = mapped_column(JSON)
    phase: Mapped[str] = mapped_column(String(16))
    active_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertEvent(Base):
    """An alert that fired or resolved: the history SREs review, with the state it reached."""

    __tablename__ = "ftw_observe_alert_events"
    __table_args__ = (Index("ix_ftw_observe_alert_events_service_slo_at", "service", "slo", "at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    slo: Mapped[str] = mapped_column(String(200))
    instance: Mapped[str] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(String(200))
    group_labels: Mapped[list[list[str]]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))  # firing or resolved
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    phase: Mapped[str] = mapped_column(String(16))
    active_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)


class OutboxRow(Base):
    """A notification waiting for delivery, being delivered, delivered or given up on."""

    __tablename__ = "ftw_observe_outbox"
    __table_args__ = (
        Index("ix_ftw_observe_outbox_dedup_key", "dedup_key"),
        Index("ix_ftw_observe_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        # The oldest notification still on its way, read every cycle: only those rows.
        Index(
            "ix_ftw_observe_outbox_active_created_at",
            "created_at",
            postgresql_where=ACTIVE_OUTBOX,
            sqlite_where=ACTIVE_OUTBOX,
        ),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # trigger or resolve
    source: Mapped[str] = mapped_column(String(32))  # engine or alertmanager
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # pending, sending, sent or rejected
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    receiver: Mapped[str | None] = mapped_column(String(64), nullable=True)
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class EngineHealthRow(Base):
    """The engine's health, in a single row with id 1."""

    __tablename__ = "ftw_observe_engine_health"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_cycle_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    prometheus_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    prometheus_unreachable_since: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True
    )


class WatchdogRow(Base):
    """When Alertmanager's watchdog last reached any replica, in a single row with id 1."""

    __tablename__ = "ftw_observe_watchdog"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LeaseRow(Base):
    """Who holds a named lease, and until when."""

    __tablename__ = "ftw_observe_leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SilenceRow(Base):
    """A silence or maintenance window: matchers, who set it, why, and when it mutes."""

    __tablename__ = "ftw_observe_silences"
    __table_args__ = (Index("ix_ftw_observe_silences_ends_at", "ends_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matchers: Mapped[list[str]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IncidentRow(Base):
    """An incident: the alerts it gathers, which sources fire them, and who was paged.

    `dedup_key` is what receivers were given; `group_key` names the alerts it gathers (a
    service's pages, an SLO instance's tickets), so that a lookup finds an incident whatever
    key it was opened under.
    """

    __tablename__ = "ftw_observe_incidents"
    __table_args__ = (Index("ix_ftw_observe_incidents_group_key", "group_key"),)

    dedup_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    group_key: Mapped[str] = mapped_column(String(512))
    state: Mapped[str] = mapped_column(String(16))  # open, muted, tail or closed
    # alert dedup key -> {sources: {source: firing | resolved}, labels, annotations, tail_until}
    members: Mapped[dict[str, Any]] = mapped_column(JSON)
    receivers: Mapped[list[str]] = mapped_column(JSON)  # who got the trigger
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    muted_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolves_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewRow(Base):
    """One scheduled budget review: claimed once, by one replica, with its report page."""

    __tablename__ = "ftw_observe_reviews"

    # The scheduled time the review is for: the key that makes a second claim fail.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replica: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
