"""Checks of a routing policy that relate fields to each other or scan for secrets."""

from __future__ import annotations

import re
from typing import Any

from ftw_observe.notify.policy import RoutingPolicy
from ftw_observe.spec.issues import Path as FieldPath
from ftw_observe.spec.model import LABEL_NAME

# Labels the engine's alerts and the generated rules carry; `labels:` in the file adds more.
KNOWN_LABELS = frozenset(
    {"alertname", "severity", "service", "slo", "team", "tier", "long_window", "short_window"}
    | {"metric", "job", "instance", "path"}
)

_SECRETS = (
    (re.compile(r"xox[a-z]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}"), "a Slack token"),
    (re.compile(r"hooks\.slack\.com/"), "a Slack webhook URL"),
)
_PAGERDUTY_KEY = "a PagerDuty key never goes in this committed file: use routing_key_env"
_SECRET_KEYS = {
    "routing_key": _PAGERDUTY_KEY,
    "integration_key": _PAGERDUTY_KEY,
    "service_key": _PAGERDUTY_KEY,
    "token": "tokens never go in this committed file: Slack's comes from SLACK_BOT_TOKEN",
    "api_url": "Slack's API URL comes from SLACK_API_URL at runtime, not from this file",
    "webhook_url": "a webhook URL is a secret and never goes in this file: use a channel",
}


def check_references(policy: RoutingPolicy) -> list[tuple[FieldPath, str]]:
    """Return receivers and labels that are named but not defined."""
    found: list[tuple[FieldPath, str]] = []
    labels = KNOWN_LABELS | set(policy.labels)
    known = ", ".join(sorted(labels))

    def receivers(path: FieldPath, names: list[str]) -> None:
        for index, name in enumerate(names):
            if name not in policy.receivers:
                defined = ", ".join(sorted(policy.receivers))
                found.append(((*path, index), f"no receiver {name!r} (defined: {defined})"))

    def label(path: FieldPath, name: str) -> None:
        if name not in labels:
            message = f"unknown label {name!r}; add it to labels: if alerts carry it ({known})"
            found.append((path, message))

    for index, name in enumerate(policy.labels):
        if not LABEL_NAME.fullmatch(name):
            found.append((("labels", index), f"{name!r} is not a label name"))
    names: dict[str, int] = {}
    for index, route in enumerate(policy.routes):
        if route.name is not None and route.name in names:
            message = f"duplicate route name {route.name!r} (also routes[{names[route.name]}])"
            found.append((("routes", index, "name"), message))
        names.setdefault(route.name or "", index)
        receivers(("routes", index, "receivers"), route.receivers)
        for name in route.match:
            label(("routes", index, "match", name), name)
    receivers(("default_receivers",), policy.default_receivers)
    for index, rule in enumerate(policy.inhibit):
        for side, match in (("source", rule.source), ("target", rule.target)):
            for name in match:
                label(("inhibit", index, side, name), name)
        for position, name in enumerate(rule.equal):
            label(("inhibit", index, "equal", position), name)
    return found


def find_secrets(data: Any, path: FieldPath = ()) -> list[tuple[FieldPath, str]]:
    """Return every place where a secret was written into the file."""
    found: list[tuple[FieldPath, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _SECRET_KEYS:
                found.append(((*path, key), _SECRET_KEYS[key]))
            else:
                found.extend(find_secrets(value, (*path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(find_secrets(value, (*path, index)))
    elif isinstance(data, str):
        for pattern, what in _SECRETS:
            if pattern.search(data):
                found.append((path, f"this looks like {what}; secrets never go in this file"))
    return found
