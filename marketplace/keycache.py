"""Who each API key belongs to, remembered in process for a few seconds.

Every API request names its caller by key; looking the key up in the database each time costs
a query and a thread hop per request. Found keys are kept for `ttl_seconds` (a replaced key
therefore keeps working in a server that saw it for at most that long); unknown keys are never
kept, so a key made a moment ago works at once. The cache holds at most `max_entries` keys
and drops the least recently used first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from marketplace.db.models import Role, User


@dataclass(frozen=True)
class Principal:
    """The authenticated user of a request: a snapshot, safe to share between requests."""

    id: int
    name: str
    email: str
    role: Role
    tier: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> Principal:
        """Return the snapshot of `user`."""
        return cls(user.id, user.name, user.email, user.role, user.tier, user.created_at)


class KeyCache:
    """Principals by API key digest, each for `ttl_seconds` (0 keeps nothing).

    Usage::

        cache = KeyCache(ttl_seconds=5)
        principal = cache.get(digest)
        if principal is None:
            cache.put(digest, Principal.of(user))
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def get(self, digest: str) -> Principal | None:
        """Return the principal of `digest` if it was found less than the TTL ago."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        expires, principal = entry
        if self._clock() >= expires:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return principal

    def put(self, digest: str, principal: Principal) -> None:
        """Remember `principal` for `digest`."""
        if self.ttl_seconds <= 0:
            return
        self._entries[digest] = (self._clock() + self.ttl_seconds, principal)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
