"""A page about a budget measured over part of its period says so in Slack and PagerDuty."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import block_errors
from ftw_observe.model import Notification
from ftw_observe.notify import blocks
from ftw_observe.notify.facts import alert_facts
from ftw_observe.notify.pagerduty import PagerDutySender
from tests.ftw_observe.notify.test_blocks import STATUS_PAGE, texts
from tests.support.notifications import burn_notification

NOTE = "consumed 4000.0 % of the budget of the events seen; budget measured over 2h of 30d"


@pytest.fixture
def sender(fake_pagerduty: FakePagerDuty) -> Iterator[PagerDutySender]:
    key = "R0UT1NGK3Ysecret0123456789abcdef"
    with PagerDutySender("pagerduty", key, events_url=fake_pagerduty.url) as sender:
        yield sender


def young_page() -> Notification:
    """Return a page whose annotations carry the engine's note on a young period."""
    notes = burn_notification().annotations
    return burn_notification(
        annotations={**notes, "budget_note": NOTE, "remaining_budget": "-3900.00%"}
    )


def test_slack_shows_the_note_in_place_of_the_remaining_share() -> None:
    notification = young_page()
    message = blocks.trigger_blocks(notification, alert_facts(notification, STATUS_PAGE))

    assert block_errors(message) == []
    shown = texts(message)
    assert f"*Budget*\n{NOTE}" in shown
    assert "Remaining budget" not in shown


def test_pagerduty_carries_the_note_in_its_details(sender: PagerDutySender) -> None:
    details = sender.trigger_arguments(young_page(), "key")["custom_details"]
    assert details["budget"] == NOTE


def test_a_whole_period_page_has_no_note(sender: PagerDutySender) -> None:
    details = sender.trigger_arguments(burn_notification(), "key")["custom_details"]
    assert "budget" not in details
