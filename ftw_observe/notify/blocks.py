"""Build Slack Block Kit messages for alert notifications, within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify import story
from ftw_observe.notify.facts import AlertFacts, truncate

MAX_BLOCKS = 50
HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
MAX_FIELDS = 10
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
FALLBACK_LIMIT = 3000  # Slack takes 40,000 characters; a notification shows far fewer
IMPACT_LINE_LIMIT = 500  # one SLO's line of a resolve: a long instance must not crowd out others

SEVERITY_EMOJI = {
    "page": ":rotating_light:",
    "critical": ":rotating_light:",
    "ticket": ":warning:",
    "warning": ":warning:",
    "info": ":information_source:",
}
RESOLVED_EMOJI = ":white_check_mark:"
SUPERSEDED_EMOJI = ":arrow_double_up:"


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
        ("Budget", facts.budget_note)
        if facts.budget_note
        else ("Remaining budget", facts.remaining_budget),
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
    since = story.since_text(notification.annotations, notification.created_at, slo=bool(facts.slo))
    blocks = [
        _header(_emoji(facts.severity), f"{label}: {facts.summary}"),
        _identity(facts, notification, "\n".join(p for p in (since, facts.description) if p)),
    ]
    if fields := _fields(facts):
        blocks.append({"type": "section", "fields": fields})
    blocks.append(_context(facts, notification, "Fired"))
    if actions := _actions(facts):
        blocks.append(actions)
    return blocks[:MAX_BLOCKS]


def _title(facts: AlertFacts, told: story.Story | None) -> str:
    """Return what resolved: the incident's SLOs, else the alert's summary."""
    if told is None:
        return facts.summary  # a resolve no incident told the story of: as the alert said
    found = [(each.slo, each.instance) for each in told.impacts] or [(facts.slo, facts.instance)]
    names = [f"{slo} ({instance})" if instance else slo for slo, instance in found if slo]
    if facts.service and names:
        return f"{facts.service} {', '.join(dict.fromkeys(names))}"
    return facts.summary


def _resolved_heading(facts: AlertFacts, told: story.Story | None) -> str:
    after = f" after {story.human_duration(told.duration)}" if told else ""
    return f"Resolved{after}: {_title(facts, told)}"


def _impacts(told: story.Story, limit: int) -> str:
    """Return one line per SLO instance of an incident, as many as fit in `limit` characters."""
    lines: list[str] = []
    for index, each in enumerate(told.impacts):
        line = f"• {mrkdwn(story.impact_text(each), IMPACT_LINE_LIMIT)}"
        rest = len(told.impacts) - index
        more = f"\n… and {rest - 1} more" if rest > 1 else ""
        if sum(len(x) + 1 for x in lines) + len(line) + len(more) > limit:
            lines.append(f"… and {rest} more")
            break
        lines.append(line)
    return "\n".join(lines)


def story_blocks(told: story.Story) -> list[dict[str, Any]]:
    """Return the blocks that tell an incident's story: start, end, duration, burn and budget."""
    duration = story.human_duration(told.duration)
    items = [
        ("Started", f"{story.clock(told.started_at)}\n{duration} before the end"),
        ("Ended", story.clock(told.ended_at)),
        ("Duration", duration),
    ]
    fields = [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in items]
    shown: list[dict[str, Any]] = [{"type": "section", "fields": fields}]
    if told.impacts:
        heading = "*Burn and budget*\n"
        text = heading + _impacts(told, SECTION_TEXT_LIMIT - len(heading))
        shown.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return shown


def resolved_blocks(notification: Notification, facts: AlertFacts) -> list[dict[str, Any]]:
    """Return the blocks that replace a firing alert's message once it resolved."""
    told = story.read(notification.annotations)
    if told is None:
        extra = f"~{facts.summary}~" if facts.summary else ""
    else:
        extra = notification.annotations.get("resolution", "")
    blocks = [
        _header(RESOLVED_EMOJI, _resolved_heading(facts, told)),
        _identity(facts, notification, extra),
        *(story_blocks(told) if told else []),
        _context(facts, notification, "Resolved"),
    ]
    if actions := _actions(facts):
        blocks.append(actions)
    return blocks[:MAX_BLOCKS]


def fallback_text(facts: AlertFacts, *, resolved: bool, told: story.Story | None = None) -> str:
    """Return the plain top-level text Slack shows in notifications and screen readers."""
    if resolved:
        heading = _resolved_heading(facts, told)
        return truncate(f"{RESOLVED_EMOJI} {heading}", FALLBACK_LIMIT)
    label = facts.severity.upper() or "ALERT"
    return truncate(f"{_emoji(facts.severity)} {label}: {facts.summary}", FALLBACK_LIMIT)


def resolved_reply(notification: Notification) -> str:
    """Return the thread reply that says when an alert resolved, after how long, at what cost."""
    text = f"{RESOLVED_EMOJI} Resolved at {slack_date(notification.created_at)}"
    told = story.read(notification.annotations)
    if told is not None:
        duration = story.human_duration(told.duration)
        text += f" after {duration} (started {story.clock(told.started_at)})"
    why = notification.annotations.get("resolution")
    if why:
        text = f"{text}: {mrkdwn(why, SECTION_TEXT_LIMIT)}"
    if told is not None and told.impacts:
        # Slack takes far longer texts; a reply people read at a glance stays a section's size.
        text += "\n" + _impacts(told, max(SECTION_TEXT_LIMIT - len(text) - 1, 0))
    return text


def superseded_text(facts: AlertFacts) -> str:
    """Return the plain top-level text of a ticket a page took over."""
    return truncate(f"{SUPERSEDED_EMOJI} Superseded by a page: {facts.summary}", FALLBACK_LIMIT)


def superseded_blocks(notification: Notification, facts: AlertFacts) -> list[dict[str, Any]]:
    """Return the blocks that replace a ticket's message once a page took it over."""
    page = notification.annotations.get("superseded_by_summary", "")
    return [
        _header(SUPERSEDED_EMOJI, f"Superseded by a page: {facts.summary}"),
        _identity(facts, notification, f"A page took over: {page}" if page else ""),
        _context(facts, notification, "Superseded"),
    ]


def superseded_reply(notification: Notification) -> str:
    """Return the thread reply that names the page which took a ticket over."""
    notes = notification.annotations
    page = mrkdwn(notes.get("superseded_by_summary", "a page"), SECTION_TEXT_LIMIT // 2)
    key = escape(notes.get("superseded_by", ""))
    when = slack_date(notification.created_at)
    return (
        f"{SUPERSEDED_EMOJI} Superseded at {when} by the page {page} (`{key}`): the same SLO "
        "now burns fast enough to page, and the page's thread follows it from here."
    )


def ending(notification: Notification, facts: AlertFacts) -> tuple[str, list[dict[str, Any]], str]:
    """Return the text, blocks and thread reply that end an alert: resolved or superseded."""
    if notification.kind is NotificationKind.SUPERSEDE:
        return (
            superseded_text(facts),
            superseded_blocks(notification, facts),
            superseded_reply(notification),
        )
    return (
        fallback_text(facts, resolved=True, told=story.read(notification.annotations)),
        resolved_blocks(notification, facts),
        resolved_reply(notification),
    )


ANNOUNCE_EMOJI = {"created": ":mute:", "forced": ":rotating_light:"}  # endings: :loud_sound:


def _when(text: str | None) -> str:
    try:
        return slack_date(datetime.fromisoformat(text or ""))
    except ValueError:
        return escape(text or "unknown")


def announcement_text(notification: Notification) -> str:
    """Return the plain top-level text of a silence announcement (or a budget review)."""
    from ftw_observe.notify import review_blocks  # it builds on this module

    if review_blocks.is_review(notification):
        return review_blocks.review_text(notification)
    event = notification.labels.get("event", "")
    emoji = ANNOUNCE_EMOJI.get(event, ":loud_sound:")
    summary = notification.annotations.get("summary") or notification.dedup_key
    # Slack reads this text as mrkdwn: a <!channel> in someone's name must stay text.
    return f"{emoji} {mrkdwn(summary, FALLBACK_LIMIT - len(emoji) - 1)}"


def announcement_blocks(notification: Notification) -> list[dict[str, Any]]:
    """Return the blocks of a silence announcement: who, why, which matchers, from when to when."""
    from ftw_observe.notify import review_blocks  # it builds on this module

    if review_blocks.is_review(notification):
        return review_blocks.review_blocks(notification)
    notes, event = notification.annotations, notification.labels.get("event", "")
    emoji = ANNOUNCE_EMOJI.get(event, ":loud_sound:")
    blocks = [_header(emoji, notes.get("summary") or "Silence")]
    if event == "forced":
        warning = (
            f"*This silence mutes every alert the engine knows* ({notes.get('mutes', 'all')}): "
            "pages, tickets and threshold alerts alike. Nobody is paged until it ends or "
            "someone expires it."
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": warning}})
    items = [
        ("Who", mrkdwn(notes.get("author", ""), FIELD_TEXT_LIMIT // 2)),
        ("From", _when(notes.get("starts_at"))),
        ("Until", _when(notes.get("ends_at"))),
        ("Ended", _when(notes["ended_at"]) if "ended_at" in notes else ""),
        ("Mutes", escape(notes.get("mutes", ""))),
    ]
    fields = [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in items if value]
    blocks.append({"type": "section", "fields": fields})
    matchers = "\n".join(f"`{line}`" for line in notes.get("matchers", "").splitlines())
    for name, value in (("Why", notes.get("reason", "")), ("Matchers", matchers)):
        text = f"*{name}*\n{mrkdwn(value, SECTION_TEXT_LIMIT - len(name) - 3)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    silence = escape(notification.labels.get("silence", ""))
    context = f"silence {silence} · `ftw-observe silence list --all` shows every silence"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return blocks[:MAX_BLOCKS]
