"""Build the Alertmanager 0.25 configuration: routes, inhibitions and the engine's webhook.

The first two routes serve FTW Observe's own alerts: the watchdog goes to the engine on a
short repeat, and the other self-monitoring alerts go straight to PagerDuty and Slack
(`ftw_observe.alertmanager.direct`). Every other alert goes to the engine's webhook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftw_observe.alertmanager.direct import (
    DIRECT_PAGE,
    DIRECT_TICKET,
    DirectPath,
    direct_receivers,
)
from ftw_observe.burnrate import TIER_NAMES
from ftw_observe.rules.self_monitoring import ALERTMANAGER_DOWN, COMPONENT, WATCHDOG
from ftw_observe.spec.model import LABEL_NAME

# Burn-rate tiers of SLO alerts, fastest first: a firing tier mutes every slower one.
TIERS = TIER_NAMES
GROUP_BY = ("alertname", "service", "slo", "tier", "severity")
# Labels a threshold alert's warning and critical twins share; absent on both counts as equal.
TWIN_LABELS = ("alertname", "service", "job", "instance", "path")
URGENT = "ftw-observe-urgent"
DEFAULT = "ftw-observe"
WATCHDOG_RECEIVER = "ftw-observe-watchdog"


def alertmanager_config(
    *,
    webhook_url: str,
    token_file: str,
    equal_labels: Sequence[str],
    direct: DirectPath | None = None,
) -> dict[str, Any]:
    """Return an Alertmanager config: the engine's webhook for every alert but its own.

    `direct` says where the self-monitoring alerts go instead (PagerDuty's and Slack's public
    endpoints, with the key and token files relative to `alerts/`, by default).
    """
    for label in equal_labels:
        if not LABEL_NAME.fullmatch(label):
            raise ValueError(f"{label!r} is not a Prometheus label name")
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": DEFAULT,
            "group_by": _unique([*GROUP_BY, *equal_labels]),
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "12h",
            "routes": [
                *_self_monitoring_routes(),
                {
                    "receiver": URGENT,
                    "matchers": ['severity=~"page|critical"'],
                    "group_wait": "0s",
                    # A resolve waits for the group's next flush: keep the on-call's wait short.
                    # The engine's router drops the repeats this causes.
                    "group_interval": "30s",
                    "repeat_interval": "4h",
                },
                {
                    "receiver": DEFAULT,
                    "matchers": ['severity=~"ticket|warning|info"'],
                    "group_wait": "30s",
                    "group_interval": "5m",
                    "repeat_interval": "12h",
                },
            ],
        },
        "inhibit_rules": [
            *_tier_inhibitions(equal_labels),
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": list(TWIN_LABELS),
            },
        ],
        "receivers": [
            _receiver(URGENT, webhook_url, token_file),
            _receiver(DEFAULT, webhook_url, token_file),
            _receiver(WATCHDOG_RECEIVER, webhook_url, token_file, send_resolved=False),
            *direct_receivers(direct or DirectPath()),
        ],
    }


def _self_monitoring_routes() -> list[dict[str, Any]]:
    """Return the watchdog's route to the engine, then the self-monitoring alerts' own."""
    return [
        {
            "receiver": WATCHDOG_RECEIVER,
            "matchers": [f'alertname="{WATCHDOG}"'],
            "group_by": ["alertname"],
            "group_wait": "0s",
            "group_interval": "30s",
            # The engine counts the watchdog as missing after 3 minutes: repeat it well within.
            "repeat_interval": "1m",
        },
        {
            # Never through the engine: they must arrive while every replica is dead. One
            # group per severity makes one failure that trips several rules one incident.
            "receiver": DIRECT_TICKET,
            "matchers": [f'component="{COMPONENT}"'],
            "group_by": ["component", "severity"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "12h",
            "routes": [
                {
                    # Sent by a surviving peer when one of several is down. A lone
                    # Alertmanager receives it only as it comes back, still firing for one
                    # evaluation: the wait lets it resolve instead of paging after the fact.
                    "receiver": DIRECT_PAGE,
                    "matchers": [f'alertname="{ALERTMANAGER_DOWN}"'],
                    "group_wait": "1m",
                    "group_interval": "30s",
                    "repeat_interval": "4h",
                },
                {
                    "receiver": DIRECT_PAGE,
                    "matchers": ['severity="page"'],
                    "group_wait": "0s",
                    "group_interval": "30s",
                    "repeat_interval": "4h",
                },
                {"receiver": DIRECT_TICKET, "matchers": ['severity="ticket"']},
            ],
        },
    ]


def _tier_inhibitions(equal_labels: Sequence[str]) -> list[dict[str, Any]]:
    """Return one rule per tier muting every slower tier of the same SLO."""
    equal = _unique(["service", "slo", *equal_labels])
    return [
        {
            "source_matchers": [f'tier="{tier}"'],
            "target_matchers": [f'tier=~"{"|".join(TIERS[index + 1 :])}"'],
            "equal": list(equal),
        }
        for index, tier in enumerate(TIERS[:-1])
    ]


def _receiver(
    name: str, webhook_url: str, token_file: str, *, send_resolved: bool = True
) -> dict[str, Any]:
    """Return a receiver posting to the engine's webhook with a bearer token read from a file."""
    return {
        "name": name,
        "webhook_configs": [
            {
                "url": webhook_url,
                "send_resolved": send_resolved,
                "max_alerts": 0,
                "http_config": {
                    "authorization": {"type": "Bearer", "credentials_file": token_file}
                },
            }
        ],
    }


def _unique(labels: Sequence[str]) -> list[str]:
    """Return the labels without repeats, in first-seen order."""
    return list(dict.fromkeys(labels))
