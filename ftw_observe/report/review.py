"""The scheduled budget review: the week's report, summarised for the ticket channel.

On every scheduled time (FTW_REVIEW_SCHEDULE, a crontab in UTC; Mondays 09:00 by default) the
leader builds the report of the week that ended then, keeps its HTML page (served at
/reports/latest.html) and queues one `ANNOUNCE` notification that the router sends to the
Slack receivers of the ticket route. The store's row per scheduled time is the guard: a
second replica, or a restarted leader, finds it claimed and sends nothing.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from apscheduler.triggers.cron import CronTrigger
from rich.console import Console

from ftw_observe.display import format as fmt
from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify.review_blocks import ALERTNAME
from ftw_observe.report import render
from ftw_observe.report.build import Report, build_report
from ftw_observe.report.load import load_instances
from ftw_observe.report.model import ReportWindow, SLOInfo
from ftw_observe.store import Store

log = logging.getLogger("ftw_observe.engine")

WEEK = timedelta(days=7)
# A review missed by more than this (every replica down at the time) is skipped, not sent late.
CATCH_UP = timedelta(days=1)
REPORT_PATH = "/reports/latest.html"
# What reviews are routed by: the ticket route of the policy, like silence announcements.
LABELS = {"alertname": ALERTNAME, "service": "ftw-observe", "severity": "ticket"}
SOURCE = "review"
KEY_PREFIX = "ftw/review/"
MOST_SLOS = 20  # lines in the message; the linked report has every SLO
MOST_HOURS = 3


def latest_due(
    trigger: CronTrigger, now: datetime, catch_up: timedelta = CATCH_UP
) -> datetime | None:
    """Return the latest scheduled time at or before `now`, if it is at most `catch_up` ago."""
    due: datetime | None = None
    fire = trigger.get_next_fire_time(None, now - catch_up)
    while fire is not None and fire <= now:
        due = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return None if due is None else due.astimezone(UTC)


def _name(record: dict[Any, Any]) -> str:
    parts = (f"{record['service']}/{record['slo']}", str(record["instance"]))
    return " ".join(part for part in parts if part)


def _known(raw: Any) -> float | None:
    return None if raw is None or pd.isna(raw) else float(raw)


def slo_line(record: dict[Any, Any]) -> str:
    """Return one SLO instance's line: compliance, budget this week and period, firings."""
    sli, objective = _known(record["sli"]), _known(record["objective"])
    met = record["compliant"]
    verdict = "no data" if met is None or pd.isna(met) else ("met" if met else "NOT met")
    week = fmt.budget(_known(record["budget_consumed"]))
    remaining = _known(record["remaining_end"])
    period = fmt.budget(None if remaining is None else 1 - remaining)
    covered = _known(record["coverage"])
    measured = ""
    if covered is not None and covered < 1:
        span = render.period_measured(covered, float(record["period_seconds"]))
        measured = f" (measured over {span})"
    firings = int(record["firings"])
    return (
        f"{_name(record)}: {fmt.sli(sli)} of {fmt.objective(objective)}, {verdict}; "
        f"budget consumed {week} this week, {period} this period{measured}; "
        f"{firings} alert firing{'' if firings == 1 else 's'}"
    )


def _severity(record: dict[Any, Any]) -> tuple[int, float]:
    """Order SLOs worst first: not met, then by the period's budget spent."""
    met = record["compliant"]
    rank = 0 if met is not None and not pd.isna(met) and not met else 1
    remaining = _known(record["remaining_end"])
    return rank, -math.inf if remaining is None else remaining


def worst_lines(report: Report, count: int = MOST_HOURS) -> list[str]:
    """Return the hours with the most errors across every SLO, most first."""
    worst = report.worst.sort_values(["errors", "hour"], ascending=[False, True], kind="stable")
    return [
        f"{fmt.timestamp(pd.Timestamp(r['hour']).to_pydatetime())} {_name(r)}: "
        f"{fmt.count(_known(r['errors']))} errors of {fmt.count(_known(r['events']))} "
        f"({fmt.ratio(_known(r['error_ratio']))})"
        for r in worst.head(count).to_dict("records")
    ]


def incidents_line(pages: dict[str, int]) -> str:
    """Return the week's paged outages, per service, most first."""
    total = sum(pages.values())
    if not total:
        return "No outage paged anyone."
    ranked = sorted(pages.items(), key=lambda item: (-item[1], item[0]))
    per_service = ", ".join(f"{service} {count}" for service, count in ranked)
    return f"{total} paged outage{'' if total == 1 else 's'}: {per_service}"


def review_notification(
    report: Report,
    due_at: datetime,
    report_url: str | None,
    now: datetime,
    pages: dict[str, int] | None = None,
) -> Notification:
    """Return the ticket-channel message of a review: SLOs, incidents, the worst hours."""
    records = sorted(report.summary.to_dict("records"), key=_severity)
    lines = [slo_line(record) for record in records[:MOST_SLOS]]
    if len(records) > MOST_SLOS:
        lines.append(f"… and {len(records) - MOST_SLOS} more SLOs in the full report")
    missed = sum(1 for r in records if r["compliant"] is not None and r["compliant"] is False)
    window = report.window
    summary = (
        f"Weekly SLO review, {fmt.timestamp(window.start)} to {fmt.timestamp(window.end)}: "
        f"{missed} of {len(records)} SLOs below objective"
    )
    notes = {
        "summary": summary,
        "slos": "\n".join(lines),
        "incidents": incidents_line(pages or {}),
        "worst_hours": "\n".join(worst_lines(report)) or "No errors in any measured hour.",
    }
    if report_url:
        notes["report_url"] = report_url
    labels = {**LABELS, "review": due_at.isoformat()}
    return Notification(
        f"{KEY_PREFIX}{due_at.isoformat()}", NotificationKind.ANNOUNCE, now, labels, notes, SOURCE
    )


class BudgetReview:
    """Queue the week's budget review once per scheduled time, on whichever replica runs it.

    >>> # review = BudgetReview(store, slos, parse_schedule("0 9 * * 1"), replica="engine-1",
    >>> #                       report_url="https://observe.example/reports/latest.html")
    >>> # review.run(datetime.now(UTC))  # the scheduled time it queued, or None
    """

    def __init__(
        self,
        store: Store,
        slos: Sequence[SLOInfo],
        trigger: CronTrigger,
        *,
        replica: str,
        report_url: str | None,
        window: timedelta = WEEK,
    ) -> None:
        self.store = store
        self.slos = list(slos)
        self.trigger = trigger
        self.replica = replica
        self.report_url = report_url
        self.window = window

    def run(self, now: datetime) -> datetime | None:
        """Queue the review due at or before `now` unless it was; return its scheduled time."""
        due = latest_due(self.trigger, now)
        if due is None or self.store.review_claimed(due):
            return None
        window = ReportWindow(due - self.window, due)
        quiet = Console(file=io.StringIO())
        report = build_report(
            window, self.slos, load_instances(self.store, self.slos, window, quiet)
        )
        pages = self.store.pages_opened(window.start, window.end)
        message = review_notification(report, due, self.report_url, now, pages)
        claimed = self.store.claim_review(
            due_at=due,
            now=now,
            replica=self.replica,
            html=render.html(report),
            notifications=[message],
        )
        if not claimed:
            return None
        log.info("queued the budget review due %s for the ticket channel", due.isoformat())
        return due
