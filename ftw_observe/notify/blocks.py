"""Build Slack Block Kit messages for alert notifications, within Slack's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ftw_observe.durations import parse_duration
from ftw_observe.model import Notification

MAX_BLOCKS = 50
HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
MAX_FIELDS = 10
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
FALLBACK_LIMIT = 3000  # Slack takes 40,000 characters; a notification shows far fewer

SEVERITY_EMOJI = {
    "page": ":rotating_light:",
    "critical": ":rotating_light:",
    "ticket": ":warning:",
    "warning": ":warning:",
    "info": ":information_source:",
}
RESOLVED_EMOJI = ":white_check_mark:"
_WINDOW_RATE = re.compile(r"burn_rate_(\d+[smhdwy](?:\d+[smhdwy])*)")
_COUNT = re.compile(r"(error_count|event_count|total_count|errors|events|total)(?:_(\d+[smhdwy]))?")
_COUNT_NAMES = {"error_count": "errors", "errors": "errors"}  # the others count events


@dataclass(frozen=True)
class AlertFacts:
    """What a notification says, read from its labels and annotations.

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


def truncate(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _window_seconds(window: str) -> int:
    try:
        return parse_duration(window)
    except ValueError:
        return 0


def _instance(notification: Notification) -> str:
    labels = notification.labels
    service, slo, tier = labels.get("service"), labels.get("slo"), labels.get("tier")
    key = notification.dedup_key
    if service and slo and tier:
        prefix, suffix = f"ftw/{service}/{slo}/", f"/{tier}"
        if key.startswith(prefix) and key.endswith(suffix):
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
    )


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup: &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int) -> str:
    """Return `text` escaped for mrkdwn and cut to `limit` without splitting an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    return cut + "…"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def slack_date(moment: datetime) -> str:
    """Return a date Slack shows in the reader's time zone, with a UTC fallback."""
    at = _utc(moment)
    tokens = "{date_short_pretty} {time_secs}"
    return f"<!date^{int(at.timestamp())}^{tokens}|{at:%Y-%m-%d %H:%M:%S} UTC>"


def _header(emoji: str, text: str) -> dict[str, Any]:
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": truncate(f"{emoji} {text}", HEADER_LIMIT),
            "emoji": True,
        },
    }


def _identity(facts: AlertFacts, notification: Notification, extra: str) -> dict[str, Any]:
    pairs = [
        ("SLO", facts.slo),
        ("Alert", "" if facts.slo else facts.alertname),
        ("Service", facts.service),
        ("Instance", facts.instance),
        ("Tier", facts.tier),
        ("Severity", facts.severity),
    ]
    head = "   ".join(f"*{name}:* {escape(value)}" for name, value in pairs if value)
    head = truncate(head or escape(notification.dedup_key), SECTION_TEXT_LIMIT // 2)
    room = SECTION_TEXT_LIMIT - len(head) - 2
    body = mrkdwn(extra, room) if extra else ""
    text = f"{head}\n\n{body}" if body else head
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _fields(facts: AlertFacts) -> list[dict[str, Any]]:
    items = [(f"Burn rate {window}", f"{rate}x") for window, rate in facts.burn_rates]
    items += [
        ("Threshold", f"{facts.threshold}x" if facts.threshold else ""),
        ("Remaining budget", facts.remaining_budget),
        ("Time to exhaustion", facts.time_to_exhaustion),
    ]
    items += [(name.capitalize(), value) for name, value in facts.counts]
    return [
        {"type": "mrkdwn", "text": mrkdwn(f"*{name}*\n{value}", FIELD_TEXT_LIMIT)}
        for name, value in items
        if value
    ][:MAX_FIELDS]


def _actions(facts: AlertFacts) -> dict[str, Any] | None:
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_LIMIT)},
            "url": url,
            "action_id": f"ftw_link_{index}",
        }
        for index, (text, url) in enumerate(facts.links)
        if len(url) <= URL_LIMIT  # a cut URL is a broken link: leave the button out
    ]
    return {"type": "actions", "elements": buttons} if buttons else None


def _context(facts: AlertFacts, notification: Notification, verb: str) -> dict[str, Any]:
    parts = [f"{verb} {slack_date(notification.created_at)}", f"source: {notification.source}"]
    if facts.alertname:
        parts.append(escape(facts.alertname))
    if team := notification.labels.get("team"):
        parts.append(f"team: {escape(team)}")
    text = truncate(" · ".join(parts), SECTION_TEXT_LIMIT)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _emoji(severity: str) -> str:
    return SEVERITY_EMOJI.get(severity, ":bell:")


def trigger_blocks(notification: Notification, facts: AlertFacts) -> list[dict[str, Any]]:
    """Return the blocks of a firing alert: header, identity, figures, context, links."""
    label = facts.severity.upper() or "ALERT"
    blocks = [
        _header(_emoji(facts.severity), f"{label}: {facts.summary}"),
        _identity(facts, notification, facts.description),
    ]
    if fields := _fields(facts):
        blocks.append({"type": "section", "fields": fields})
    blocks.append(_context(facts, notification, "Fired"))
    if actions := _actions(facts):
        blocks.append(actions)
    return blocks[:MAX_BLOCKS]


def resolved_blocks(notification: Notification, facts: AlertFacts) -> list[dict[str, Any]]:
    """Return the blocks that replace a firing alert's message once it resolved."""
    blocks = [
        _header(RESOLVED_EMOJI, f"Resolved: {facts.summary}"),
        _identity(facts, notification, f"~{facts.summary}~" if facts.summary else ""),
        _context(facts, notification, "Resolved"),
    ]
    if actions := _actions(facts):
        blocks.append(actions)
    return blocks[:MAX_BLOCKS]


def fallback_text(facts: AlertFacts, *, resolved: bool) -> str:
    """Return the plain top-level text Slack shows in notifications and screen readers."""
    if resolved:
        return truncate(f"{RESOLVED_EMOJI} Resolved: {facts.summary}", FALLBACK_LIMIT)
    label = facts.severity.upper() or "ALERT"
    return truncate(f"{_emoji(facts.severity)} {label}: {facts.summary}", FALLBACK_LIMIT)


def resolved_reply(notification: Notification) -> str:
    """Return the thread reply that says when an alert resolved."""
    return f"{RESOLVED_EMOJI} Resolved at {slack_date(notification.created_at)}"
