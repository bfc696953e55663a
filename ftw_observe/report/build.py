"""Turn evaluation snapshots and alert transitions into the report's pandas tables.

Every time is UTC. The tables, one row per SLO instance unless said otherwise:

- `summary`: compliance and remaining budget over the SLO's period as of the window's end,
  with the share of the period that had data; errors, events, SLI and budget consumed over
  the measured whole hours of the window (all four over the same hours); alert firings;
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

from ftw_observe.budget import Counts, Status, coverage, error_budget
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
    # Clamped as the engine clamps (Prometheus extrapolates), so every sum and ratio of the
    # report is made of errors within 0..events.
    merged["errors"] = merged["errors"].clip(lower=0).clip(upper=merged["events"].clip(lower=0))
    merged["events"] = merged["events"].clip(lower=0)
    events = merged["events"].where(merged["events"] > 0)
    merged["error_ratio"] = merged["errors"] / events
    return merged.drop(columns="end")


def window_budget(
    errors: float | None, events: float | None, measured_seconds: float, info: SLOInfo
) -> tuple[float | None, float | None]:
    """Return the budget consumed by counts measured over `measured_seconds`, and its minutes.

    The share of the period's budget spent: the burn rate of the counts times the share of
    the period they cover, (errors / events) / (1 - objective) * measured / period. It is the
    budget the period allows for that many seconds of traffic that the errors used, so it is
    never negative and adds up over disjoint hours of equal traffic. In minutes of full
    outage: the error ratio times the measured minutes. No events: (None, None).
    """
    if errors is None or events is None or not events > 0:
        return None, None
    ratio = min(max(errors, 0.0), events) / events
    allowed = float(error_budget(Fraction(Decimal(repr(info.objective))) / 100))
    return ratio / allowed * measured_seconds / info.period_seconds, ratio * measured_seconds / 60


def period_coverage(data: InstanceData) -> float | None:
    """Return the share of the SLO's period that had data when its compliance was measured."""
    last = data.measured
    if last is None or data.first_seen is None:
        return None
    return coverage(
        data.first_seen.timestamp(), last.evaluated_at.timestamp(), data.info.period_seconds
    )


def full_period_remaining(remaining: float | None, covered: float | None) -> float | None:
    """Return the share of the whole period's budget left, from one over its covered part.

    The engine's remaining budget compares the errors so far with the budget of the events so
    far; early in a period that budget is small, and a few bad minutes read as thousands of
    percent overspent. Spread over the whole period at the traffic seen so far, what was
    spent is (1 - remaining) * coverage.
    """
    if remaining is None or not math.isfinite(remaining) or covered is None:
        return remaining
    return 1 - (1 - remaining) * covered


def summarize(
    data: InstanceData, window: ReportWindow, hourly: pd.DataFrame, firings: int
) -> dict[str, object]:
    """Return one summary row: period compliance, then the window's counts and budget.

    - period (as of `measured_at`, the last snapshot in the window with period counts): the
      SLI over the SLO's period, met if it reaches the objective, the share of the period that
      had data (`coverage`) and the remaining budget of the whole period (`remaining_end`, see
      `full_period_remaining`);
    - window (over the same measured whole hours, `hours_measured` of `hours`): errors,
      events, their SLI (`window_sli`) and the budget they consumed (see `window_budget`).
    """
    info, last = data.info, data.measured
    sli, met = compliance(last.errors, last.events, info.objective) if last else (None, None)
    covered = period_coverage(data)
    measured = hourly["errors"].notna()
    errors = float(hourly.loc[measured, "errors"].sum()) if measured.any() else None
    events = float(hourly.loc[measured, "events"].sum()) if measured.any() else None
    seconds = float(measured.sum()) * 3600
    consumed, minutes = window_budget(errors, events, seconds, info)
    window_sli = Counts(errors, events).sli if errors is not None and events is not None else None
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
        "coverage": covered,
        "remaining_end": full_period_remaining(last.remaining if last else None, covered),
        "errors": errors,
        "events": events,
        "window_sli": window_sli,
        "budget_consumed": consumed,
        "budget_consumed_minutes": minutes,
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
