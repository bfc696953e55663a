"""Resolve an outage when it is over, not when its slowest tier's window has forgotten it.

A burn-rate tier stops firing one short window after errors stop: 5 minutes for page-1h, 30
for page-6h. After a 15-minute total outage both fire, so an incident that waited for every
tier would resolve 30 minutes after recovery although the fast tier saw it end after 5.

The rule: once the incident's fastest tier (the one with the shortest short window) fired and
has resolved, and the slower tiers still fire, the engine's evaluations of the instance are
read. When the fast tier's short window has burned below half the smallest factor of the
tiers still firing, at every evaluation for a whole hold time, the outage is over: the
incident resolves, and the slower tiers that still fire become its tail (they open a new
incident only if they still fire one short window later).

Why these parts:
- the fast window, not the slow tiers' own: it forgets the outage 25 minutes sooner;
- below half the smallest firing factor, not merely below the fast tier's own factor: a burn
  that drops from 100 % errors to 1 % (10x) no longer trips page-1h but still deserves
  page-6h's page, and noise around a burn near the threshold cannot pass for recovery;
- a hold time: intermittent errors (bad 5 minutes out of 10) leave the 5-minute window clean
  for a moment between spikes, never for the hold, so they stay one incident;
- every evaluation, fresh and readable: a missing, unknown or stale evaluation is no evidence
  of recovery, and without the engine (Alertmanager alone) incidents wait for their tiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from ftw_observe.budget import Status
from ftw_observe.burnrate import Tier
from ftw_observe.model import Evaluation, Incident, IncidentState
from ftw_observe.notify.incidents import member_grouping

CLEAN_SHARE = Fraction(1, 2)  # of the smallest factor still firing
UNREADABLE = frozenset({Status.UNKNOWN, Status.NO_DATA})


@dataclass(frozen=True)
class Recovery:
    """The early-resolve rule's settings: how long the fast window must stay clean.

    >>> Recovery(hold=timedelta(minutes=10)).max_gap
    datetime.timedelta(seconds=300)
    """

    hold: timedelta = timedelta(minutes=10)
    max_gap: timedelta = timedelta(minutes=5)  # longer between evaluations: no evidence


@dataclass(frozen=True)
class Candidate:
    """An SLO instance of an open incident: its fast tier resolved, slower ones fire."""

    service: str
    slo: str
    instance: str  # the instance's group labels as text, as the store keeps them
    fast: Tier
    firing: tuple[Tier, ...]


def candidates(incident: Incident) -> list[Candidate] | None:
    """Return what the rule needs to judge an open incident, per SLO instance still firing.

    None when the rule does not apply: the incident is not open, an alert other than a
    burn-rate tier fires (a threshold alert resolves by itself), or an instance still firing
    has no faster tier that fired and resolved (no window has seen its outage end).
    """
    if incident.state != IncidentState.OPEN.value or not incident.members:
        return None
    tiers: dict[str, tuple[list[Tier], list[Tier], dict[str, str]]] = {}
    for key, member in incident.members.items():
        found = member_grouping(key, member)
        if found.tier is None or found.instance is None:
            if member.firing:
                return None
            continue
        firing, resolved, _ = tiers.setdefault(found.instance, ([], [], member.labels))
        (firing if member.firing else resolved).append(found.tier)
    found_all = [
        _candidate(instance, firing, resolved, labels)
        for instance, (firing, resolved, labels) in sorted(tiers.items())
        if firing
    ]
    if not found_all or any(each is None for each in found_all):
        return None
    return [each for each in found_all if each is not None]


def _candidate(
    instance: str, firing: list[Tier], resolved: list[Tier], labels: dict[str, str]
) -> Candidate | None:
    """Return one SLO instance's candidate: its fast tier resolved while slower ones fire."""
    if not resolved:
        return None
    fast = min(resolved, key=lambda each: each.short)
    if fast.short >= min(each.short for each in firing):
        return None
    service, slo = labels.get("service", ""), labels.get("slo", "")
    text = instance.removeprefix(f"ftw/{service}/{slo}/")
    return Candidate(service, slo, text, fast, tuple(firing))


def clean(evaluation: Evaluation, found: Candidate) -> bool:
    """Tell whether one evaluation shows the fast window below half the smallest firing factor."""
    if evaluation.status in UNREADABLE:
        return False
    burn = evaluation.burn_rate(found.fast.short_window)
    if burn is None:
        return False
    factor = min(each.factor(evaluation.period_seconds) for each in found.firing)
    return burn < float(CLEAN_SHARE * factor)


def recovered(
    evaluations: Sequence[Evaluation], found: Candidate, *, now: datetime, rule: Recovery
) -> bool:
    """Tell whether the evaluations show the fast window clean, without a gap, for the hold."""
    ordered = sorted(evaluations, key=lambda each: each.evaluated_at)
    if not ordered or now - ordered[-1].evaluated_at > rule.max_gap:
        return False
    latest = ordered[-1].evaluated_at
    since = None
    later = latest
    for evaluation in reversed(ordered):
        if not clean(evaluation, found) or later - evaluation.evaluated_at > rule.max_gap:
            break
        since, later = evaluation.evaluated_at, evaluation.evaluated_at
    return since is not None and latest - since >= rule.hold


def lookback(now: datetime, rule: Recovery) -> datetime:
    """Return how far back evaluations are read to judge the hold."""
    return now - rule.hold - rule.max_gap
