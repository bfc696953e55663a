"""A hand-computed six-hour history of three SLOs, seeded into a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ftw_observe.budget import Status
from ftw_observe.model import (
    AlertPhase,
    Evaluation,
    InstanceKey,
    Transition,
    TransitionKind,
    WindowBurn,
)
from ftw_observe.report.model import ReportWindow, SLOInfo
from ftw_observe.store import Store
from tests.support import seed as build

END = datetime(2024, 6, 8, 6, 0, tzinfo=UTC)
START = END - timedelta(hours=6)
WINDOW = ReportWindow(START, END)
OFFSET = timedelta(seconds=20)  # the engine's cycles run 20 s after the clock's half hours
MONTH = 30 * 86_400
MINUTES_OF_BUDGET = 43.2  # 0.1 % of 30 days in minutes

AVAIL = InstanceKey("marketplace", "api-availability")
JOBS = InstanceKey("marketplace", "job-posting-availability")
SCRIPT = "Job posts <script>alert('x')</script> & more | piped"
SLOS = (
    SLOInfo("marketplace", "api-availability", "API requests without a 5xx", 99.9, MONTH),
    SLOInfo("marketplace", "job-posting-availability", SCRIPT, 99.9, MONTH),
    SLOInfo("marketplace", "api-latency-p95", "API requests within 500 ms", 95.0, MONTH),
)

# Errors of each clock hour of the window (hour 3 is never measured: its snapshot is late).
HOUR_ERRORS = {0: 2.0, 1: 0.0, 2: 30.0, 3: 5.0, 4: 30.0, 5: 1.0}


def at(hours: float, offset: timedelta = OFFSET) -> datetime:
    """Return the time `hours` after the window's start, plus the cycle offset."""
    return START + timedelta(hours=hours) + offset


def snapshot(
    key: InstanceKey,
    when: datetime,
    *,
    hour: tuple[float, float],
    period: tuple[float, float],
    remaining: float,
    status: Status = Status.BURNING,
) -> Evaluation:
    """Return an evaluation with a "1h" window of (errors, events) and period counts."""
    hour_errors, hour_events = hour
    errors, events = period
    return build.evaluation(
        key,
        when,
        status=status,
        sli=1 - errors / events,
        errors=errors,
        events=events,
        remaining=remaining,
        remaining_minutes=remaining * MINUTES_OF_BUDGET,
        windows=(
            WindowBurn("5m", 0.0, 80.0, 0.0, 0.0),
            WindowBurn("1h", hour_errors, hour_events, None, None),
            WindowBurn("period", errors, events, errors / events, None),
        ),
    )


def availability_history() -> list[Evaluation]:
    """Return api-availability's snapshots: hourly samples, half-hourly noise, a late one."""
    items = [snapshot(AVAIL, at(0), hour=(7, 900), period=(120, 90_000), remaining=0.80)]
    for hour, remaining in zip(range(6), (0.79, 0.76, 0.74, 0.71, 0.68, 0.65), strict=True):
        # Half-past snapshots overlap two clock hours: their "1h" counts must never be used.
        counts = (150.0, 100_000.0) if hour == 5 else (130.0, 95_000.0)
        items.append(
            snapshot(AVAIL, at(hour + 0.5), hour=(999, 999), period=counts, remaining=remaining)
        )
    for hour, remaining in zip(range(6), (0.78, 0.75, 0.72, 0.70, 0.66, 0.60), strict=True):
        when = at(hour + 1) if hour != 3 else at(4, timedelta(minutes=6))  # 6 min late
        counts = (0.0, 1.0) if hour == 5 else (140.0, 96_000.0)  # 06:00:20 is after the end
        items.append(
            snapshot(
                AVAIL, when, hour=(HOUR_ERRORS[hour], 1000), period=counts, remaining=remaining
            )
        )
    return sorted(items, key=lambda item: item.evaluated_at)


def jobs_history() -> list[Evaluation]:
    """Return job-posting's two snapshots; the last is exactly at the objective."""
    return [
        snapshot(JOBS, at(2), hour=(10, 500), period=(50, 100_000), remaining=0.5),
        snapshot(
            JOBS,
            at(5),
            hour=(40, 400),
            period=(100, 100_000),
            remaining=0.0,
            status=Status.EXHAUSTED,
        ),
    ]


def transition(tier: str, kind: TransitionKind, when: datetime, fired: datetime) -> Transition:
    """Return a firing or resolved transition of an api-availability alert."""
    resolved = kind is TransitionKind.RESOLVED
    phase = AlertPhase.RESOLVED if resolved else AlertPhase.FIRING
    state = build.alert_state(
        AVAIL, tier, phase, fired_at=fired, resolved_at=when if resolved else None
    )
    return build.transition(state, when)


def episode(tier: str, fired: datetime, resolved: datetime | None) -> list[Transition]:
    """Return the transitions of one firing, resolved or not."""
    items = [transition(tier, TransitionKind.FIRING, fired, fired)]
    if resolved is not None:
        items.append(transition(tier, TransitionKind.RESOLVED, resolved, fired))
    return items


def alert_history() -> list[Transition]:
    """Return api-availability's alert transitions around the window."""
    minute = timedelta(minutes=1)
    return [
        *episode("page-1h", START - 4 * 60 * minute, START - 3 * 60 * minute),  # before
        *episode("page-1h", START + 30 * minute, START + 60 * minute),  # 30 min
        *episode("page-1h", START + 130 * minute, START + 175 * minute),  # 45 min
        *episode("ticket-1d", START - 120 * minute, START + 20 * minute),  # 20 min inside
        *episode("ticket-1d", START + 300 * minute, None),  # still firing: 60 min
        *episode("page-6h", START + 330 * minute, END + 10 * minute),  # firing at the end: 30 min
        *episode("page-1h", END + 30 * minute, None),  # after the end
    ]


def seed(store: Store) -> None:
    """Save the histories and alert transitions, one cycle at a time."""
    evaluations = sorted(
        [*availability_history(), *jobs_history()], key=lambda item: item.evaluated_at
    )
    for item in evaluations:
        build.save(store, evaluations=[item])
    build.save(store, transitions=alert_history())


SPEC = """\
version: ftw-observe/v1
service: marketplace
team: marketplace
slos:
  - name: api-availability
    description: API requests without a 5xx
    objective: 99.9
    period: 30d
    sli:
      ratio:
        errors: http_requests_total{job="marketplace",status=~"5.."}
        total: http_requests_total{job="marketplace"}
  - name: job-posting-availability
    description: "Job posts <script>alert('x')</script> & more | piped"
    objective: 99.9
    period: 30d
    sli:
      ratio:
        errors: http_requests_total{job="marketplace",route="/api/jobs",status=~"5.."}
        total: http_requests_total{job="marketplace",route="/api/jobs"}
  - name: api-latency-p95
    description: API requests within 500 ms
    objective: 95
    period: 30d
    sli:
      latency:
        histogram: http_request_duration_seconds{job="marketplace"}
        threshold: 0.5
    group_by: [route]
"""
