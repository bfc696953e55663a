"""What the engine did lately, for its log: a line per change, a summary per period.

A quiet engine writes nothing but its summary, so on-call reads the log in seconds. Each
transition, delivery and lease change gets its own line, and so do the start and the end of a
problem (Prometheus unreadable, the store down); a problem that lasts is counted in the
summary instead of repeated every cycle.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ftw_observe.durations import format_duration
from ftw_observe.engine.cycle import CycleResult

Fields = dict[str, Any]


@dataclass
class Problem:
    """One problem that lasts: what it says, since when, and how often it recurred."""

    detail: str
    since: datetime
    count: int = 1


class Problems:
    """Ongoing problems by kind: tell when one starts or changes, and when it ends.

    >>> from datetime import UTC
    >>> problems, now = Problems(), datetime(2026, 11, 1, tzinfo=UTC)
    >>> problems.begin("prometheus", "unreachable", now)
    True
    >>> problems.begin("prometheus", "unreachable", now)  # still the same: no new line
    False
    >>> problems.end("prometheus").count
    2
    """

    def __init__(self) -> None:
        self._ongoing: dict[str, Problem] = {}
        self._lock = threading.Lock()

    def begin(self, kind: str, detail: str, now: datetime) -> bool:
        """Note the problem once more; True when it is new or says something new."""
        with self._lock:
            known = self._ongoing.get(kind)
            if known is not None and known.detail == detail:
                known.count += 1
                return False
            self._ongoing[kind] = Problem(detail, known.since if known else now)
            return True

    def end(self, kind: str) -> Problem | None:
        """Forget the problem; return it if it was ongoing."""
        with self._lock:
            return self._ongoing.pop(kind, None)

    def ongoing(self) -> dict[str, Problem]:
        """Return a copy of the ongoing problems by kind."""
        with self._lock:
            return {kind: Problem(p.detail, p.since, p.count) for kind, p in self._ongoing.items()}


@dataclass
class Tally:
    """What happened since the last summary."""

    cycles: int = 0
    transitions: int = 0
    delivered: int = 0
    retried: int = 0
    rejected: int = 0
    errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # of the last cycle that read
    evaluated: int = 0  # SLO instances in the last cycle


class Activity:
    """Count cycles, transitions, deliveries and errors; turn them into a summary line.

    >>> from datetime import UTC
    >>> activity = Activity(datetime(2026, 11, 1, tzinfo=UTC))
    >>> activity.error()
    >>> message, fields = activity.summary(datetime(2026, 11, 1, 0, 15, tzinfo=UTC), role="leader")
    >>> message.split(", ")[:2], fields["errors"]
    (['summary of the last 15m: leader', '0 cycles'], 1)
    """

    def __init__(self, started: datetime) -> None:
        self._since = started
        self._tally = Tally()
        self._lock = threading.Lock()
        self.problems = Problems()

    def restart(self, now: datetime) -> None:
        """Forget what was counted: the next summary covers the time from `now`."""
        with self._lock:
            self._tally, self._since = Tally(), now

    def cycle(self, result: CycleResult) -> None:
        """Count one cycle that ran, what it evaluated and the transitions it made."""
        with self._lock:
            tally = self._tally
            tally.cycles += 1
            tally.transitions += len(result.transitions)
            tally.evaluated = len(result.evaluations)
            tally.statuses = Counter(e.status.value for e in result.evaluations)
            if result.error:
                tally.errors += 1

    def dispatched(self, delivered: int, retried: int, rejected: int) -> None:
        """Count one dispatch pass's outcomes."""
        with self._lock:
            self._tally.delivered += delivered
            self._tally.retried += retried
            self._tally.rejected += rejected

    def error(self) -> None:
        """Count one error: a failed cycle, lease check, dispatch or store read."""
        with self._lock:
            self._tally.errors += 1

    def summary(self, now: datetime, *, role: str) -> tuple[str, Fields]:
        """Return the summary line since the last one and its fields; start a new period."""
        with self._lock:
            tally, since = self._tally, self._since
            self._tally, self._since = Tally(), now
        seconds = max(round((now - since).total_seconds()), 1)
        statuses = ", ".join(f"{count} {name}" for name, count in sorted(tally.statuses.items()))
        instances = f"{tally.evaluated} SLO instance{_s(tally.evaluated)}"
        parts = [
            role,
            f"{tally.cycles} cycle{_s(tally.cycles)}",
            f"{instances} ({statuses})" if statuses else instances,
            f"{tally.transitions} transition{_s(tally.transitions)}",
            f"{tally.delivered} notification{_s(tally.delivered)} delivered",
            f"{tally.retried} retried",
            f"{tally.rejected} rejected",
            f"{tally.errors} error{_s(tally.errors)}",
        ]
        ongoing = self.problems.ongoing()
        message = f"summary of the last {format_duration(seconds)}: {', '.join(parts)}"
        if ongoing:
            message += "; ongoing: " + "; ".join(
                f"{kind} since {problem.since.isoformat(timespec='seconds')} ({problem.detail})"
                for kind, problem in sorted(ongoing.items())
            )
        fields: Fields = {
            "event": "summary",
            "role": role,
            "period_seconds": seconds,
            "cycles": tally.cycles,
            "slo_instances": tally.evaluated,
            "statuses": dict(sorted(tally.statuses.items())),
            "transitions": tally.transitions,
            "delivered": tally.delivered,
            "retried": tally.retried,
            "rejected": tally.rejected,
            "errors": tally.errors,
            "ongoing": sorted(ongoing),
        }
        return message, fields


def _s(count: int) -> str:
    return "" if count == 1 else "s"
