"""Who each API key belongs to, remembered in process.

Every API request names its caller by key; looking the key up in the database each time costs
a query per request. Found keys are kept for `ttl_seconds`; unknown keys are never kept, so a
key made a moment ago works at once. A database trigger counts every change to a user (a
replaced or removed key, a new role or tier) in one row; each worker reads that count at most
every `check_seconds` and forgets every key when it moved, so a change reaches every worker
within about that long. The cache holds at most `max_entries` keys and drops the least
recently used first.
"""

from __future__ import annotations

import math
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

        cache = KeyCache(ttl_seconds=60)
        if cache.claim_check():
            cache.observe(await read_users_generation())
        principal = cache.get(digest)
        if principal is None:
            cache.put(digest, Principal.of(user))
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        check_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.check_seconds = check_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._generation: int | None = None
        self._check_due = -math.inf

    def claim_check(self) -> bool:
        """Tell whether the users' generation is due to be read, and if so, by this caller."""
        now = self._clock()
        if self.ttl_seconds <= 0 or now < self._check_due:
            return False
        # Claimed before the read, so that requests meanwhile do not read it too.
        self._check_due = now + self.check_seconds
        return True

    def observe(self, generation: int) -> None:
        """Take the users' generation just read; forget every key when it moved."""
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation

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
