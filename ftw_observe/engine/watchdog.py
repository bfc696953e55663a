"""The watchdog check: page when Alertmanager's always-firing watchdog stops arriving.

Prometheus fires `FTWObserveWatchdog` always and Alertmanager sends it to the engine's
webhook every minute; any replica that receives it records the time in the store. The leader
raises `FTWObserveWatchdogMissing` once none has arrived for the timeout, counted from the
last arrival or from when this replica began to lead, whichever is later: a replica that just
took over (or restarted) gives the chain one timeout to show itself before it pages. A page
already firing, even one a previous leader raised, resolves only when a watchdog arrives
again: a new leader never resolves it for lack of news.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ftw_observe.engine.alert_state import advance
from ftw_observe.model import AlertPhase, AlertState, Transition
from ftw_observe.rules import names

WATCHDOG_KEY = names.WATCHDOG_MISSING_KEY


def fresh(last_arrival: datetime | None, *, now: datetime, timeout: timedelta) -> bool:
    """Tell whether a watchdog arrived within the timeout (always true when the check is off).

    >>> from datetime import UTC
    >>> now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    >>> fresh(now - timedelta(seconds=30), now=now, timeout=timedelta(minutes=3))
    True
    >>> fresh(None, now=now, timeout=timedelta(minutes=3))
    False
    """
    if timeout <= timedelta(0):
        return True
    return last_arrival is not None and now - last_arrival < timeout


def watch(
    previous: AlertState | None,
    *,
    now: datetime,
    last_arrival: datetime | None,
    leader_since: datetime,
    timeout: timedelta,
) -> tuple[AlertState | None, Transition | None]:
    """Return the watchdog alert's next state (None: nothing to keep) and its transition.

    A zero timeout turns the check off; a page it left firing resolves.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
    >>> state, fired = watch(None, now=t0 + timedelta(minutes=3), last_arrival=None,
    ...                      leader_since=t0, timeout=timedelta(minutes=3))
    >>> fired.kind.value, state.annotations["summary"][:37]
    ('firing', 'No watchdog from Alertmanager for 3 m')
    """
    firing = previous is not None and previous.phase is AlertPhase.FIRING
    if timeout <= timedelta(0):
        if not firing:
            return None, None
        return advance(previous, WATCHDOG_KEY, condition=False, at=now, for_seconds=0)
    # A firing page waits for a watchdog; a quiet one gives a new leader its grace period.
    since = last_arrival if firing else max(t for t in (last_arrival, leader_since) if t)
    missing = since is None or now - since >= timeout
    if not missing and not firing:
        return previous, None
    if not missing:  # it resolves, and says what it said while it fired
        return advance(previous, WATCHDOG_KEY, condition=False, at=now, for_seconds=0)
    if since is None:  # none ever arrived: the page fired one timeout after the wait began
        active = previous.active_since if previous else None
        since = active - timeout if active else leader_since
    silent = now - since
    return advance(
        previous,
        WATCHDOG_KEY,
        condition=True,
        at=now,
        for_seconds=0,
        value=silent.total_seconds(),
        labels=dict(names.WATCHDOG_MISSING_LABELS),
        annotations=missing_annotations(silent, last_arrival, leader_since),
    )


def missing_annotations(
    silent: timedelta, last_arrival: datetime | None, leader_since: datetime
) -> dict[str, str]:
    """Return what on-call reads about a missing watchdog: how long, what it means, the runbook."""
    if last_arrival is None:
        last = (
            f"No watchdog has reached the engine since this replica began to lead at "
            f"{leader_since:%Y-%m-%d %H:%M:%S} UTC."
        )
    else:
        last = f"The last watchdog reached the engine at {last_arrival:%Y-%m-%d %H:%M:%S} UTC."
    return {
        "summary": (
            f"No watchdog from Alertmanager for {_span(silent)}: Prometheus, Alertmanager or "
            "the link to the engine is down"
        ),
        "description": (
            f"{last} Prometheus fires {names.WATCHDOG_ALERT} always and Alertmanager sends it "
            "to the engine's webhook every minute, so Prometheus, Alertmanager or the path "
            "from Alertmanager to the engine (network, webhook token, engine URL) is down: "
            "alerts Prometheus evaluates (thresholds, the engine's own health) may reach "
            "nobody. It resolves when the watchdog arrives again."
        ),
        "runbook_url": names.engine_runbook(names.WATCHDOG_MISSING_ALERT),
    }


def _span(silent: timedelta) -> str:
    seconds = max(int(silent.total_seconds()), 0)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min"
