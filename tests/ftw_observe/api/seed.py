"""A store seeded with hand-made evaluations and alerts, for the API and status-page tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from ftw_observe.budget import Status
from ftw_observe.model import AlertPhase, AlertState, EngineHealth, Evaluation, InstanceKey
from ftw_observe.spec.load import load_specs
from ftw_observe.spec.model import ServiceSpec
from ftw_observe.store import Store, make_store_engine, upgrade_url
from tests.support import seed as build

ROOT = Path(__file__).resolve().parents[3]
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")
DAY = build.DAY
AVAILABILITY = InstanceKey("marketplace", "api-availability")
P95_JOBS = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/jobs"),))
P95_BIDS = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/bids"),))
P95_PLACEHOLDER = InstanceKey("marketplace", "api-latency-p95")
P50 = InstanceKey("marketplace", "api-latency-p50")
JOB_POSTING = InstanceKey("marketplace", "job-posting-availability")
PAYOUTS = InstanceKey("marketplace", "payout-success")
REMOVED = InstanceKey("marketplace", "retired-slo")


def marketplace_specs() -> list[ServiceSpec]:
    """Return the committed marketplace specs."""
    return [loaded.spec for loaded in load_specs([ROOT / "slo" / "marketplace.yaml"])]


def evaluation(
    key: InstanceKey,
    at: datetime,
    *,
    status: Status,
    objective: float,
    remaining: float | None,
    burns: dict[str, float | None] | None = None,
    period_days: int = 30,
    seconds_to_exhaustion: float | None = None,
    events: float = 100_000,
    detail: str = "",
    coverage: float | None = None,
) -> Evaluation:
    """Return an evaluation whose figures agree with each other (SLI, minutes, counts)."""
    budget = 1 - objective / 100
    period = period_days * DAY
    figures: dict[str, float] = {}
    if remaining is not None:
        error_ratio = (1 - remaining) * budget
        figures = {
            "sli": 1 - error_ratio,
            "errors": error_ratio * events,
            "events": events,
            "remaining": remaining,
            "remaining_minutes": remaining * budget * period / 60,
        }
    windows = tuple(build.burn(w, burns.get(w), budget=budget) for w in WINDOWS) if burns else ()
    return build.evaluation(
        key,
        at,
        status=status,
        objective=objective,
        period_seconds=period,
        seconds_to_exhaustion=seconds_to_exhaustion,
        windows=windows,
        detail=detail,
        coverage=coverage,
        **figures,
    )


@dataclass(frozen=True)
class Seeded:
    """What the seeded store holds: its time and the figures tests compare against."""

    store: Store
    now: datetime
    url: str


def burn_table(scale: float) -> dict[str, float | None]:
    """Return burn rates for every window, rising towards the short windows."""
    return {w: round(scale * (1 + (len(WINDOWS) - i) / 4), 4) for i, w in enumerate(WINDOWS)}


def current_cycle(now: datetime) -> list[Evaluation]:
    """Return the newest cycle: one instance per status, plus budgets on both sides of 0."""
    return [
        evaluation(
            AVAILABILITY,
            now,
            status=Status.OK,
            objective=99.9,
            remaining=0.724,
            burns={**burn_table(0.5), "period": 0.276},
            seconds_to_exhaustion=3 * 3600 + 12 * 60,
        ),
        evaluation(
            P95_JOBS,
            now,
            status=Status.BURNING,
            objective=95,
            remaining=0.2,
            burns={**burn_table(4), "period": 0.8},
            seconds_to_exhaustion=5400,
        ),
        evaluation(
            P95_BIDS,
            now,
            status=Status.EXHAUSTED,
            objective=95,
            remaining=-0.5,
            burns={**burn_table(6), "5m": float("nan"), "period": 1.5},
            seconds_to_exhaustion=0.0,
        ),
        evaluation(
            P50,
            now,
            status=Status.NO_DATA,
            objective=50,
            remaining=None,
            detail="no events in the period yet",
        ),
        evaluation(
            JOB_POSTING,
            now,
            status=Status.UNKNOWN,
            objective=99.9,
            remaining=0.9,
            burns={**burn_table(0.1), "period": 0.1},
            detail="Prometheus unreadable since 2026-01-01T00:00:00+00:00: connection refused",
        ),
        evaluation(
            PAYOUTS,
            now,
            status=Status.OK,
            objective=99.9,
            remaining=1.0,
            burns=dict.fromkeys(WINDOWS, 0.0),
        ),
    ]


def alert(key: InstanceKey, tier: str, phase: AlertPhase, **times: datetime) -> AlertState:
    """Return an alert state with the labels a burn-rate alert carries."""
    summary = {"summary": f"{key.slo} burns <fast>"}
    return build.alert_state(key, tier, phase, value=2.0, annotations=summary, **times)


def seed(store: Store, now: datetime) -> None:
    """Write a week of availability history, stale rows, the current cycle and alerts."""
    for hours in range(7 * 24, 0, -6):
        at = now - timedelta(hours=hours)
        remaining = 1.0 - 0.276 * (7 * 24 - hours) / (7 * 24)
        past = [evaluation(AVAILABILITY, at, status=Status.OK, objective=99.9, remaining=remaining)]
        if hours == 6:
            past.append(
                evaluation(P95_PLACEHOLDER, at, status=Status.NO_DATA, objective=95, remaining=None)
            )
            past.append(evaluation(REMOVED, at, status=Status.OK, objective=99, remaining=0.01))
        build.save(store, evaluations=past)
    fired = alert(AVAILABILITY, "page-6h", AlertPhase.FIRING, fired_at=now - timedelta(hours=3))
    resolved = alert(
        AVAILABILITY,
        "page-6h",
        AlertPhase.RESOLVED,
        fired_at=now - timedelta(hours=3),
        resolved_at=now - timedelta(hours=1),
    )
    bids = alert(
        P95_BIDS,
        "page-1h",
        AlertPhase.FIRING,
        active_since=now - timedelta(minutes=25),
        fired_at=now - timedelta(minutes=20),
    )
    jobs = alert(P95_JOBS, "ticket-1d", AlertPhase.PENDING, active_since=now)
    transitions = [
        build.transition(fired, now - timedelta(hours=3)),
        build.transition(resolved, now - timedelta(hours=1)),
        build.transition(bids, now - timedelta(minutes=20)),
    ]
    build.save(
        store,
        evaluations=current_cycle(now),
        states=[resolved, bids, jobs],
        transitions=transitions,
        notifications=[build.notification(t.state.key.dedup_key, t.at) for t in transitions[1:]],
        health=EngineHealth(last_cycle_at=now, last_success_at=now),
    )


# A deployment a day and a half old: 1d 12h of its 30-day periods have data.
YOUNG_COVERAGE = 1.5 / 30


def young_cycle(now: datetime) -> list[Evaluation]:
    """Return a cycle of a young deployment: budgets measured over a day and a half."""
    young = partial(evaluation, coverage=YOUNG_COVERAGE, events=5_000)
    return [
        young(
            AVAILABILITY,
            now,
            status=Status.BURNING,
            objective=99.9,
            remaining=-39.0,
            burns={**burn_table(12), "period": 40.0},
            seconds_to_exhaustion=0.0,
        ),
        young(
            P95_JOBS,
            now,
            status=Status.OK,
            objective=95,
            remaining=0.6,
            burns={**burn_table(0.5), "period": 0.4},
        ),
        young(P95_BIDS, now, status=Status.OK, objective=95, remaining=0.9),
        young(P50, now, status=Status.OK, objective=50, remaining=1.0),
        young(JOB_POSTING, now, status=Status.OK, objective=99.9, remaining=1.0),
        young(PAYOUTS, now, status=Status.OK, objective=99.9, remaining=0.95),
    ]


def seed_young(store: Store, now: datetime) -> None:
    """Write the newest cycle of a deployment a day and a half old."""
    build.save(
        store,
        evaluations=young_cycle(now),
        health=EngineHealth(last_cycle_at=now, last_success_at=now),
    )


def seeded_store(directory: Path, now: datetime | None = None, *, young: bool = False) -> Seeded:
    """Create, migrate and seed an SQLite store in `directory`: a week of history, or young."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'observe.db'}"
    upgrade_url(url)
    store = Store(make_store_engine(url))
    (seed_young if young else seed)(store, now)
    return Seeded(store, now, url)
