"""SQLAlchemy models of the marketplace domain."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TERRITORY_COUNT = 254


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every marketplace table."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp always stored in UTC and always read back as an aware UTC datetime.

    SQLite has no time zones; without this it would hand back naive datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC before it is stored."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to timestamps read from databases that drop the zone; convert the rest."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Role(enum.StrEnum):
    """What a user does on the marketplace."""

    HOMEOWNER = "homeowner"
    CONTRACTOR = "contractor"
    OPERATOR = "operator"


class JobStatus(enum.StrEnum):
    """Lifecycle of a job: posted, then awarded, then completed; or cancelled."""

    POSTED = "posted"
    AWARDED = "awarded"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class BidStatus(enum.StrEnum):
    """Lifecycle of a bid."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class PayoutStatus(enum.StrEnum):
    """Lifecycle of a payout: requested, then paid or failed."""

    REQUESTED = "requested"
    PAID = "paid"
    FAILED = "failed"


class User(Base):
    """A homeowner, contractor or operator, authenticated by an API key."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    tier: Mapped[str] = mapped_column(String(16), default="authenticated")
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKeyGeneration(Base):
    """One row counting changes to users: a database trigger adds one on every change.

    Workers that cache API keys compare it now and then and forget their keys when it moved,
    however the change was made (the API, `seed`, or SQL by hand).
    """

    __tablename__ = "api_key_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


class Job(Base):
    """Work a homeowner posts in one territory for contractors to bid on."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"territory_id BETWEEN 1 AND {TERRITORY_COUNT}", name="ck_jobs_territory"),
        Index("ix_jobs_territory_status_id", "territory_id", "status", "id"),
        Index("ix_jobs_status_id", "status", "id"),
        Index("ix_jobs_posted_at", "posted_at"),
        Index("ix_jobs_updated_at", "updated_at"),
        Index("ix_jobs_homeowner_id", "homeowner_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    homeowner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    territory_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_bid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    awarded_bid_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bid(Base):
    """A contractor's offer on a job; one per contractor per job."""

    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("job_id", "contractor_id", name="uq_bids_job_contractor"),
        Index("ix_bids_job_id", "job_id"),
        Index("ix_bids_created_at", "created_at"),
        Index("ix_bids_contractor_created_at", "contractor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BidStatus] = mapped_column(_enum(BidStatus, "bid_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Invoice(Base):
    """What the homeowner owes the awarded contractor for a completed job."""

    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), unique=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    homeowner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Payout(Base):
    """Money sent to a contractor for an invoice through the payment provider."""

    __tablename__ = "payouts"
    __table_args__ = (
        Index("ix_payouts_status_requested_at", "status", "requested_at"),
        Index("ix_payouts_updated_at", "updated_at"),
        Index("ix_payouts_invoice_id", "invoice_id"),
        Index("ix_payouts_contractor_id", "contractor_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PayoutStatus] = mapped_column(_enum(PayoutStatus, "payout_status"))
    failure_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Message(Base):
    """A message between a job's homeowner and a contractor."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_job_id_id", "job_id", "id"),
        Index("ix_messages_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RouteFault(Base):
    """A fault injected into one route template (or '*' for every route) during a drill."""

    __tablename__ = "route_faults"

    route: Mapped[str] = mapped_column(String(200), primary_key=True)
    error_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    error_status: Mapped[int] = mapped_column(Integer, default=500)
    latency_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DependencyOutage(Base):
    """A simulated outage of an external dependency (the payment provider) during a drill."""

    __tablename__ = "dependency_outages"

    dependency: Mapped[str] = mapped_column(String(64), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
