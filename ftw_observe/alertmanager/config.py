"""Build the Alertmanager 0.25 configuration: routes, inhibitions and the engine's webhook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftw_observe.burnrate import TIER_NAMES
from ftw_observe.spec.model import LABEL_NAME

# Burn-rate tiers of SLO alerts, fastest first: a firing tier mutes every slower one.
TIERS = TIER_NAMES
GROUP_BY = ("alertname", "service", "slo", "tier", "severity")
# Labels a threshold alert's warning and critical twins share; absent on both counts as equal.
TWIN_LABELS = ("alertname", "service", "job", "instance", "path")
URGENT = "ftw-observe-urgent"
DEFAULT = "ftw-observe"


def alertmanager_config(
    *, webhook_url: str, token_file: str, equal_labels: Sequence[str]
) -> dict[str, Any]:
    """Return an Alertmanager config that posts every alert to the engine's webhook."""
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
        ],
    }


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


def _receiver(name: str, webhook_url: str, token_file: str) -> dict[str, Any]:
    """Return a receiver posting to the engine's webhook with a bearer token read from a file."""
    return {
        "name": name,
        "webhook_configs": [
            {
                "url": webhook_url,
                "send_resolved": True,
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
