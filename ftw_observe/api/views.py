"""Turn the store's evaluations and alerts into API bodies: pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ftw_observe.api.catalog import Catalog, Entry
from ftw_observe.api.schemas import (
    AlertEventOut,
    AlertStateOut,
    HistoryPoint,
    InstanceDetail,
    SLOSummary,
    TierOut,
    WindowOut,
)
from ftw_observe.budget import Status
from ftw_observe.burnrate import TIERS
from ftw_observe.model import (
    AlertKey,
    AlertPhase,
    AlertState,
    Evaluation,
    InstanceKey,
    Transition,
    TransitionKind,
)

NOT_EVALUATED = "not evaluated yet: the engine has not finished a cycle since this SLO was loaded"
PHASE_ORDER = {
    AlertPhase.FIRING: 0,
    AlertPhase.PENDING: 1,
    AlertPhase.RESOLVED: 2,
    AlertPhase.INACTIVE: 3,
}


def finite(value: float | None) -> float | None:
    """Return a value JSON can hold: NaN and infinities are unknown (None)."""
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class Row:
    """An SLO instance to show: its spec and its newest evaluation, if it has one."""

    entry: Entry
    key: InstanceKey
    evaluation: Evaluation | None

    @property
    def remaining(self) -> float | None:
        """Return the remaining budget, None when unknown."""
        return None if self.evaluation is None else finite(self.evaluation.remaining)

    def figures(self) -> dict[str, Any]:
        """Return the instance and its newest figures, as every body of an instance shows them."""
        e = self.evaluation
        shown: dict[str, Any] = {
            "instance": self.key.instance,
            "group": dict(self.key.group),
            "status": Status.UNKNOWN if e is None else e.status,
            "remaining": self.remaining,
            "evaluated_at": None if e is None else e.evaluated_at,
            "detail": NOT_EVALUATED if e is None else e.detail,
        }
        for name in _FIGURES:
            shown[name] = None if e is None else finite(getattr(e, name))
        return shown


_FIGURES = ("sli", "remaining_minutes", "seconds_to_exhaustion", "coverage", "events", "errors")


def current(evaluations: Iterable[Evaluation], catalog: Catalog) -> list[Row]:
    """Return one row per current SLO instance, worst budget first and unknown budgets last.

    Every SLO of the specs appears, evaluated or not. Instances the newest cycle of their SLO
    no longer produced (a grouped SLO's placeholder before its series existed, a route gone)
    are left out; SLOs no spec defines any more are left out.
    """
    by_slo: dict[tuple[str, str], list[Evaluation]] = {}
    for evaluation in evaluations:
        by_slo.setdefault((evaluation.key.service, evaluation.key.slo), []).append(evaluation)
    rows: list[Row] = []
    for entry in catalog.entries:
        found = by_slo.get(entry.key, [])
        if not found:
            rows.append(Row(entry, InstanceKey(*entry.key), None))
            continue
        newest = max(e.evaluated_at for e in found)
        rows.extend(Row(entry, e.key, e) for e in found if e.evaluated_at == newest)
    return sorted(rows, key=sort_key)


def sort_key(row: Row) -> tuple[bool, float, str, str, str]:
    """Order rows by remaining budget ascending, None last, then by name."""
    remaining = row.remaining
    return (
        remaining is None,
        0.0 if remaining is None else remaining,
        row.key.service,
        row.key.slo,
        row.key.instance,
    )


def burn_rates(evaluation: Evaluation | None) -> dict[str, float | None]:
    """Return the burn rate per window, `period` included."""
    if evaluation is None:
        return {}
    return {w.window: finite(w.burn_rate) for w in evaluation.windows}


def summary(row: Row, catalog: Catalog) -> SLOSummary:
    """Return the API body of one SLO instance."""
    entry = row.entry
    return SLOSummary(
        service=row.key.service,
        slo=row.key.slo,
        objective=entry.slo.objective,
        period_days=entry.slo.period / 86_400,
        burn_rates=burn_rates(row.evaluation),
        description=entry.slo.description.strip(),
        links=catalog.links(entry),
        **row.figures(),
    )


def alert_state(state: AlertState) -> AlertStateOut:
    """Return the API body of one alert's state."""
    instance = state.key.instance
    return AlertStateOut(
        service=instance.service,
        slo=instance.slo,
        instance=instance.instance,
        group=dict(instance.group),
        tier=state.key.tier,
        phase=state.phase,
        active_since=state.active_since,
        fired_at=state.fired_at,
        resolved_at=state.resolved_at,
        value=finite(state.value),
        dedup_key=state.key.dedup_key,
        labels=dict(state.labels),
        annotations=dict(state.annotations),
    )


def alert_states(states: Iterable[AlertState]) -> list[AlertStateOut]:
    """Return alert states, firing then pending then resolved then inactive, then by name."""

    def order(state: AlertState) -> tuple[int, InstanceKey, str]:
        return PHASE_ORDER[state.phase], state.key.instance, state.key.tier

    return [alert_state(state) for state in sorted(states, key=order)]


def instance_detail(
    row: Row, enabled_tiers: Sequence[str], states: Mapping[AlertKey, AlertState]
) -> InstanceDetail:
    """Return one instance with its windows and the current alert state of every tier."""
    e = row.evaluation
    alerts = [
        alert_state(
            states.get(AlertKey(row.key, tier))
            or AlertState(AlertKey(row.key, tier), AlertPhase.INACTIVE)
        )
        for tier in enabled_tiers
    ]
    windows = [] if e is None else e.windows
    return InstanceDetail(
        **row.figures(),
        windows=[
            WindowOut(
                window=w.window,
                errors=finite(w.errors),
                events=finite(w.events),
                error_ratio=finite(w.error_ratio),
                burn_rate=finite(w.burn_rate),
                coverage=finite(w.coverage),
            )
            for w in windows
        ],
        alerts=alerts,
    )


def history_point(evaluation: Evaluation) -> HistoryPoint:
    """Return one point of an instance's budget history."""
    return HistoryPoint(
        evaluated_at=evaluation.evaluated_at,
        status=evaluation.status,
        sli=finite(evaluation.sli),
        remaining=finite(evaluation.remaining),
        remaining_minutes=finite(evaluation.remaining_minutes),
        burn_rates=burn_rates(evaluation),
    )


def alert_event(transition: Transition) -> AlertEventOut:
    """Return one alert transition; a resolution carries how long the alert fired."""
    state = transition.state
    resolved = transition.kind is TransitionKind.RESOLVED
    fired_at = state.fired_at if resolved else transition.at
    duration = None
    if resolved and fired_at is not None:
        duration = (transition.at - fired_at).total_seconds()
    instance = state.key.instance
    return AlertEventOut(
        service=instance.service,
        slo=instance.slo,
        instance=instance.instance,
        tier=state.key.tier,
        kind=transition.kind,
        at=transition.at,
        fired_at=fired_at,
        resolved_at=transition.at if resolved else None,
        duration_seconds=duration,
        severity=state.labels.get("severity"),
        dedup_key=state.key.dedup_key,
        labels=dict(state.labels),
        annotations=dict(state.annotations),
    )


@dataclass(frozen=True)
class Firing:
    """One time an alert fired: when, until when (None while it still fires), how long."""

    instance: str
    tier: str
    fired_at: datetime
    resolved_at: datetime | None
    seconds: float


def firings(transitions: Iterable[Transition], now: datetime) -> list[Firing]:
    """Pair each firing with its resolution, newest first; an open firing lasts until now."""
    out: list[Firing] = []
    resolved: set[tuple[AlertKey, datetime]] = set()
    for item in transitions:  # newest first: a resolution comes before its firing
        key = item.state.key
        if item.kind is TransitionKind.RESOLVED:
            fired = item.state.fired_at or item.at
            resolved.add((key, fired))
            seconds = (item.at - fired).total_seconds()
            out.append(Firing(key.instance.instance, key.tier, fired, item.at, seconds))
        elif (key, item.at) not in resolved:
            seconds = (now - item.at).total_seconds()
            out.append(Firing(key.instance.instance, key.tier, item.at, None, seconds))
    return out


def enabled_tier_names(entry: Entry) -> list[str]:
    """Return the names of the tiers the SLO alerts on."""
    alerting = entry.slo.alerting
    if not alerting.enabled:
        return []
    return [tier.name for tier in TIERS if alerting.tier(tier.name).enabled]


def window_thresholds(tiers: Iterable[TierOut]) -> dict[str, float]:
    """Return per window the lowest burn-rate threshold of the enabled tiers that read it."""
    out: dict[str, float] = {}
    for tier in tiers:
        if not tier.enabled:
            continue
        for window in (tier.long_window, tier.short_window):
            out[window] = min(out.get(window, tier.factor), tier.factor)
    return out
