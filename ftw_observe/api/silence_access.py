"""Who may change silences, and the limits a new silence must keep.

Silence writes always need a key: with no token configured the API refuses them and says how
to configure one; a missing or wrong token is a 401. Nothing here logs a token.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Header, HTTPException, Request, status

from ftw_observe.matching.silences import MAX_DURATION

AUTH_VARIABLE = "FTW_API_TOKEN"
MAX_DURATION_VARIABLE = "FTW_SILENCE_MAX_DURATION"
CHALLENGE = {"WWW-Authenticate": "Bearer"}
NOT_CONFIGURED = (
    f"silences are read-only: this engine has no API token. Set {AUTH_VARIABLE} in the "
    "engine's environment (ftw-observe serve; make demo writes one to .ftw/api-token) and "
    f"send it as Authorization: Bearer <token>; ftw-observe silence reads {AUTH_VARIABLE} "
    "or .ftw/api-token"
)
WRONG_TOKEN = f"send Authorization: Bearer <{AUTH_VARIABLE}> to change silences"


@dataclass(frozen=True)
class SilenceRules:
    """The API token, the longest silence, and the alerts a silence is judged against.

    Usage::

        app.state.silence_rules = SilenceRules(token, timedelta(days=7), alert_catalogue(specs))
    """

    token: str | None = field(default=None, repr=False)
    max_duration: timedelta = MAX_DURATION
    alerts: tuple[Mapping[str, str], ...] = ()


def rules_of(request: Request) -> SilenceRules:
    """Return the app's silence rules (no token, the default limit, no catalogue if unset)."""
    rules = getattr(request.app.state, "silence_rules", None)
    return rules if isinstance(rules, SilenceRules) else SilenceRules()


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Refuse a write unless the engine has a token and the request carries it."""
    expected = rules_of(request).token
    if not expected:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_CONFIGURED)
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, WRONG_TOKEN, headers=CHALLENGE)
