"""Block Kit messages: content, escaping and Slack's limits, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ftw_observe.demo.fakes.slack import block_errors
from ftw_observe.matching.coverage import Coverage
from ftw_observe.matching.silences import new_silence
from ftw_observe.model import ACTIVE_SINCE, Notification, NotificationKind
from ftw_observe.notify import blocks, story
from ftw_observe.notify.announce import Event, announcement
from ftw_observe.notify.facts import alert_facts
from tests.support.notifications import burn_notification

STATUS_PAGE = "http://127.0.0.1:8080/"


def texts(message: list[dict[str, Any]]) -> str:
    """Return every text of a message's blocks, joined."""
    found = []
    for block in message:
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(part, dict):
                found.append(
                    part.get("text", {}).get("text", "") if "url" in part else part["text"]
                )
    return "\n".join(found)


def test_trigger_blocks_show_everything_on_call_needs() -> None:
    notification = burn_notification()
    facts = alert_facts(notification, STATUS_PAGE)
    message = blocks.trigger_blocks(notification, facts)

    assert block_errors(message) == []
    assert [b["type"] for b in message] == ["header", "section", "section", "context", "actions"]
    assert message[0]["text"]["text"].startswith(":rotating_light: PAGE: marketplace api-latency")
    shown = texts(message)
    for expected in [
        "*SLO:* api-latency-p95",
        "*Service:* marketplace",
        "*Instance:* route=/api/jobs",
        "*Tier:* page-1h",
        "*Burn rate 1h*\n20.50x",
        "*Burn rate 5m*\n31.00x",
        "*Burn rate 6h*\n9.10x",
        "*Threshold*\n14.4x",
        "*Remaining budget*\n73.20%",
        "*Time to exhaustion*\n1d 11h 4m",
        "*Errors*\n412",
        "Objective 95 % over 30d.",
        "team: marketplace-sre",
    ]:
        assert expected in shown
    buttons = message[-1]["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("Runbook", notification.annotations["runbook_url"]),
        ("Dashboard", notification.annotations["dashboard_url"]),
        ("Status page", "http://127.0.0.1:8080/slos/marketplace/api-latency-p95"),
    ]


def test_resolved_blocks_say_resolved() -> None:
    notification = burn_notification()
    facts = alert_facts(notification)
    message = blocks.resolved_blocks(notification, facts)

    assert block_errors(message) == []
    assert message[0]["text"]["text"].startswith(":white_check_mark: Resolved: marketplace")
    assert f"~{facts.summary}~" in message[1]["text"]["text"]
    assert blocks.fallback_text(facts, resolved=True).startswith(":white_check_mark: Resolved:")


@pytest.mark.parametrize(
    ("severity", "emoji"),
    [
        ("page", ":rotating_light:"),
        ("critical", ":rotating_light:"),
        ("ticket", ":warning:"),
        ("warning", ":warning:"),
        ("info", ":information_source:"),
        ("other", ":bell:"),
    ],
)
def test_severity_emoji(severity: str, emoji: str) -> None:
    labels = {**burn_notification().labels, "severity": severity}
    notification = burn_notification(labels=labels)
    facts = alert_facts(notification)
    header = blocks.trigger_blocks(notification, facts)[0]["text"]["text"]
    assert header.startswith(f"{emoji} {severity.upper()}: ")
    assert blocks.fallback_text(facts, resolved=False).startswith(emoji)


def test_huge_texts_stay_within_every_limit() -> None:
    notes = {
        **burn_notification().annotations,
        "summary": "S" * 10_000,
        "description": "<&>" * 10_000,
        "burn_rate": "9" * 5000,
        "dashboard_url": "https://grafana.example.com/" + "d" * 5000,
    }
    labels = {**burn_notification().labels, "team": "t" * 5000, "alertname": "A" * 5000}
    notification = burn_notification(labels=labels, annotations=notes)
    facts = alert_facts(notification, STATUS_PAGE)

    for message in (
        blocks.trigger_blocks(notification, facts),
        blocks.resolved_blocks(notification, facts),
    ):
        assert block_errors(message) == []
        assert len(message) <= blocks.MAX_BLOCKS
        assert len(message[0]["text"]["text"]) == blocks.HEADER_LIMIT
        assert message[0]["text"]["text"].endswith("…")
        assert len(message[1]["text"]["text"]) <= blocks.SECTION_TEXT_LIMIT
        urls = [b["url"] for b in message[-1]["elements"]]
        assert notes["dashboard_url"] not in urls  # a cut URL would be broken: left out
    assert len(blocks.fallback_text(facts, resolved=False)) == blocks.FALLBACK_LIMIT


def test_many_windows_and_counts_stay_within_ten_fields() -> None:
    notes = {f"burn_rate_{n}m": str(n) for n in range(1, 30)}
    notes |= {f"errors_{n}h": str(n) for n in range(1, 10)}
    notification = burn_notification(annotations=notes)
    message = blocks.trigger_blocks(notification, alert_facts(notification))
    fields = message[2]["fields"]
    assert len(fields) == blocks.MAX_FIELDS
    assert fields[0]["text"] == "*Burn rate 29m*\n29x"  # longest window first
    assert block_errors(message) == []


def test_markup_in_values_is_escaped() -> None:
    notes = {"summary": "a <b> & c", "description": "<!channel> ping & <http://x|y>"}
    notification = burn_notification(annotations=notes)
    message = blocks.trigger_blocks(notification, alert_facts(notification))
    section = message[1]["text"]["text"]
    assert "&lt;!channel&gt; ping &amp; &lt;http://x|y&gt;" in section
    assert "<!channel>" not in section


def test_cutting_never_splits_an_entity() -> None:
    text = blocks.mrkdwn("&" * 100, 50)
    assert len(text) <= 50
    assert text.endswith("&amp;…")


def test_threshold_alert_without_slo() -> None:
    notification = burn_notification(
        labels={"alertname": "HostDiskFull", "severity": "warning", "instance": "db-1"},
        annotations={"summary": "Disk 91 % full on db-1"},
    )
    facts = alert_facts(notification, STATUS_PAGE)
    message = blocks.trigger_blocks(notification, facts)

    assert block_errors(message) == []
    assert (
        "*Alert:* HostDiskFull   *Instance:* db-1   *Severity:* warning"
        in message[1]["text"]["text"]
    )
    assert facts.instance == "db-1"
    assert [b["type"] for b in message] == ["header", "section", "context", "actions"]
    assert message[-1]["elements"][0]["url"] == "http://127.0.0.1:8080/"


def hostile_announcement() -> Notification:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    silence = new_silence(
        [f"label_{index}=~{'(a|b)' * 40}" for index in range(60)] + ["service=marketplace"],
        author="<!channel> & friends",
        reason="<https://evil.example|click me> " + "x" * 1950,
        starts_at=None,
        ends_at=now + timedelta(hours=1),
        now=now,
    )
    return announcement(silence, Event.FORCED, coverage=Coverage(48, 48))


def test_announcement_blocks_keep_slack_limits_with_long_hostile_input() -> None:
    notification = hostile_announcement()
    message = blocks.announcement_blocks(notification)

    assert block_errors(message) == []
    assert len(blocks.announcement_text(notification)) <= blocks.FALLBACK_LIMIT
    header, *rest = message
    assert header["text"]["type"] == "plain_text"  # Slack shows it as typed, links and all
    shown = texts(rest) + blocks.announcement_text(notification)
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt; &amp; friends" in shown
    assert "<https://evil.example" not in shown


STARTED = datetime(2025, 3, 4, 4, 19, 7, tzinfo=UTC)
ENDED = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def told_resolve(*impacts: story.Impact, **notes: str) -> Notification:
    """Return a resolve of the incident of `burn_notification` that carries its story."""
    base = burn_notification(NotificationKind.RESOLVE, created_at=ENDED)
    told = story.Story(STARTED, ENDED, impacts)
    return replace(base, annotations={**base.annotations, **story.to_annotations(told), **notes})


LATENCY = story.Impact(
    "api-latency-p95",
    "route=/api/jobs",
    31.2,
    "1h",
    datetime(2025, 3, 4, 4, 40, 30, tzinfo=UTC),
    0.031,
    412.0,
    "30d",
)


def test_resolved_blocks_tell_start_end_duration_peak_burn_and_budget() -> None:
    notification = told_resolve(LATENCY)
    message = blocks.resolved_blocks(notification, alert_facts(notification))

    assert block_errors(message) == []
    header = message[0]["text"]["text"]
    assert (
        header
        == ":white_check_mark: Resolved after 47m: marketplace api-latency-p95 (route=/api/jobs)"
    )
    shown = texts(message)
    for expected in [
        "*Started*\n2025-03-04 04:19:07 UTC\n47m before the end",
        "*Ended*\n2025-03-04 05:06:07 UTC",
        "*Duration*\n47m",
        "peak burn 31.20x over 1h at 04:40:30 UTC",
        "3.10% of its 30d error budget consumed (412 errors)",
    ]:
        assert expected in shown
    assert "too fast" not in shown, "the last firing summary is not what resolved"


def test_the_resolve_of_several_slos_names_them_all() -> None:
    api = replace(LATENCY, slo="api-availability", instance="")
    notification = told_resolve(LATENCY, api)
    facts = alert_facts(notification)

    text = blocks.fallback_text(facts, resolved=True, told=story.read(notification.annotations))

    assert text == (
        ":white_check_mark: Resolved after 47m: "
        "marketplace api-latency-p95 (route=/api/jobs), api-availability"
    )


def test_the_thread_reply_tells_the_story() -> None:
    reply = blocks.resolved_reply(told_resolve(LATENCY, resolution="the 5m window is clean"))

    assert reply.startswith(":white_check_mark: Resolved at <!date^1741064767^")
    assert "after 47m (started 2025-03-04 04:19:07 UTC): the 5m window is clean" in reply
    assert reply.endswith(f"• {story.impact_text(LATENCY)}")


def test_a_trigger_says_since_when_the_slo_burns() -> None:
    base = burn_notification()
    since = (base.created_at - timedelta(minutes=3)).isoformat()
    notification = replace(base, annotations={**base.annotations, ACTIVE_SINCE: since})
    message = blocks.trigger_blocks(notification, alert_facts(notification))

    assert block_errors(message) == []
    assert "Burning since 2025-03-04 05:03:07 UTC (3m before this message)" in texts(message)


def test_a_story_of_many_slos_stays_within_every_limit() -> None:
    many = [replace(LATENCY, slo=f"slo-{n}-" + "x" * 600) for n in range(200)]
    notification = told_resolve(*many)
    message = blocks.resolved_blocks(notification, alert_facts(notification))
    reply = blocks.resolved_reply(notification)

    assert block_errors(message) == []
    assert len(message[0]["text"]["text"]) <= blocks.HEADER_LIMIT
    impacts = message[3]["text"]["text"]
    assert len(impacts) <= blocks.SECTION_TEXT_LIMIT
    assert impacts.endswith("more")
    assert len(reply) <= blocks.SECTION_TEXT_LIMIT
    assert reply.endswith("more")
