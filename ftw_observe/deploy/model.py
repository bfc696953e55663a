"""The deployment config: public URLs, the addresses parts reach each other at, secret files."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ftw_observe.durations import format_duration, parse_duration

WEBHOOK_PATH = "/api/webhooks/alertmanager"
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SLACK_POST_MESSAGE_URL = "https://slack.com/api/chat.postMessage"
# Relative to alerts/, where Alertmanager resolves them: the demo writes the secrets there.
WEBHOOK_TOKEN_FILE = "../.ftw/webhook-token"  # noqa: S105 - a path, not a token
ROUTING_KEY_FILE = "../.ftw/pagerduty-routing-key"
SLACK_TOKEN_FILE = "../.ftw/slack-bot-token"  # noqa: S105 - a path, not a token


def _url(value: str) -> str:
    """Return an http(s) URL without its trailing slash; raise ValueError for anything else."""
    if any(char.isspace() for char in value):
        raise ValueError(f"{value!r} holds white space")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL such as https://ftw.example.com")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r} must not have a query or a fragment")
    return value.rstrip("/")


def _file(value: str) -> str:
    """Return a file path; raise ValueError when it is blank or spans lines."""
    if not value.strip():
        raise ValueError("a file path is required")
    if "\n" in value or "\r" in value:
        raise ValueError("a file path must be one line")
    return value


def _interval(value: str) -> str:
    """Return a positive Prometheus duration in its shortest spelling; raise ValueError."""
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"{value!r} must be longer than 0s")
    return format_duration(seconds)


Url = Annotated[str, AfterValidator(_url)]
FilePath = Annotated[str, AfterValidator(_file)]
Interval = Annotated[str, AfterValidator(_interval)]


class DeployConfig(BaseModel):
    """Where the parts of one deployment live; the defaults are a single machine's.

    File paths are as Alertmanager reads them: relative ones from `alerts/`, where its
    config is.

    >>> DeployConfig(grafana_url="https://grafana.example.com/").grafana_url
    'https://grafana.example.com'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    grafana_url: Url = Field(
        "http://localhost:3000", description="Grafana as people open it: alerts' dashboard links"
    )
    engine_url: Url = Field(
        "http://localhost:8080",
        description="The engine as people open it: the status page and the runbook links",
    )
    webhook_engine_url: Url = Field(
        "http://127.0.0.1:8080",
        description=f"The engine as Alertmanager reaches it; the webhook is under {WEBHOOK_PATH}",
    )
    webhook_token_file: FilePath = Field(
        WEBHOOK_TOKEN_FILE, description="The bearer token Alertmanager presents the engine"
    )
    pagerduty_routing_key_file: FilePath = Field(
        ROUTING_KEY_FILE,
        description="The routing key of Alertmanager's own PagerDuty receiver",
    )
    slack_token_file: FilePath = Field(
        SLACK_TOKEN_FILE,
        description="The bot token of Alertmanager's own Slack receiver",
    )
    pagerduty_events_url: Url = Field(
        PAGERDUTY_EVENTS_URL,
        description="Where that PagerDuty receiver posts: Events API v2, an EU one for EU accounts",
    )
    slack_api_url: Url = Field(
        SLACK_POST_MESSAGE_URL,
        description="Where that Slack receiver posts: chat.postMessage, or a proxy of it",
    )
    prometheus_url: Url = Field(
        "http://127.0.0.1:9090",
        description="Prometheus as Grafana's server reaches it: the provisioned datasource",
    )
    scrape_interval: Interval = Field(
        "15s", description="Prometheus's scrape interval, from which Grafana sizes $__rate_interval"
    )

    @property
    def webhook_url(self) -> str:
        """Return the engine's Alertmanager webhook as Alertmanager reaches it."""
        return self.webhook_engine_url + WEBHOOK_PATH
