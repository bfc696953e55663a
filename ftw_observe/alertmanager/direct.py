"""Alertmanager's own PagerDuty and Slack receivers, for the alerts on FTW Observe itself.

Those alerts must arrive while every engine replica is dead, so Alertmanager sends them
without the engine: PagerDuty's Events API v2 for pages, Slack's chat.postMessage for pages
and tickets. The routing key and the bot token stay in files; the YAML names the files only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The deployment config's defaults: a deployment sets its own there.
from ftw_observe.deploy.model import (
    PAGERDUTY_EVENTS_URL,
    ROUTING_KEY_FILE,
    SLACK_POST_MESSAGE_URL,
    SLACK_TOKEN_FILE,
)

DIRECT_PAGE = "ftw-observe-direct-page"
DIRECT_TICKET = "ftw-observe-direct-ticket"
# Names the Slack post's group, so that a reader tells Alertmanager's posts from the engine's.
CALLBACK_PREFIX = "alertmanager/"
SLACK_CALLBACK_ID = (
    f"{CALLBACK_PREFIX}{{{{ .GroupLabels.component }}}}/{{{{ .GroupLabels.severity }}}}"
)

_STATUS = (
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]'
)
PAGERDUTY_DESCRIPTION = (
    "FTW Observe {{ .CommonLabels.severity }}: "
    "{{ if .Alerts.Firing }}{{ range $i, $a := .Alerts.Firing }}{{ if $i }}; {{ end }}"
    "{{ $a.Labels.alertname }}: {{ $a.Annotations.summary }}{{ end }}"
    "{{ else }}{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}"
    "{{ end }} resolved{{ end }}"
)
# `[FIRING:2] FTW Observe page: FTWObserveEngineDown, FTWObserveWebhookFailing`; a reader
# tells a resolve by its `[RESOLVED]`.
SLACK_TITLE = (
    f"{_STATUS} FTW Observe {{{{ .CommonLabels.severity }}}}: "
    "{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}{{ end }}"
)
SLACK_TEXT = (
    "{{ range .Alerts }}*{{ .Labels.alertname }}*"
    '{{ if eq .Status "resolved" }} (resolved){{ end }}: {{ .Annotations.summary }}\n'
    "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}"
)
_EACH = "{{ range .Alerts.Firing }}{{ .Annotations.%s }}\n{{ end }}"


@dataclass(frozen=True)
class DirectPath:
    """Where Alertmanager sends the self-monitoring alerts, and the files holding the secrets.

    Usage::

        config = alertmanager_config(
            webhook_url=WEBHOOK_URL, token_file="/run/ftw/webhook.token", equal_labels=[],
            direct=DirectPath(routing_key_file="/run/ftw/pd.key"),
        )
    """

    routing_key_file: str = ROUTING_KEY_FILE
    slack_token_file: str = SLACK_TOKEN_FILE
    pagerduty_url: str = PAGERDUTY_EVENTS_URL
    slack_api_url: str = SLACK_POST_MESSAGE_URL
    page_channel: str = "#incidents"
    ticket_channel: str = "#slo-alerts"

    def __post_init__(self) -> None:
        for name in ("routing_key_file", "slack_token_file", "pagerduty_url", "slack_api_url"):
            if not getattr(self, name).strip():
                raise ValueError(f"DirectPath.{name} is empty")
        for name in ("page_channel", "ticket_channel"):
            if not getattr(self, name).startswith("#"):
                raise ValueError(f"DirectPath.{name} must name a channel such as #incidents")


def direct_receivers(direct: DirectPath) -> list[dict[str, Any]]:
    """Return the page receiver (PagerDuty and Slack) and the ticket receiver (Slack)."""
    return [
        {
            "name": DIRECT_PAGE,
            "pagerduty_configs": [_pagerduty(direct)],
            "slack_configs": [_slack(direct, direct.page_channel)],
        },
        {"name": DIRECT_TICKET, "slack_configs": [_slack(direct, direct.ticket_channel)]},
    ]


def _pagerduty(direct: DirectPath) -> dict[str, Any]:
    """Return an Events API v2 config whose routing key Alertmanager reads from a file."""
    return {
        "routing_key_file": direct.routing_key_file,
        "url": direct.pagerduty_url,
        "send_resolved": True,
        "client": "FTW Observe self-monitoring (Alertmanager)",
        "client_url": "{{ .ExternalURL }}",
        "severity": "critical",
        "component": "ftw-observe",
        "description": PAGERDUTY_DESCRIPTION,
        "details": {"runbook": _EACH % "runbook_url", "summary": _EACH % "summary"},
    }


def _slack(direct: DirectPath, channel: str) -> dict[str, Any]:
    """Return a chat.postMessage config that presents the bot token read from a file."""
    return {
        "api_url": direct.slack_api_url,
        "channel": channel,
        "send_resolved": True,
        "http_config": {
            "authorization": {"type": "Bearer", "credentials_file": direct.slack_token_file}
        },
        "username": "FTW Observe",
        "color": '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
        "title": SLACK_TITLE,
        "text": SLACK_TEXT,
        "callback_id": SLACK_CALLBACK_ID,
    }
