"""A named lease in the database: which of several engine replicas evaluates and notifies.

Why a lease rather than a Postgres advisory lock: an advisory lock belongs to a session, so
a holder that hangs (a stuck thread, a wedged HTTP call, a paused VM) while its connection
stays open keeps the lock forever and nobody takes over; and a pooled connection that is
recycled loses the lock without its holder noticing. A lease is held only until
`expires_at`: the holder must renew it, so takeover is bounded by the TTL whether the holder
died or merely hangs. It needs nothing but an atomic conditional UPDATE and a unique key,
so it works the same on SQLite and Postgres.

The price is time: replicas compare their own clocks with `expires_at`, so clocks must
agree to well within the TTL (NTP does), and a holder must stop acting as soon as it fails
to renew or passes `held_until`. Renew every cycle with a TTL of a few cycles. Database
errors propagate from `try_acquire`; `held_until` then still says how long the last renewal
lasts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, case, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ftw_observe.store.tables import LeaseRow


class Lease:
    """A lease `name` that one `holder` at a time may hold for `ttl` after each renewal.

    Usage::

        lease = Lease(engine, "engine", holder=f"{socket.gethostname()}:{os.getpid()}",
                      ttl=timedelta(seconds=90))
        if lease.try_acquire(datetime.now(UTC)):
            evaluate_and_notify()  # only while now < lease.held_until
    """

    def __init__(self, engine: Engine, name: str, holder: str, ttl: timedelta) -> None:
        if ttl <= timedelta(0):
            raise ValueError("a lease needs a positive ttl")
        self.engine = engine
        self.name = name
        self.holder_id = holder
        self.ttl = ttl
        self.held_until: datetime | None = None

    def try_acquire(self, now: datetime) -> bool:
        """Take or renew the lease if it is free, expired or ours; return whether we hold it."""
        expires_at = now + self.ttl
        ours = LeaseRow.holder == self.holder_id
        renew = (
            update(LeaseRow)
            .where(LeaseRow.name == self.name, or_(ours, LeaseRow.expires_at <= now))
            .values(
                holder=self.holder_id,
                acquired_at=case(
                    (and_(ours, LeaseRow.expires_at > now), LeaseRow.acquired_at), else_=now
                ),
                expires_at=expires_at,
            )
        )
        row = {
            "name": self.name,
            "holder": self.holder_id,
            "acquired_at": now,
            "expires_at": expires_at,
        }
        try:
            with self.engine.begin() as connection:
                taken = connection.execute(renew).rowcount == 1
                if not taken:
                    taken = _insert_if_missing(connection, row)
        except IntegrityError:  # another replica inserted the row first
            taken = False
        self.held_until = expires_at if taken else None
        return taken

    def release(self) -> None:
        """Give the lease up if we hold it, so another replica takes over without waiting."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(LeaseRow).where(
                    LeaseRow.name == self.name, LeaseRow.holder == self.holder_id
                )
            )
        self.held_until = None

    def holder(self, now: datetime | None = None) -> str | None:
        """Return who holds the lease at `now` (default: this clock), or None if nobody."""
        now = now or datetime.now(UTC)
        query = select(LeaseRow.holder).where(LeaseRow.name == self.name, LeaseRow.expires_at > now)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar_one_or_none()


def _insert_if_missing(connection: Connection, row: dict[str, object]) -> bool:
    """Insert the lease row unless one exists; return whether this call inserted it."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(LeaseRow).values(row).on_conflict_do_nothing()
        return connection.execute(statement.returning(LeaseRow.name)).first() is not None
    if dialect == "sqlite":
        lite = sqlite.insert(LeaseRow).values(row).on_conflict_do_nothing()
        return connection.execute(lite.returning(LeaseRow.name)).first() is not None
    connection.execute(insert(LeaseRow).values(row))  # raises IntegrityError if it exists
    return True
