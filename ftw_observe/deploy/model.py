"""The deployment config: public URLs, the addresses parts reach each other at, secret files."""

from __future__ import annotations

import re
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

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
    if "@" in parts.netloc:
        raise ValueError("must not hold a user or password: the generated files are committed")
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


def _absolute_file(value: str) -> str:
    """Return an absolute file path; Grafana resolves relative ones from wherever it runs."""
    value = _file(value)
    if not value.startswith("/"):
        raise ValueError(f"{value!r} must be an absolute path, as Grafana's server reads it")
    if "}" in value:
        raise ValueError(f"{value!r} holds }}, which ends Grafana's $__file{{...}} reference")
    return value


# RFC 9110's token: the characters a header name may hold.
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def _headers(value: Any) -> Any:
    """Accept `Name=value,Name=value` (an environment variable) as well as a mapping."""
    if not isinstance(value, str):
        return value
    pairs = [item.partition("=") for item in value.split(",") if item.strip()]
    if any(not equals for _, equals, _ in pairs):
        raise ValueError("must be Name=value pairs separated by commas")
    return {name.strip(): text.strip() for name, _, text in pairs}


Url = Annotated[str, AfterValidator(_url)]
FilePath = Annotated[str, AfterValidator(_file)]
GrafanaFile = Annotated[str, AfterValidator(_absolute_file)]
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

    prometheus_bearer_token_file: GrafanaFile | None = Field(
        None, description="File on Grafana's server holding the token Prometheus wants"
    )
    prometheus_basic_auth_user: str | None = Field(
        None, min_length=1, description="Basic auth user Grafana presents Prometheus"
    )
    prometheus_basic_auth_password_file: GrafanaFile | None = Field(
        None, description="File on Grafana's server holding that user's password"
    )
    prometheus_ca_file: GrafanaFile | None = Field(
        None, description="PEM CA bundle on Grafana's server for an https prometheus_url"
    )
    prometheus_client_cert_file: GrafanaFile | None = Field(
        None, description="Client certificate on Grafana's server, for mutual TLS"
    )
    prometheus_client_key_file: GrafanaFile | None = Field(
        None, description="That certificate's key on Grafana's server"
    )
    prometheus_headers: dict[str, str] = Field(
        default_factory=dict,
        description="Extra headers to Prometheus, such as Mimir's X-Scope-OrgID (no secrets)",
    )

    @field_validator("prometheus_headers", mode="before")
    @classmethod
    def _split_headers(cls, value: Any) -> Any:
        return _headers(value)

    @field_validator("prometheus_headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if name.lower() in ("authorization", "proxy-authorization"):
                raise ValueError(f"{name}: use prometheus_bearer_token_file or basic auth")
            if not text or any(not char.isprintable() for char in text):
                raise ValueError(f"the value of {name} is empty or not printable")
        return value

    @model_validator(mode="after")
    def _credentials_pair_up(self) -> Self:
        """Refuse bearer and basic auth together, and halves of a pair."""
        if self.prometheus_bearer_token_file and self.prometheus_basic_auth_user:
            raise ValueError(
                "prometheus_bearer_token_file and prometheus_basic_auth_user are both set: "
                "choose one"
            )
        pairs = (
            ("prometheus_basic_auth_user", "prometheus_basic_auth_password_file"),
            ("prometheus_client_cert_file", "prometheus_client_key_file"),
        )
        for first, second in pairs:
            if bool(getattr(self, first)) != bool(getattr(self, second)):
                given, missing = (first, second) if getattr(self, first) else (second, first)
                raise ValueError(f"{given} is set without {missing}")
        return self

    @property
    def webhook_url(self) -> str:
        """Return the engine's Alertmanager webhook as Alertmanager reaches it."""
        return self.webhook_engine_url + WEBHOOK_PATH
