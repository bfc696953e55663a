"""The facts every receiver shows of an alert, read from a notification's labels and annotations.

Receivers (Slack, PagerDuty) render the same facts their own way; none of them reads another's
format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from ftw_observe.durations import parse_duration
from ftw_observe.model import Notification

_WINDOW_RATE = re.compile(r"burn_rate_(\d+[smhdwy](?:\d+[smhdwy])*)")
_COUNT = re.compile(r"(error_count|event_count|total_count|errors|events|total)(?:_(\d+[smhdwy]))?")
_COUNT_NAMES = {"error_count": "errors", "errors": "errors"}  # the others count events


@dataclass(frozen=True)
class AlertFacts:
    """What a notification says, read from its labels and annotations.

    >>> from datetime import UTC, datetime
    >>> from ftw_observe.model import NotificationKind
    >>> n = Notification("k", NotificationKind.TRIGGER, datetime.now(UTC), {"slo": "a"}, {})
    >>> alert_facts(n).slo
    'a'
    """

    summary: str
    description: str
    alertname: str
    service: str
    slo: str
    instance: str
    tier: str
    severity: str
    burn_rates: tuple[tuple[str, str], ...]  # (window, burn rate), long window first
    threshold: str
    remaining_budget: str
    time_to_exhaustion: str
    counts: tuple[tuple[str, str], ...]  # (name, value): errors, events, per window
    links: tuple[tuple[str, str], ...]  # (text, url): runbook, dashboard, status page
    # Set when the budget covers only part of its period: the consumed share and the coverage.
    budget_note: str = ""


def truncate(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _window_seconds(window: str) -> int:
    try:
        return parse_duration(window)
    except ValueError:
        return 0


def _instance(notification: Notification) -> str:
    """Return the SLO instance an alert's key names: `ftw/<service>/<slo>/<instance>/<tier>`.

    An incident's key ends in the severity its tiers share instead of a tier.
    """
    labels = notification.labels
    service, slo, key = labels.get("service"), labels.get("slo"), notification.dedup_key
    prefix = f"ftw/{service}/{slo}/"
    if service and slo and key.startswith(prefix):
        for last in (labels.get("tier"), labels.get("severity")):
            suffix = f"/{last}"
            if last and key.endswith(suffix) and len(key) >= len(prefix) + len(suffix):
                return key[len(prefix) : len(key) - len(suffix)]
    return labels.get("instance", "")


def _burn_rates(labels: dict[str, str], notes: dict[str, str]) -> tuple[tuple[str, str], ...]:
    rates: dict[str, str] = {}
    if "burn_rate" in notes:
        rates[labels.get("long_window") or "long window"] = notes["burn_rate"]
    if "burn_rate_short" in notes:
        rates.setdefault(labels.get("short_window") or "short window", notes["burn_rate_short"])
    others = {m.group(1): v for k, v in notes.items() if (m := _WINDOW_RATE.fullmatch(k))}
    for window in sorted(others, key=_window_seconds, reverse=True):
        rates.setdefault(window, others[window])
    return tuple(rates.items())


def status_page_link(base_url: str, service: str, slo: str) -> str:
    """Return the status page of one SLO, or the status page itself without an SLO."""
    base = base_url.rstrip("/")
    if service and slo:
        return f"{base}/slos/{quote(service, safe='')}/{quote(slo, safe='')}"
    return f"{base}/"


def alert_facts(notification: Notification, status_page_url: str | None = None) -> AlertFacts:
    """Read the facts receivers show from a notification; missing ones are empty."""
    labels, notes = notification.labels, notification.annotations
    alertname = labels.get("alertname", "")
    service, slo = labels.get("service", ""), labels.get("slo", "")
    counts = []
    for key in sorted(notes):
        if match := _COUNT.fullmatch(key):
            name = _COUNT_NAMES.get(match.group(1), "events")
            counts.append((f"{name} {match.group(2)}" if match.group(2) else name, notes[key]))
    links = [
        (text, notes[key])
        for text, key in (("Runbook", "runbook_url"), ("Dashboard", "dashboard_url"))
        if notes.get(key)
    ]
    if status_page_url:
        links.append(("Status page", status_page_link(status_page_url, service, slo)))
    return AlertFacts(
        summary=notes.get("summary") or alertname or notification.dedup_key,
        description=notes.get("description", ""),
        alertname=alertname,
        service=service,
        slo=slo,
        instance=_instance(notification),
        tier=labels.get("tier", ""),
        severity=labels.get("severity", "").lower(),
        burn_rates=_burn_rates(labels, notes),
        threshold=notes.get("burn_rate_threshold", ""),
        remaining_budget=notes.get("remaining_budget", ""),
        time_to_exhaustion=notes.get("time_to_exhaustion", ""),
        counts=tuple(counts),
        links=tuple(links),
        budget_note=notes.get("budget_note", ""),
    )
