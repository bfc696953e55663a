"""`ftw-observe alerts test`: one test trigger and its resolve, straight to a receiver."""

from __future__ import annotations

from typer.testing import CliRunner

from ftw_observe.cli import app
from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack

KEY = "T3STR0UT1NGKEY000000000000000000"


def test_pagerduty_gets_a_trigger_and_its_resolve(fake_pagerduty: FakePagerDuty) -> None:
    env = {"PAGERDUTY_ROUTING_KEY": KEY, "PAGERDUTY_EVENTS_URL": fake_pagerduty.url}
    result = CliRunner().invoke(app, ["alerts", "test", "--receiver", "pagerduty-oncall"], env=env)
    assert result.exit_code == 0, result.output
    actions = [event["event_action"] for event in fake_pagerduty.events()]
    assert actions == ["trigger", "resolve"]
    assert fake_pagerduty.open_alerts() == set()
    assert KEY not in result.output


def test_slack_gets_a_message_that_is_then_marked_resolved(fake_slack: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": fake_slack.token, "SLACK_API_URL": fake_slack.api_url}
    result = CliRunner().invoke(app, ["alerts", "test", "--receiver", "slack-incidents"], env=env)
    assert result.exit_code == 0, result.output
    (message,) = fake_slack.posted("incidents")
    assert "Resolved: FTWObserveTestNotification" in message["text"]
    assert fake_slack.calls("chat.update")


def test_a_failing_receiver_exits_1(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next(1, error="channel_not_found", method="chat.postMessage")
    env = {"SLACK_BOT_TOKEN": fake_slack.token, "SLACK_API_URL": fake_slack.api_url}
    result = CliRunner().invoke(app, ["alerts", "test", "--receiver", "slack-incidents"], env=env)
    assert result.exit_code == 1
    assert "rejected" in result.output


def test_an_unknown_receiver_is_named() -> None:
    result = CliRunner().invoke(app, ["alerts", "test", "--receiver", "nope"])
    assert result.exit_code == 2
    assert "no receiver 'nope'" in result.stderr


def test_without_credentials_it_says_it_is_unconfigured() -> None:
    env = {"SLACK_BOT_TOKEN": "", "PAGERDUTY_ROUTING_KEY": ""}
    result = CliRunner().invoke(app, ["alerts", "test", "--receiver", "slack-incidents"], env=env)
    assert result.exit_code == 0
    assert "unconfigured" in result.stdout
