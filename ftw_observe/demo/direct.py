"""Where the demo's Alertmanager sends FTW Observe's own alerts, and the secrets it reads.

The same receivers the engine uses: the fake PagerDuty and Slack, or the real ones when
PAGERDUTY_ROUTING_KEY or SLACK_BOT_TOKEN is set. The key and the token go into files in the
demo's home, readable by their owner only; the config names the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ftw_observe.alertmanager.direct import DirectPath
from ftw_observe.demo.files import write_private
from ftw_observe.demo.settings import DemoError

ROUTING_KEY_FILE = "pagerduty-routing-key"
SLACK_TOKEN_FILE = "slack-bot-token"  # noqa: S105 - a file name, not a token
PAGERDUTY_DEFAULT = "https://events.pagerduty.com"
SLACK_DEFAULT = "https://slack.com/api/"


def pagerduty_enqueue_url(env: Mapping[str, str]) -> str:
    """Return the Events API v2 endpoint PAGERDUTY_EVENTS_URL names (a base or the endpoint)."""
    base = env.get("PAGERDUTY_EVENTS_URL") or PAGERDUTY_DEFAULT
    return base.rstrip("/").removesuffix("/v2/enqueue") + "/v2/enqueue"


def slack_post_message_url(env: Mapping[str, str]) -> str:
    """Return chat.postMessage under the Web API base SLACK_API_URL names."""
    return (env.get("SLACK_API_URL") or SLACK_DEFAULT).rstrip("/") + "/chat.postMessage"


def write_direct_path(home: Path, env: Mapping[str, str]) -> DirectPath:
    """Write the routing key and bot token of `env` into `home` (mode 0600); return the path.

    `env` is what the engine gets: the user's variables, or the fakes' where they lack.
    """
    secrets = {}
    for variable, name in (
        ("PAGERDUTY_ROUTING_KEY", ROUTING_KEY_FILE),
        ("SLACK_BOT_TOKEN", SLACK_TOKEN_FILE),
    ):
        value = (env.get(variable) or "").strip()
        if not value:
            raise DemoError(f"{variable} is not set and no fake receiver stands in for it")
        secrets[name] = home / name
        write_private(secrets[name], value + "\n")
    return DirectPath(
        routing_key_file=str(secrets[ROUTING_KEY_FILE]),
        slack_token_file=str(secrets[SLACK_TOKEN_FILE]),
        pagerduty_url=pagerduty_enqueue_url(env),
        slack_api_url=slack_post_message_url(env),
    )
