"""What an incident was, told when it ends: when it started and ended, how hard it burned.

The resolve of an incident carries its story as annotations, computed once by the router from
what the engine stored, so that every receiver tells the same one and a resend tells it again:

- started: the earliest moment one of its alerts became active (the engine's first evaluation
  whose tier condition held, Alertmanager's `startsAt`), else when the incident opened;
- ended: when the incident resolved (alerts resolve one short window after errors stop: five
  minutes for page-1h, so the duration includes that much of recovery);
- per SLO instance among its alerts, the peak burn rate over the long window of the fastest
  tier that fired (the number its page was about), and the budget consumed: the errors the
  SLO's period counted at the end minus those it counted at the start, as a share of the
  period's error budget at the end.

The budget method's limits: the period is a rolling window, so errors that leave it during the
incident (those of exactly one period ago) are subtracted, and an incident longer than a
period is not counted whole; errors before the first alert became active are not counted (for
a slow burn, the hours it took to reach its threshold); counts are Prometheus's
`increase()`, extrapolated at the window edges; and with no evaluation at or before the
start, the first one after it is the base.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ftw_observe.display import format as fmt
from ftw_observe.durations import format_duration
from ftw_observe.model import ACTIVE_SINCE, Evaluation, Incident, Notification
from ftw_observe.notify.incidents import member_grouping
from ftw_observe.notify.recovery import UNREADABLE

STARTED, ENDED, IMPACT = "incident_started_at", "incident_ended_at", "incident_impact"
# How far before the start an evaluation may be the base of the errors counted.
BASE_LOOKBACK = timedelta(minutes=5)

Reader = Callable[[str, str, str, datetime], list[Evaluation]]  # service, slo, instance, since


@dataclass(frozen=True)
class Impact:
    """What one SLO instance went through during an incident.

    >>> Impact("api-availability", "", 31.2, "1h", None, 0.031, 412.0, "30d").slo
    'api-availability'
    """

    slo: str
    instance: str  # the group labels as text, empty when ungrouped
    peak_burn: float | None
    peak_window: str
    peak_at: datetime | None
    budget_consumed: float | None  # share of the period's error budget, 0..1 and beyond
    errors: float | None  # errors counted between the start and the end
    period: str


@dataclass(frozen=True)
class Story:
    """An incident's start, end and what each of its SLO instances went through.

    >>> at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    >>> Story(at, at + timedelta(minutes=47)).duration
    datetime.timedelta(seconds=2820)
    """

    started_at: datetime
    ended_at: datetime
    impacts: tuple[Impact, ...] = ()

    @property
    def duration(self) -> timedelta:
        """Return how long the incident lasted."""
        return max(self.ended_at - self.started_at, timedelta(0))


def utc(moment: datetime) -> datetime:
    """Return a moment in UTC; a naive one is taken as UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_time(text: str | None) -> datetime | None:
    """Return the moment an ISO 8601 annotation names, or None when it names none."""
    try:
        return utc(datetime.fromisoformat((text or "").replace("Z", "+00:00")))
    except ValueError:
        return None


def human_duration(delta: timedelta) -> str:
    """Return a duration the way people say it: `45s`, `47m`, `1h 5m`, `2d 3h`."""
    seconds = max(int(delta.total_seconds()), 0)
    # Past a minute, whole minutes: seconds would be noise beside an incident's length.
    return fmt.duration(seconds if seconds < 60 else seconds // 60 * 60)


def clock(moment: datetime) -> str:
    """Return a moment as people read it in UTC: `2026-11-01 12:03:10 UTC`."""
    return f"{utc(moment):%Y-%m-%d %H:%M:%S} UTC"


def started(incident: Incident) -> datetime | None:
    """Return when the first of an incident's alerts became active, else when it opened."""
    found = [parse_time(m.annotations.get(ACTIVE_SINCE)) for m in incident.members.values()]
    known = [moment for moment in found if moment is not None]
    if known:
        return min(known)
    return utc(incident.opened_at) if incident.opened_at else None


def impact(
    slo: str,
    instance: str,
    window: str,
    evaluations: Sequence[Evaluation],
    start: datetime,
    end: datetime,
) -> Impact:
    """Return an SLO instance's peak burn over `window` and budget consumed from start to end."""
    readable = [e for e in evaluations if e.status not in UNREADABLE and utc(e.evaluated_at) <= end]
    during = [e for e in readable if utc(e.evaluated_at) >= start]
    burns = [(rate, e) for e in during if (rate := e.burn_rate(window)) is not None]
    peak, peak_at = None, None
    if burns:
        rate, at = max(burns, key=lambda pair: pair[0])
        peak, peak_at = rate, utc(at.evaluated_at)
    counted = [e for e in readable if e.errors is not None and e.events is not None]
    before = [e for e in counted if utc(e.evaluated_at) <= start]
    base = before[-1] if before else next(iter(counted), None)
    last = counted[-1] if counted else None
    consumed, errors = None, None
    if base is not None and last is not None and last is not base:
        errors = max((last.errors or 0.0) - (base.errors or 0.0), 0.0)
        allowed = (last.events or 0.0) * (1 - last.objective / 100)
        consumed = errors / allowed if allowed > 0 else None
    period = format_duration(evaluations[-1].period_seconds) if evaluations else ""
    return Impact(slo, instance, peak, window, peak_at, consumed, errors, period)


def tell(incident: Incident, ended: datetime, read: Reader) -> Story | None:
    """Return an incident's story, reading its SLO instances' evaluations; None if never opened."""
    start = started(incident)
    if start is None:
        return None
    end = utc(ended)
    windows: dict[tuple[str, str, str], tuple[int, str]] = {}
    for key, member in incident.members.items():
        found = member_grouping(key, member)
        if found.tier is None or found.instance is None:
            continue  # a threshold alert: no SLO, no budget
        service, slo = member.labels.get("service", ""), member.labels.get("slo", "")
        instance = found.instance.removeprefix(f"ftw/{service}/{slo}/")
        fastest = (found.tier.long, found.tier.long_window)
        windows[service, slo, instance] = min(
            windows.get((service, slo, instance), fastest), fastest
        )
    impacts = []
    for (service, slo, instance), (_, window) in sorted(windows.items()):
        evaluations = read(service, slo, instance, start - BASE_LOOKBACK)
        impacts.append(impact(slo, instance, window, evaluations, start, end))
    return Story(start, end, tuple(impacts))


def to_annotations(story: Story) -> dict[str, str]:
    """Return the annotations that carry a story on a resolve notification."""
    impacts = [
        {
            "slo": each.slo,
            "instance": each.instance,
            "peak_burn": each.peak_burn,
            "peak_window": each.peak_window,
            "peak_at": each.peak_at.isoformat() if each.peak_at else None,
            "budget_consumed": each.budget_consumed,
            "errors": each.errors,
            "period": each.period,
        }
        for each in story.impacts
    ]
    return {
        STARTED: story.started_at.isoformat(),
        ENDED: story.ended_at.isoformat(),
        IMPACT: json.dumps(impacts, sort_keys=True),
    }


def read(notes: Mapping[str, str]) -> Story | None:
    """Return the story a resolve carries, or None when it carries none."""
    start, end = parse_time(notes.get(STARTED)), parse_time(notes.get(ENDED))
    if start is None or end is None:
        return None
    try:
        found = json.loads(notes.get(IMPACT) or "[]")
    except ValueError:
        found = []
    items = found if isinstance(found, list) else []
    impacts = tuple(_impact(item) for item in items if isinstance(item, dict))
    return Story(start, end, impacts)


def _impact(item: dict[str, Any]) -> Impact:
    def number(name: str) -> float | None:
        value = item.get(name)
        return float(value) if isinstance(value, int | float) else None

    return Impact(
        slo=str(item.get("slo") or ""),
        instance=str(item.get("instance") or ""),
        peak_burn=number("peak_burn"),
        peak_window=str(item.get("peak_window") or ""),
        peak_at=parse_time(item.get("peak_at")),
        budget_consumed=number("budget_consumed"),
        errors=number("errors"),
        period=str(item.get("period") or ""),
    )


def impact_text(each: Impact) -> str:
    """Return one SLO instance's part of an incident as a sentence."""
    name = f"{each.slo} ({each.instance})" if each.instance else each.slo
    parts = []
    if each.peak_burn is not None:
        at = f" at {utc(each.peak_at):%H:%M:%S} UTC" if each.peak_at else ""
        parts.append(f"peak burn {each.peak_burn:.2f}x over {each.peak_window}{at}")
    if each.budget_consumed is not None:
        errors = f" ({each.errors:.0f} errors)" if each.errors is not None else ""
        spent = f"{each.budget_consumed * 100:.2f}% of its {each.period} error budget consumed"
        parts.append(spent + errors)
    return f"{name}: {', '.join(parts) or 'no evaluation measured it'}"


def since_text(notes: Mapping[str, str], at: datetime, *, slo: bool) -> str:
    """Return since when an alert fires, and for how long at `at`; empty when unknown."""
    since = parse_time(notes.get(ACTIVE_SINCE))
    if since is None:
        return ""
    verb = "Burning" if slo else "Firing"
    return f"{verb} since {clock(since)} ({human_duration(utc(at) - since)} before this message)"


def with_story(resolve: Notification, incident: Incident, read_evaluations: Reader) -> Notification:
    """Return an incident's resolve with its story in the annotations, when it has one."""
    story = tell(incident, resolve.created_at, read_evaluations)
    if story is None:
        return resolve
    return replace(resolve, annotations={**resolve.annotations, **to_annotations(story)})
