"""Silence announcements: routed to the ticket channel through the outbox, once, never paged."""

from __future__ import annotations

import doctest
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ftw_observe.matching.coverage import Coverage
from ftw_observe.matching.silences import Silence, expired, new_silence
from ftw_observe.notify import announce
from ftw_observe.notify.announce import Event, announcement, end_event, route
from ftw_observe.notify.policy_file import load_policy
from tests.support.dispatch import REPO, T0, Rig

HOUR = timedelta(hours=1)


def set_silence(
    rig: Rig,
    matchers: tuple[str, ...] = ("service=marketplace",),
    *,
    starts: timedelta = timedelta(0),
    hours: float = 2,
    event: Event = Event.CREATED,
) -> Silence:
    now = rig.clock()
    silence = new_silence(
        list(matchers),
        author="ana",
        reason="payment provider migration",
        starts_at=now + starts,
        ends_at=now + starts + hours * HOUR,
        now=now,
    )
    coverage = Coverage(48, 48) if event is Event.FORCED else Coverage(6, 48)
    rig.store.add_silence(silence, [announcement(silence, event, coverage=coverage)])
    return silence


def text_of(message: dict[str, Any]) -> str:
    parts = [message["text"]]
    for block in message["blocks"]:
        parts.append(str(block.get("text", {}).get("text", "")))
        parts += [str(item.get("text", "")) for item in block.get("fields", [])]
        parts += [str(item.get("text", "")) for item in block.get("elements", [])]
    return "\n".join(parts)


def test_a_new_silence_is_posted_once_to_the_ticket_channel_and_never_paged(rig: Rig):
    silence = set_silence(rig)

    rig.run()
    rig.run(60)

    assert rig.pd_actions() == []
    assert rig.incidents_messages() == []
    (message,) = rig.slack.posted("slo-alerts")
    text = text_of(message)
    assert "Silence by ana until" in message["text"]
    assert "payment provider migration" in text
    assert "`service=marketplace`" in text
    assert "6 of 48 known alerts" in text
    assert silence.id in text


def test_a_forced_silence_is_announced_as_muting_every_alert(rig: Rig):
    set_silence(rig, ("severity=~.+",), event=Event.FORCED)

    rig.run()

    (message,) = rig.slack.posted("slo-alerts")
    assert "Forced silence by ana mutes EVERY alert" in message["text"]
    assert "mutes every alert the engine knows* (48 of 48 known alerts)" in text_of(message)


def test_a_mute_all_silence_never_mutes_its_own_announcement(rig: Rig):
    set_silence(rig, ("severity=~.+",), event=Event.FORCED)
    set_silence(rig, ("service=host",))

    rig.run()

    assert len(rig.slack.posted("slo-alerts")) == 2


def test_an_expired_silence_is_announced_once_even_after_a_restart(rig: Rig):
    silence = set_silence(rig)
    rig.run()
    rig.store.expire_silence(silence.id, rig.clock() + timedelta(minutes=10))

    rig.run(11 * 60)
    rig.run(60)
    rig.dispatcher = rig.make(rig.env)  # a restarted engine remembers nothing in memory
    rig.run(60)

    _, ended = rig.slack.posted("slo-alerts")
    assert "expired early at" in ended["text"]
    assert "payment provider migration" in text_of(ended)
    assert rig.pd_actions() == []


def test_a_silence_that_reaches_its_end_is_announced(rig: Rig):
    set_silence(rig, hours=1)
    rig.run()

    rig.run(30 * 60)
    assert len(rig.slack.posted("slo-alerts")) == 1
    rig.run(31 * 60)

    _, ended = rig.slack.posted("slo-alerts")
    assert "Silence by ana ended at" in ended["text"]


def test_a_cancelled_maintenance_window_is_announced_as_cancelled(rig: Rig):
    window = set_silence(rig, starts=2 * HOUR)
    rig.run()
    rig.store.expire_silence(window.id, rig.clock())

    rig.run(1)

    created, cancelled = rig.slack.posted("slo-alerts")
    assert "Maintenance window by ana from" in created["text"]
    assert "Maintenance window by ana cancelled before it started" in cancelled["text"]


def test_an_announcement_slack_refuses_for_a_while_is_retried_and_posted_once(rig: Rig):
    rig.slack.fail_next(2, status=500, method="chat.postMessage")
    set_silence(rig)

    rig.run()
    assert rig.slack.posted("slo-alerts") == []
    for _ in range(4):
        rig.run(60)

    assert len(rig.slack.posted("slo-alerts")) == 1
    assert rig.store.outbox_depth() == 0


def test_an_expiry_stamped_by_a_replica_whose_clock_lags_is_still_announced(rig: Rig):
    silence = set_silence(rig)
    rig.run(5 * 60)
    rig.store.expire_silence(silence.id, rig.clock() - timedelta(minutes=2))

    rig.run(1)

    _, ended = rig.slack.posted("slo-alerts")
    assert "expired early at" in ended["text"]


def test_ended_silences_older_than_the_lookback_are_not_announced(rig: Rig):
    silence = set_silence(rig)
    rig.run()
    rig.store.expire_silence(silence.id, rig.clock())

    rig.run(13 * 3600)  # every replica was down for longer than the lookback

    assert len(rig.slack.posted("slo-alerts")) == 1


def write_policy(tmp_path: Path, ticket_receivers: str) -> Path:
    text = (REPO / "alerts" / "routing.yaml").read_text()
    old = "    receivers: [slack-slo-alerts]\n    repeat_interval: 24h"
    assert old in text
    path = tmp_path / "routing.yaml"
    path.write_text(
        text.replace(old, f"    receivers: {ticket_receivers}\n    repeat_interval: 24h")
    )
    return path


def silence_now() -> Silence:
    return new_silence(
        ["service=x"], author="a", reason="r", starts_at=None, ends_at=T0 + HOUR, now=T0
    )


def test_announcements_skip_pagerduty_on_the_ticket_route(tmp_path: Path):
    policy = load_policy(write_policy(tmp_path, "[pagerduty-oncall, slack-slo-alerts]"))

    deliveries, outcome = route(announcement(silence_now(), Event.CREATED), policy)

    assert [name for name, _ in deliveries] == ["slack-slo-alerts"]
    assert outcome == {"receivers": ["slack-slo-alerts"]}


def test_announcements_fall_back_to_the_default_slack_receivers(tmp_path: Path):
    policy = load_policy(write_policy(tmp_path, "[pagerduty-oncall]"))

    deliveries, _ = route(announcement(silence_now(), Event.CREATED), policy)

    assert [name for name, _ in deliveries] == ["slack-slo-alerts"]


def test_an_announcement_no_slack_receiver_takes_is_dropped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    text = write_policy(tmp_path, "[pagerduty-oncall]").read_text()
    path = tmp_path / "routing.yaml"
    path.write_text(
        text.replace(
            "default_receivers: [slack-slo-alerts]", "default_receivers: [pagerduty-oncall]"
        )
    )
    policy = load_policy(path)

    deliveries, outcome = route(announcement(silence_now(), Event.CREATED), policy)

    assert deliveries == []
    assert outcome == {"dropped": "no Slack receiver on the ticket route"}
    assert "reaches no Slack receiver" in caplog.text


def test_how_a_silence_ended_is_told_apart():
    silence = silence_now()

    assert end_event(silence) is Event.ENDED
    assert end_event(expired(silence, silence.starts_at + timedelta(minutes=1))) is Event.EXPIRED
    window = new_silence(
        ["service=x"],
        author="a",
        reason="r",
        starts_at=silence.starts_at + HOUR,
        ends_at=silence.starts_at + 2 * HOUR,
        now=silence.starts_at,
    )
    assert end_event(expired(window, window.created_at)) is Event.CANCELLED


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(announce).failed == 0
