"""Request and response bodies of the API.

Amounts are whole cents and identifiers whole numbers, both JSON integers: a request that
sends `true`, `"100"` or `1.5` for one is refused (422) rather than read as 1, 100 or 1.
(`100.0` is the integer 100 in JSON, as JSON Schema has it.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from marketplace.api.pagination import MAX_ID
from marketplace.db.models import TERRITORY_COUNT, BidStatus, JobStatus, PayoutStatus, Role

T = TypeVar("T")


def _json_integer(value: object) -> object:
    """Refuse what JSON does not call an integer before pydantic would coerce it."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer, not a boolean or a string")
    return value


# An int from JSON: true/false and strings are refused, not read as 1/0 or parsed.
JSONInteger = Annotated[int, BeforeValidator(_json_integer)]

MAX_CENTS = 10_000_000_000


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None


class UserCreate(BaseModel):
    """A user an operator registers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    # An explicit class, not \s: Python and JSON Schema validators disagree on what \s is.
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@ \t\r\n]+@[^@ \t\r\n]+$")
    role: Literal["homeowner", "contractor"]
    tier: Literal["authenticated", "pro"] = "authenticated"


class UserOut(BaseModel):
    """A user as others see them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    role: Role
    tier: str
    created_at: datetime


class UserCreated(BaseModel):
    """A new user and their API key, shown only this once."""

    user: UserOut
    api_key: str


class JobCreate(BaseModel):
    """A job a homeowner posts."""

    model_config = ConfigDict(extra="forbid")

    territory_id: JSONInteger = Field(ge=1, le=TERRITORY_COUNT)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    budget_cents: JSONInteger = Field(gt=0, le=MAX_CENTS)


class JobOut(BaseModel):
    """A job and where it is in its lifecycle."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    homeowner_id: int
    territory_id: int
    title: str
    description: str
    budget_cents: int
    status: JobStatus
    posted_at: datetime
    first_bid_at: datetime | None
    awarded_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    awarded_bid_id: int | None


class BidCreate(BaseModel):
    """A contractor's offer."""

    model_config = ConfigDict(extra="forbid")

    amount_cents: JSONInteger = Field(gt=0, le=MAX_CENTS)
    message: str = Field(default="", max_length=2000)


class BidOut(BaseModel):
    """A bid on a job."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: int
    contractor_id: int
    amount_cents: int
    message: str
    status: BidStatus
    created_at: datetime
    accepted_at: datetime | None


class InvoiceCreate(BaseModel):
    """An invoice for a completed job."""

    model_config = ConfigDict(extra="forbid")

    job_id: JSONInteger = Field(ge=1, le=MAX_ID)
    amount_cents: JSONInteger = Field(gt=0, le=MAX_CENTS)


class InvoiceOut(BaseModel):
    """An invoice."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: int
    contractor_id: int
    homeowner_id: int
    amount_cents: int
    created_at: datetime


class PayoutCreate(BaseModel):
    """A payout request for an invoice."""

    model_config = ConfigDict(extra="forbid")

    invoice_id: JSONInteger = Field(ge=1, le=MAX_ID)


class PayoutOut(BaseModel):
    """A payout and its outcome."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    invoice_id: int
    contractor_id: int
    amount_cents: int
    status: PayoutStatus
    failure_reason: str | None
    requested_at: datetime
    paid_at: datetime | None
    failed_at: datetime | None


class MessageCreate(BaseModel):
    """A message about a job."""

    model_config = ConfigDict(extra="forbid")

    recipient_id: JSONInteger = Field(ge=1, le=MAX_ID)
    body: str = Field(min_length=1, max_length=5000)


class MessageOut(BaseModel):
    """A message."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: int
    sender_id: int
    recipient_id: int
    body: str
    created_at: datetime


class RouteFaultIn(BaseModel):
    """A fault to inject into one route template, or '*' for every route."""

    model_config = ConfigDict(extra="forbid")

    route: str = Field(min_length=1, max_length=200)
    error_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=500, ge=400, le=599)
    latency_seconds: float = Field(default=0.0, ge=0.0, le=60.0)


class PaymentOutageIn(BaseModel):
    """Start or end a simulated payment-provider outage."""

    model_config = ConfigDict(extra="forbid")

    outage: bool


class FaultsOut(BaseModel):
    """Every fault in force."""

    routes: list[RouteFaultIn]
    payment_provider_outage: bool


class DependencyStatus(BaseModel):
    """Whether one dependency answered the readiness probe."""

    status: Literal["ok", "down", "not_configured"]
    detail: str | None = None
    latency_seconds: float | None = None


class Readiness(BaseModel):
    """Readiness of the process and each dependency."""

    status: Literal["ready", "not_ready"]
    dependencies: dict[str, DependencyStatus]
