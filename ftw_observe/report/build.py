"""Turn evaluation snapshots and alert transitions into the report's pandas tables.

Every time is UTC. The tables, one row per SLO instance unless said otherwise:

- `summary`: compliance over the SLO's period as of the window's end, budget consumed in the
  window, errors and events in the window, alert firings;
- `hourly`: one row per whole UTC hour of the window and instance (`errors` NaN if unmeasured);
- `worst`: the hours with most errors, per instance;
- `firings`: one row per alert firing that overlaps the window, clipped to it;
- `alerts`: firings per instance and tier: count, total and longest duration;
- `budget`: remaining budget over the chart's span (`chart_start` to the window's end).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from ftw_observe.budget import Counts, Status
from ftw_observe.model import InstanceKey
from ftw_observe.report.alerts import alert_summary, firing_episodes
from ftw_observe.report.model import (
    SAMPLE_WITHIN,
    HourSample,
    InstanceData,
    ReportWindow,
    SLOInfo,
)
from ftw_observe.report.tables import BUDGET, FIRINGS, HOURLY, KEY, SUMMARY, TIME, frame

NO_DATA = Status.NO_DATA.value


@dataclass(frozen=True)
class Report:
    """Every table of one report, and the SLOs it covers in spec order."""

    window: ReportWindow
    slos: tuple[SLOInfo, ...]
    summary: pd.DataFrame
    hourly: pd.DataFrame
    worst: pd.DataFrame
    firings: pd.DataFrame
    alerts: pd.DataFrame
    budget: pd.DataFrame


def compliance(
    errors: float | None, events: float | None, objective: float
) -> tuple[float | None, bool | None]:
    """Return the SLI of a period's counts and whether it meets `objective` (percent), exactly.

    The SLI is good / events with errors clamped to 0..events, as the engine computes it; the
    comparison with the objective is made in exact fractions (99.9 % is 999/1000), so an SLI of
    exactly the objective meets it. No events: (None, None).
    """
    if errors is None or events is None or not (math.isfinite(errors) and math.isfinite(events)):
        return None, None
    sli = Counts(errors, events).sli
    if sli is None:
        return None, None
    bad = min(max(Fraction(errors), Fraction(0)), Fraction(events))
    met = 1 - bad / Fraction(events) >= Fraction(Decimal(repr(objective))) / 100
    return sli, met


def hourly_counts(samples: Sequence[HourSample], window: ReportWindow) -> pd.DataFrame:
    """Return errors and events per whole UTC hour of the window (NaN where unmeasured).

    A snapshot's "1h" window holds the errors and events of the hour before it, read at one
    pinned time, so the hour [H, H+1h) is read from the first snapshot evaluated at or after
    H+1h and less than 5 minutes after it (`sampled_at`): its "1h" counts cover exactly
    (sampled_at - 1h, sampled_at], the clock hour shifted by that offset (one engine cycle,
    30 s by default). Hours without such a snapshot are left unmeasured rather than guessed.

    Differences between snapshots are not used, because they are not exact: every stored
    count is over a rolling window, so the difference of two "period" (or "1h") counts is the
    errors that entered the window minus those that left it. Sampling picks the same snapshot
    before and after the store thins history to one per 5 minutes (it keeps the first of each
    bucket), so a report reads the same numbers whatever the age of its data.
    """
    snapshots = frame(
        [{"sampled_at": s.at, "errors": s.errors, "events": s.events} for s in samples],
        {"sampled_at": TIME, "errors": "float64", "events": "float64"},
    ).sort_values("sampled_at", kind="stable")
    hours = pd.DataFrame({"hour": window.hours()})
    hours["end"] = hours["hour"] + pd.Timedelta(hours=1)
    merged = pd.merge_asof(
        hours, snapshots, left_on="end", right_on="sampled_at", direction="forward"
    )
    in_time = merged["sampled_at"] - merged["end"] < pd.Timedelta(SAMPLE_WITHIN)
    for column in ("sampled_at", "errors", "events"):
        merged[column] = merged[column].where(in_time)
    events = merged["events"].where(merged["events"] > 0)
    merged["error_ratio"] = merged["errors"].clip(lower=0).clip(upper=events) / events
    return merged.drop(columns="end")


def summarize(
    data: InstanceData, window: ReportWindow, hourly: pd.DataFrame, firings: int
) -> dict[str, object]:
    """Return one summary row: compliance, budget consumed, window counts, firings.

    - compliance: SLI over the SLO's period from the last snapshot in the window whose period
      counts are known (`measured_at`), met if it reaches the spec's objective;
    - budget consumed: remaining budget at the first snapshot in the window minus at the last
      (`budget_from`, `budget_to`), as a share of the period's budget and in minutes of full
      outage. The period rolls, so errors leaving it give budget back: the change is net and
      negative when the budget recovered;
    - errors and events: the sums over the measured hours (`hours_measured` of `hours`).
    """
    info, last = data.info, data.measured
    sli, met = compliance(last.errors, last.events, info.objective) if last else (None, None)
    first_b, last_b = data.budget_start, data.budget_end
    consumed = minutes = None
    if first_b is not None and last_b is not None:
        consumed = first_b.remaining - last_b.remaining
        if first_b.remaining_minutes is not None and last_b.remaining_minutes is not None:
            minutes = first_b.remaining_minutes - last_b.remaining_minutes
    measured = hourly["errors"].notna()
    return {
        "service": info.service,
        "slo": info.slo,
        "instance": data.key.instance if data.key else "",
        "objective": info.objective,
        "period_seconds": info.period_seconds,
        "status": data.last.status.value if data.last else NO_DATA,
        "measured_at": last.evaluated_at if last else None,
        "period_events": last.events if last else None,
        "period_errors": last.errors if last else None,
        "sli": sli,
        "compliant": met,
        "budget_from": first_b.at if first_b else None,
        "budget_to": last_b.at if last_b else None,
        "remaining_start": first_b.remaining if first_b else None,
        "remaining_end": last_b.remaining if last_b else None,
        "budget_consumed": consumed,
        "budget_consumed_minutes": minutes,
        "errors": float(hourly.loc[measured, "errors"].sum()) if measured.any() else None,
        "events": float(hourly.loc[measured, "events"].sum()) if measured.any() else None,
        "hours_measured": int(measured.sum()),
        "hours": len(hourly),
        "firings": firings,
    }


def worst_hours(hourly: pd.DataFrame, count: int = 5) -> pd.DataFrame:
    """Return up to `count` hours with errors per instance, most errors first, then earliest."""
    keys = list(KEY)
    bad = hourly[hourly["errors"] > 0]
    ordered = bad.sort_values(
        [*keys, "errors", "hour"], ascending=[True] * len(keys) + [False, True], kind="stable"
    )
    return ordered.groupby(keys, sort=False).head(count).reset_index(drop=True)


def _labelled(table: pd.DataFrame, info: SLOInfo, key: InstanceKey | None) -> pd.DataFrame:
    labels = {"service": info.service, "slo": info.slo, "instance": key.instance if key else ""}
    return table.assign(**labels)


def _concat(parts: list[pd.DataFrame], schema: dict[str, str]) -> pd.DataFrame:
    filled = [part for part in parts if not part.empty]
    if not filled:
        return frame([], schema)
    return pd.concat(filled, ignore_index=True)[list(schema)].astype(schema)


def build_report(
    window: ReportWindow,
    slos: Sequence[SLOInfo],
    instances: Sequence[InstanceData],
    *,
    worst_count: int = 5,
) -> Report:
    """Return the report's tables for `instances` (with a `key` None row for SLOs without data)."""
    summaries: list[dict[str, object]] = []
    hourly_parts: list[pd.DataFrame] = []
    firing_parts: list[pd.DataFrame] = []
    budget_rows: list[dict[str, object]] = []
    for data in instances:
        hourly = hourly_counts(data.samples, window)
        firings = firing_episodes(data.transitions, window.start, window.end)
        summaries.append(summarize(data, window, hourly, len(firings)))
        hourly_parts.append(_labelled(hourly, data.info, data.key))
        firing_parts.append(firings)
        instance = data.key.instance if data.key else ""
        budget_rows.extend(
            {"service": data.info.service, "slo": data.info.slo, "instance": instance}
            | {"at": point.at, "remaining": point.remaining}
            for point in data.chart
        )
    hourly_all = _concat(hourly_parts, HOURLY)
    firings_all = _concat(firing_parts, FIRINGS)
    return Report(
        window=window,
        slos=tuple(slos),
        summary=frame(summaries, SUMMARY),
        hourly=hourly_all,
        worst=worst_hours(hourly_all, worst_count),
        firings=firings_all,
        alerts=alert_summary(firings_all),
        budget=frame(budget_rows, BUDGET),
    )
