"""Slack blocks of the weekly budget review: one line per SLO, the worst hours, the report."""

from __future__ import annotations

from typing import Any

from ftw_observe.model import Notification
from ftw_observe.notify.blocks import FALLBACK_LIMIT, SECTION_TEXT_LIMIT, URL_LIMIT, mrkdwn

ALERTNAME = "FTWBudgetReview"
EMOJI = ":bar_chart:"
HEADER = "Weekly SLO review"


def is_review(notification: Notification) -> bool:
    """Tell whether an announcement is a budget review."""
    return notification.labels.get("alertname") == ALERTNAME


def review_text(notification: Notification) -> str:
    """Return the plain top-level text of a review: its one-line summary."""
    summary = notification.annotations.get("summary") or HEADER
    return f"{EMOJI} {mrkdwn(summary, FALLBACK_LIMIT - len(EMOJI) - 1)}"


def _sections(title: str, lines: list[str]) -> list[dict[str, Any]]:
    """Return mrkdwn sections of bulleted lines, each within Slack's section limit."""
    found: list[dict[str, Any]] = []
    current = f"*{title}*"
    for line in lines:
        bullet = "\n• " + mrkdwn(line, SECTION_TEXT_LIMIT // 4)
        if len(current) + len(bullet) > SECTION_TEXT_LIMIT:
            found.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
            current = bullet.lstrip("\n")
        else:
            current += bullet
    found.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
    return found


def review_blocks(notification: Notification) -> list[dict[str, Any]]:
    """Return the blocks of a review: summary, SLOs, incidents, worst hours, report link."""
    notes = notification.annotations
    shown: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"{EMOJI} {HEADER}", "emoji": True},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": review_text(notification)}},
    ]
    shown += _sections("SLOs, worst first", notes.get("slos", "").splitlines())
    if notes.get("incidents"):
        shown += _sections("Incidents", [notes["incidents"]])
    shown += _sections("Worst hours", notes.get("worst_hours", "").splitlines())
    url = notes.get("report_url", "")
    if url and len(url) <= URL_LIMIT:
        link = f"<{url}|The full report> (compliance, budget, worst hours and alerts per SLO)"
        shown.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    return shown
