"""The demo's Prometheus and Alertmanager configs, rendered for its ports and files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftw_observe.alertmanager.direct import DirectPath
from ftw_observe.demo.settings import Ports

PROMETHEUS_HEADER = "# Written by `ftw-observe demo` for this run.\n"
ALERTMANAGER_HEADER = (
    "# Rendered by `ftw-observe demo` from alerts/alertmanager.yml for this run.\n"
)


@dataclass(frozen=True)
class Wiring:
    """What the configs connect: the ports, the rule files, the webhook's token file, and
    where Alertmanager sends FTW Observe's own alerts (kept as generated when None).

    Usage::

        wiring = Wiring(Ports(), rule_files=(Path("alerts/x.rules.yml"),),
                        token_file=Path(".ftw/webhook-token"))
        text = prometheus_config(wiring)
    """

    ports: Ports
    rule_files: tuple[Path, ...]
    token_file: Path
    direct: DirectPath | None = None

    @property
    def webhook_url(self) -> str:
        """Return the engine's Alertmanager webhook."""
        return f"http://127.0.0.1:{self.ports.engine}/api/webhooks/alertmanager"


def _job(name: str, port: int) -> dict[str, Any]:
    return {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}


def scrape_jobs(ports: Ports) -> list[dict[str, Any]]:
    """Return Prometheus's scrape jobs: every part, by the job names the rules expect."""
    return [
        _job("marketplace", ports.marketplace),
        _job("ftw-exporter", ports.exporter),
        _job("ftw-observe", ports.engine),
        _job("prometheus", ports.prometheus),
        _job("alertmanager", ports.alertmanager),
    ]


def prometheus_config(wiring: Wiring) -> str:
    """Return prometheus.yml: scrape every part each 5 s, load the rules, alert Alertmanager."""
    ports = wiring.ports
    config = {
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
        "rule_files": [str(path) for path in wiring.rule_files],
        "alerting": {
            "alertmanagers": [
                {"static_configs": [{"targets": [f"127.0.0.1:{ports.alertmanager}"]}]}
            ]
        },
        "scrape_configs": scrape_jobs(ports),
    }
    return PROMETHEUS_HEADER + yaml.safe_dump(config, sort_keys=False)


def alertmanager_config(template: str, wiring: Wiring) -> str:
    """Return the generated Alertmanager config with every webhook pointed at this engine.

    `template` is the text of the project's `alerts/alertmanager.yml`; webhooks that present
    a bearer token read it from the demo's token file. With `wiring.direct`, the PagerDuty
    and Slack receivers of FTW Observe's own alerts use its endpoints and secret files.
    """
    config = yaml.safe_load(template) or {}
    for receiver in config.get("receivers") or []:
        for webhook in receiver.get("webhook_configs") or []:
            webhook["url"] = wiring.webhook_url
            _use_credentials_file(webhook, str(wiring.token_file))
        if wiring.direct is not None:
            _direct(receiver, wiring.direct)
    return ALERTMANAGER_HEADER + yaml.safe_dump(config, sort_keys=False)


def _direct(receiver: dict[str, Any], direct: DirectPath) -> None:
    """Point a receiver's PagerDuty and Slack configs at this run's endpoints and files."""
    for pagerduty in receiver.get("pagerduty_configs") or []:
        pagerduty["url"] = direct.pagerduty_url
        pagerduty["routing_key_file"] = direct.routing_key_file
    for slack in receiver.get("slack_configs") or []:
        slack["api_url"] = direct.slack_api_url
        _use_credentials_file(slack, direct.slack_token_file)


def _use_credentials_file(config: dict[str, Any], path: str) -> None:
    """Make a config that presents a bearer token read it from `path`."""
    authorization = (config.get("http_config") or {}).get("authorization")
    if authorization is not None:
        authorization["credentials_file"] = path
