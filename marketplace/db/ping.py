"""Test a pooled connection before use only when it has been idle a while.

`pool_pre_ping` costs a round trip on every checkout, about a tenth of a short request's CPU.
Under load a connection comes back to the pool and out again within milliseconds; one that
has been idle longer than `idle_seconds` is the kind a database restart or a network blip may
have closed, and is tested first. A connection that died while busy is found by the query
that uses it: that request fails (503), and the pool drops every connection older than the
failure, as it does without any ping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, exc

IDLE_SINCE = "ftw_idle_since"


def ping_when_idle(
    engine: Engine, idle_seconds: float, clock: Callable[[], float] = time.monotonic
) -> None:
    """Make `engine`'s pool test connections idle for `idle_seconds` or more before use."""

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[IDLE_SINCE] = clock()

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None or clock() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out another.
            raise exc.DisconnectionError(f"a pooled connection was dead: {error}") from error

    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "checkout", on_checkout)
