"""Silences: matchers that mute alerts for a while, with who set them and why.

A maintenance window is a silence whose start lies in the future. Expiring a silence ends it
early (or cancels it before it starts); nothing is ever deleted, so the history stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ftw_observe.durations import format_duration
from ftw_observe.matching.matchers import Matcher, matches_all, parse_matcher
from ftw_observe.matching.text import PROSE_WHITESPACE as PROSE
from ftw_observe.matching.text import TextProblem, first_fault

MAX_REASON = 2000
MAX_AUTHOR = 200
MAX_DURATION = timedelta(days=7)


class SilenceError(ValueError):
    """A silence that cannot be set, and the field (`matchers`, 1) that is wrong."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc, self.message = loc, message


class SilenceState(StrEnum):
    """Where a silence is in its life."""

    PENDING = "pending"  # starts later: a maintenance window ahead
    ACTIVE = "active"
    EXPIRED = "expired"  # ended, or expired by someone


@dataclass(frozen=True)
class Silence:
    """Alerts matching every matcher are muted from `starts_at` until `ends_at`.

    >>> from datetime import UTC, timedelta
    >>> now = datetime(2025, 6, 1, tzinfo=UTC)
    >>> s = new_silence(["service=marketplace"], author="ana", reason="deploy",
    ...                 starts_at=now, ends_at=now + timedelta(hours=2), now=now)
    >>> s.state(now).value, s.matches({"service": "marketplace", "slo": "payout-success"})
    ('active', True)
    """

    id: str
    matchers: tuple[Matcher, ...]
    author: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    expired_at: datetime | None = None

    @property
    def ends(self) -> datetime:
        """Return when it stops muting: its end, or when it was expired if earlier."""
        if self.expired_at is not None and self.expired_at < self.ends_at:
            return self.expired_at
        return self.ends_at

    def state(self, now: datetime) -> SilenceState:
        """Return whether it is pending, active or expired at `now`."""
        if now >= self.ends or self.ends <= self.starts_at:
            return SilenceState.EXPIRED
        return SilenceState.PENDING if now < self.starts_at else SilenceState.ACTIVE

    def is_active(self, now: datetime) -> bool:
        """Tell whether it mutes matching alerts at `now`."""
        return self.state(now) is SilenceState.ACTIVE

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Tell whether an alert with these labels satisfies every matcher."""
        return matches_all(self.matchers, labels)

    def matcher_texts(self) -> list[str]:
        """Return the matchers as text (`service=marketplace`), as stored and shown."""
        return [str(matcher) for matcher in self.matchers]

    def record(self) -> dict[str, Any]:
        """Return its fields as the store keeps them and the API shows them: matchers as text."""
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        return {**values, "matchers": self.matcher_texts()}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Silence:
        """Return the silence a `record` describes; raise SilenceError if its matchers are bad."""
        values = {item.name: record[item.name] for item in fields(cls)}
        return cls(**{**values, "matchers": parse_matchers(list(record["matchers"]))})


def parse_matchers(texts: Sequence[str]) -> tuple[Matcher, ...]:
    """Parse a silence's matchers; raise SilenceError saying which one is wrong and why.

    At least one matcher is needed, and at least one must not match the empty string, so a
    silence can never mute every alert by accident (as in Alertmanager).
    """
    if not texts:
        raise SilenceError(("matchers",), "give at least one matcher, like service=marketplace")
    matchers = []
    for index, text in enumerate(texts):
        fault = first_fault(text)
        if fault is not None:
            problem = TextProblem(fault[0], f"matcher {index + 1}", fault[1])
            raise SilenceError(("matchers", index), problem.sentence())
        try:
            matchers.append(parse_matcher(text))
        except ValueError as error:
            raise SilenceError(("matchers", index), str(error)) from None
    if all(matcher.matches({}) for matcher in matchers):
        raise SilenceError(
            ("matchers",),
            "these matchers also match alerts without those labels, so they would silence "
            "every alert; add one such as service=marketplace",
        )
    return tuple(matchers)


def new_silence(
    matchers: Sequence[str],
    *,
    author: str,
    reason: str,
    starts_at: datetime | None,
    ends_at: datetime,
    now: datetime,
    max_duration: timedelta | None = None,
    end_field: str = "ends_at",
) -> Silence:
    """Return a new silence with a fresh id; raise SilenceError when it makes no sense.

    A start in the past (or none) means now; the end must lie after the start and after now,
    and no further from the start than `max_duration`. `end_field` names the field the end
    came from (`ends_at`, or `duration`) in the error about its length.
    """
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at), ("now", now)):
        if value is not None and value.tzinfo is None:
            raise SilenceError((name,), "needs a time zone (UTC: add Z or +00:00)")
    parsed = parse_matchers(matchers)
    author, reason = author.strip(), reason.strip()
    for name, text, allowed in (("author", author, frozenset()), ("reason", reason, PROSE)):
        fault = first_fault(text, allowed)
        if fault is not None:
            raise SilenceError((name,), TextProblem(fault[0], name, fault[1]).sentence())
    if not author or len(author) > MAX_AUTHOR:
        raise SilenceError(("author",), f"say who sets the silence (1 to {MAX_AUTHOR} characters)")
    if not reason or len(reason) > MAX_REASON:
        raise SilenceError(
            ("reason",), f"say why alerts are silenced (1 to {MAX_REASON} characters)"
        )
    start = max(starts_at or now, now)
    if ends_at <= start:
        raise SilenceError(("ends_at",), f"{ends_at.isoformat()} is not after the start and now")
    if max_duration is not None and ends_at - start > max_duration:
        raise SilenceError((end_field,), too_long(ends_at - start, max_duration))
    return Silence(
        id=str(uuid.uuid4()),
        matchers=parsed,
        author=author,
        reason=reason,
        starts_at=start,
        ends_at=ends_at,
        created_at=now,
    )


def too_long(length: timedelta, limit: timedelta) -> str:
    """Return why a silence of `length` is refused when silences last at most `limit`."""
    seconds = int(length.total_seconds())
    return (
        f"the silence would last {format_duration(seconds)}, longer than the "
        f"{format_duration(int(limit.total_seconds()))} a silence may last; end it sooner "
        "and renew it if it is still needed"
    )


def expired(silence: Silence, at: datetime) -> Silence:
    """Return the silence expired at `at`; one already ended stays as it was."""
    if silence.state(at) is SilenceState.EXPIRED:
        return silence
    return replace(silence, expired_at=at)
