"""Build the senders of a routing policy from the environment; unconfigured ones only log."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from ftw_observe.notify.log import LogSender
from ftw_observe.notify.model import Sender
from ftw_observe.notify.pagerduty import PagerDutySender
from ftw_observe.notify.policy import RoutingPolicy
from ftw_observe.notify.slack import SlackSender

log = logging.getLogger("ftw_observe.notify")


def build_senders(
    policy: RoutingPolicy, *, status_page_url: str, env: Mapping[str, str] | None = None
) -> dict[str, Sender]:
    """Return a sender per receiver of the policy, a logging one where credentials lack."""
    env = os.environ if env is None else env
    senders: dict[str, Sender] = {}
    for name, receiver in policy.receivers.items():
        if receiver.pagerduty is not None:
            key = receiver.pagerduty.routing_key(env)
            senders[name] = (
                PagerDutySender(
                    name,
                    key,
                    events_url=env.get("PAGERDUTY_EVENTS_URL") or None,
                    status_page_url=status_page_url,
                )
                if key
                else LogSender(name, "pagerduty")
            )
        elif receiver.slack is not None:
            token = env.get("SLACK_BOT_TOKEN")
            senders[name] = (
                SlackSender(
                    name,
                    receiver.slack.channel,
                    token,
                    base_url=env.get("SLACK_API_URL") or None,
                    status_page_url=status_page_url,
                )
                if token
                else LogSender(name, "slack")
            )
        if isinstance(senders.get(name), LogSender):
            log.warning("receiver %s is unconfigured: it will only log what it would send", name)
    return senders
