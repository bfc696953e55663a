"""What the generator sends and what it gets back: plain data, no I/O."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ActionKind(enum.Enum):
    """One kind of request, tied to its method and route template.

    Usage::

        ActionKind.BID.route_key  # "POST /api/jobs/{job_id}/bids"
    """

    LIST_JOBS = "list_jobs"
    GET_JOB = "get_job"
    GET_ME = "get_me"
    LIST_PAYOUTS = "list_payouts"
    POST_JOB = "post_job"
    BID = "bid"
    LIST_BIDS = "list_bids"
    ACCEPT = "accept"
    MESSAGE = "message"
    LIST_MESSAGES = "list_messages"
    COMPLETE = "complete"
    CANCEL = "cancel"
    INVOICE = "invoice"
    PAYOUT = "payout"
    GET_PAYOUT = "get_payout"

    @property
    def method(self) -> str:
        """Return the HTTP method."""
        return _ROUTES[self][0]

    @property
    def route(self) -> str:
        """Return the route template, as the server labels it."""
        return _ROUTES[self][1]

    @property
    def route_key(self) -> str:
        """Return 'METHOD /template', the key of per-route stats and hourly limits."""
        method, route = _ROUTES[self]
        return f"{method} {route}"


_ROUTES: dict[ActionKind, tuple[str, str]] = {
    ActionKind.LIST_JOBS: ("GET", "/api/jobs"),
    ActionKind.GET_JOB: ("GET", "/api/jobs/{job_id}"),
    ActionKind.GET_ME: ("GET", "/api/me"),
    ActionKind.LIST_PAYOUTS: ("GET", "/api/payouts"),
    ActionKind.POST_JOB: ("POST", "/api/jobs"),
    ActionKind.BID: ("POST", "/api/jobs/{job_id}/bids"),
    ActionKind.LIST_BIDS: ("GET", "/api/jobs/{job_id}/bids"),
    ActionKind.ACCEPT: ("POST", "/api/bids/{bid_id}/accept"),
    ActionKind.MESSAGE: ("POST", "/api/jobs/{job_id}/messages"),
    ActionKind.LIST_MESSAGES: ("GET", "/api/jobs/{job_id}/messages"),
    ActionKind.COMPLETE: ("POST", "/api/jobs/{job_id}/complete"),
    ActionKind.CANCEL: ("POST", "/api/jobs/{job_id}/cancel"),
    ActionKind.INVOICE: ("POST", "/api/invoices"),
    ActionKind.PAYOUT: ("POST", "/api/payouts"),
    ActionKind.GET_PAYOUT: ("GET", "/api/payouts/{payout_id}"),
}

BROWSE_KINDS = frozenset(
    {ActionKind.LIST_JOBS, ActionKind.GET_JOB, ActionKind.GET_ME, ActionKind.LIST_PAYOUTS}
)


class Role(enum.StrEnum):
    """Marketplace role of a simulated user."""

    HOMEOWNER = "homeowner"
    CONTRACTOR = "contractor"


@dataclass(frozen=True)
class Actor:
    """A user the generator created for this run; the key never shows in a repr.

    Usage::

        actor = Actor(0, user_id=42, role=Role.HOMEOWNER, tier="pro", api_key=key)
        actor.identity  # "user:42"
    """

    index: int
    user_id: int
    role: Role
    tier: str
    api_key: str = field(repr=False)

    @property
    def identity(self) -> str:
        """Return the key the server counts this user's limits against."""
        return f"user:{self.user_id}"


ANONYMOUS_IDENTITY = "anonymous"
ANONYMOUS_TIER = "anonymous"


@dataclass(frozen=True)
class Action:
    """One request to send, with the flow it belongs to, if any.

    Usage::

        action = Action(ActionKind.GET_JOB, "/api/jobs/7", actor=None)
        action.route_key  # "GET /api/jobs/{job_id}"
    """

    kind: ActionKind
    path: str
    actor: Actor | None
    params: Mapping[str, str | int] | None = None
    body: Mapping[str, Any] | None = None
    flow_id: int | None = None

    @property
    def route_key(self) -> str:
        """Return 'METHOD /template' of this request."""
        return self.kind.route_key

    @property
    def identity(self) -> str:
        """Return who the server counts this request against."""
        return self.actor.identity if self.actor else ANONYMOUS_IDENTITY

    @property
    def tier(self) -> str:
        """Return the rate-limit tier the request is sent in."""
        return self.actor.tier if self.actor else ANONYMOUS_TIER


@dataclass(frozen=True)
class Outcome:
    """What came back: an HTTP status and body, or the name of a transport error.

    Usage::

        Outcome(None, error="timeout").label  # "timeout"
        Outcome(503, retry_after_seconds=30).retryable  # True
    """

    status: int | None
    body: Any = None
    error: str | None = None
    retry_after_seconds: float | None = None
    limit: str | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the request succeeded (2xx)."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_error(self) -> bool:
        """Tell whether the request counts as an error: no answer, or 4xx/5xx."""
        return self.status is None or self.status >= 400

    @property
    def label(self) -> str:
        """Return the status code as text, or the transport error's name."""
        return str(self.status) if self.status is not None else (self.error or "error")

    @property
    def retryable(self) -> bool:
        """Tell whether the same step may succeed later: no answer, 429 or 5xx."""
        return self.status is None or self.status == 429 or self.status >= 500
