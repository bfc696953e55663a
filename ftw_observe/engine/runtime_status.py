"""What this process knows about its engine right now: role, last cycle, Prometheus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ftw_observe.model import EngineHealth

Role = Literal["leader", "standby", "stopped"]


@dataclass(frozen=True)
class RuntimeStatus:
    """The engine runtime of this process, as the API reports it.

    `stopped` means this process runs no scheduler (an API-only replica, or shut down).

    >>> RuntimeStatus(role="standby", replica_id="engine-2").role
    'standby'
    """

    role: Role
    replica_id: str
    last_cycle_at: datetime | None = None
    last_cycle_seconds: float | None = None
    prometheus_error: str | None = None
    prometheus_unreachable_since: datetime | None = None


STOPPED = RuntimeStatus(role="stopped", replica_id="")


def merged(runtime: RuntimeStatus, stored: EngineHealth | None) -> RuntimeStatus:
    """Return the runtime status completed by the stored health every replica shares.

    The leader knows its own cycle best; standbys and API-only processes learn the leader's
    last cycle and Prometheus error from the store.
    """
    if stored is None or runtime.role == "leader":
        return runtime
    candidates = [t for t in (runtime.last_cycle_at, stored.last_cycle_at) if t is not None]
    return RuntimeStatus(
        role=runtime.role,
        replica_id=runtime.replica_id,
        last_cycle_at=max(candidates) if candidates else None,
        last_cycle_seconds=runtime.last_cycle_seconds,
        prometheus_error=stored.prometheus_error,
        prometheus_unreachable_since=stored.prometheus_unreachable_since,
    )
