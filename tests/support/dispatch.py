"""A dispatcher over a real store, the committed routing policy and the fake receivers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.model import Notification
from ftw_observe.notify.dispatch import Dispatcher
from ftw_observe.notify.metrics import DispatchMetrics
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.notify.receivers import build_senders
from ftw_observe.notify.recovery import Recovery
from ftw_observe.store import Store
from tests.support.clock import Clock

REPO = Path(__file__).resolve().parents[2]
ROUTING_KEY = "R0UT1NGKEY0000000000000000000000"
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


class Rig:
    """A dispatcher over a real store, the committed policy and the two fakes.

    Usage::

        rig = Rig(store, fake_pagerduty, fake_slack)
        rig.emit(notification)
        rig.run(30)  # advance the clock 30 s, then route and deliver
    """

    def __init__(
        self,
        store: Store,
        pagerduty: FakePagerDuty,
        slack: FakeSlack,
        *,
        recovery: Recovery | None = None,
    ) -> None:
        self.store, self.pagerduty, self.slack, self.clock = store, pagerduty, slack, Clock(T0)
        self.recovery = recovery
        self.policy = load_policy(REPO / "alerts" / "routing.yaml")
        env = {
            "PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
            "PAGERDUTY_EVENTS_URL": pagerduty.url,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
        }
        self.metrics = DispatchMetrics.create(CollectorRegistry())
        self.dispatcher = self.make(env)
        self.env = env

    def make(self, env: dict[str, str]) -> Dispatcher:
        """Return a dispatcher with senders built from `env`, on the rig's clock."""
        senders = build_senders(self.policy, status_page_url="http://observe.test", env=env)
        return Dispatcher(
            self.store.notifications,
            lambda: self.policy,
            senders,
            metrics=self.metrics,
            clock=self.clock,
            claim_timeout=timedelta(minutes=2),
            recovery=self.recovery,
        )

    def emit(self, notification: Notification) -> None:
        """Put a notification in the outbox, raised now."""
        self.store.enqueue([replace(notification, created_at=self.clock())])

    def run(self, seconds: float = 0.0) -> None:
        """Advance the clock, then run one dispatch pass."""
        self.clock.advance(seconds)
        self.dispatcher.run_once()

    def pd_actions(self) -> list[tuple[str, str]]:
        """Return the fake PagerDuty's events as (action, dedup key)."""
        return [(e["event_action"], e["dedup_key"]) for e in self.pagerduty.events()]

    def incidents_messages(self) -> list[dict[str, Any]]:
        """Return the messages posted to #incidents."""
        return self.slack.posted("incidents")
