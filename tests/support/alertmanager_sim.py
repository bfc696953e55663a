"""Alertmanager 0.25's way from Prometheus's alerts to the engine's webhook, in simulated time.

Outages last hours and Alertmanager runs on the wall clock, so replays use this model of it,
read from the committed `alerts/alertmanager.yml`: routes chosen by matchers, with their
`group_by`, `group_wait`, `group_interval` and `repeat_interval`; inhibition (an alert is
muted while a firing alert matching a rule's source agrees on its `equal` labels); and the
notification log's rule of when a group is sent (`DedupStage.needsUpdate` in
notify/notify.go): new firing alerts, newly resolved ones, or a repeat interval passed, and
nothing but resolved alerts never opens a conversation. Muting happens before that rule: a
group whose alerts are all muted sends nothing and leaves the log as it was (the pipeline stops
at an empty list of alerts, `MultiStage.Exec`): the alerts it last sent firing are reported
resolved once nothing mutes them; an alert resolved while muted is never reported resolved. Both
are Alertmanager's behaviour, kept here on purpose.

Not modelled: clustering, silences (the engine keeps its own), `resolve_timeout` (Prometheus
always sets `endsAt`) and Prometheus's resends of resolved alerts (they change nothing sent).

Usage::

    am = AlertmanagerSim.from_file(REPO / "alerts" / "alertmanager.yml")
    am.receive(now, [labels_of_each_firing_alert])
    for body in am.flush(now):
        ...  # a webhook body, as Alertmanager would POST it
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ftw_observe.durations import parse_duration

Labels = dict[str, str]
Fingerprint = tuple[tuple[str, str], ...]
ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert still firing
_MATCHER = re.compile(r'^\s*(\w+)\s*(=~|!~|!=|=)\s*"(.*)"\s*$')


@dataclass(frozen=True)
class Matcher:
    """One `name=value`, `name!=value`, `name=~regex` or `name!~regex` matcher."""

    name: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Read a matcher as alertmanager.yml writes it."""
        found = _MATCHER.match(text)
        if found is None:
            raise ValueError(f"cannot read matcher {text!r}")
        return cls(*found.groups())

    def matches(self, labels: Labels) -> bool:
        """Tell whether the labels satisfy the matcher (a missing label is empty)."""
        value = labels.get(self.name, "")
        if self.op in ("=", "!="):
            return (value == self.value) == (self.op == "=")
        return bool(re.fullmatch(self.value, value)) == (self.op == "=~")


@dataclass(frozen=True)
class Route:
    """A route of the tree, with the options it inherits from the root."""

    receiver: str
    matchers: tuple[Matcher, ...]
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta


@dataclass(frozen=True)
class Inhibition:
    """An inhibit rule: a firing source mutes matching targets that agree on `equal`."""

    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]


def _seconds(text: str) -> timedelta:
    return timedelta(seconds=parse_duration(text))


def _all(matchers: tuple[Matcher, ...], labels: Labels) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


@dataclass
class _Alert:
    labels: Labels
    firing: bool
    starts_at: datetime
    ends_at: datetime | None = None


@dataclass
class _Group:
    route: Route
    alerts: dict[Fingerprint, _Alert] = field(default_factory=dict)
    next_flush: datetime | None = None


@dataclass(frozen=True)
class _Entry:  # the notification log's record of a group's last notification
    firing: frozenset[Fingerprint]
    resolved: frozenset[Fingerprint]
    at: datetime


class AlertmanagerSim:
    """Route, group, inhibit and notify like Alertmanager, on a clock the caller moves."""

    def __init__(self, routes: list[Route], inhibitions: list[Inhibition]) -> None:
        self.routes = routes
        self.inhibitions = inhibitions
        self.alerts: dict[Fingerprint, _Alert] = {}
        self.groups: dict[tuple[str, Fingerprint], _Group] = {}
        self.log: dict[tuple[str, Fingerprint], _Entry] = {}

    @classmethod
    def from_file(cls, path: Path) -> AlertmanagerSim:
        """Read the routes and inhibit rules of an alertmanager.yml."""
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        root = config["route"]

        def routes(
            node: dict[str, Any], parent: dict[str, Any], above: tuple[Matcher, ...]
        ) -> list[Route]:
            """Flatten a route: its children first (they match within it), then itself."""
            merged = {**parent, **{k: v for k, v in node.items() if k != "routes"}}
            matchers = (*above, *(Matcher.parse(m) for m in node.get("matchers", [])))
            children = [
                r for child in node.get("routes", []) for r in routes(child, merged, matchers)
            ]
            return [
                *children,
                Route(
                    receiver=merged["receiver"],
                    matchers=matchers,
                    group_by=tuple(merged.get("group_by", [])),
                    group_wait=_seconds(merged.get("group_wait", "30s")),
                    group_interval=_seconds(merged.get("group_interval", "5m")),
                    repeat_interval=_seconds(merged.get("repeat_interval", "4h")),
                ),
            ]

        inherited = {k: v for k, v in root.items() if k not in ("routes", "matchers")}
        flat = [r for child in root.get("routes", []) for r in routes(child, inherited, ())]
        flat += routes({}, inherited, ())  # the root takes what no child matched
        inhibitions = [
            Inhibition(
                tuple(Matcher.parse(m) for m in rule.get("source_matchers", [])),
                tuple(Matcher.parse(m) for m in rule.get("target_matchers", [])),
                tuple(rule.get("equal", [])),
            )
            for rule in config.get("inhibit_rules", [])
        ]
        return cls(flat, inhibitions)

    def route_of(self, labels: Labels) -> Route:
        """Return the route Alertmanager takes for an alert with these labels."""
        return next(route for route in self.routes if _all(route.matchers, labels))

    def receive(self, at: datetime, firing: list[Labels]) -> None:
        """Take what Prometheus reports at one evaluation: these fire, the others resolved."""
        now_firing = {tuple(sorted(labels.items())): labels for labels in firing}
        for fingerprint, alert in self.alerts.items():
            if alert.firing and fingerprint not in now_firing:
                alert.firing, alert.ends_at = False, at
        for fingerprint, labels in now_firing.items():
            known = self.alerts.get(fingerprint)
            alert = known if known is not None and known.firing else _Alert(dict(labels), True, at)
            self.alerts[fingerprint] = alert
            route = self.route_of(labels)
            key = (route.receiver, tuple((name, labels.get(name, "")) for name in route.group_by))
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = _Group(route, next_flush=at + route.group_wait)
            group.alerts[fingerprint] = alert

    def _muted(self, labels: Labels) -> bool:
        for rule in self.inhibitions:
            if not _all(rule.target, labels):
                continue
            both_sides = _all(rule.source, labels)
            for source in self.alerts.values():
                if not source.firing or not _all(rule.source, source.labels):
                    continue
                if any(source.labels.get(n, "") != labels.get(n, "") for n in rule.equal):
                    continue
                if both_sides and _all(rule.target, source.labels):
                    continue
                return True
        return False

    def flush(self, now: datetime) -> list[dict[str, Any]]:
        """Flush every group due by `now`, in order; return the webhook bodies sent."""
        sent: list[tuple[datetime, dict[str, Any]]] = []
        while due := [
            (group.next_flush, key)
            for key, group in self.groups.items()
            if group.next_flush is not None and group.next_flush <= now
        ]:
            at, key = min(due)
            group = self.groups[key]
            body = self._flush(key, group, at)
            if body is not None:
                sent.append((at, body))
            group.alerts = {fp: a for fp, a in group.alerts.items() if a.firing}
            group.next_flush = at + group.route.group_interval
            if not group.alerts:
                del self.groups[key]
        return [body for _, body in sorted(sent, key=lambda pair: pair[0])]

    def _flush(
        self, key: tuple[str, Fingerprint], group: _Group, at: datetime
    ) -> dict[str, Any] | None:
        visible = {fp: a for fp, a in group.alerts.items() if not self._muted(a.labels)}
        if not visible:
            return None
        firing = frozenset(fp for fp, a in visible.items() if a.firing)
        resolved = frozenset(fp for fp, a in visible.items() if not a.firing)
        entry = self.log.get(key)
        if not _needs_update(entry, firing, resolved, group.route.repeat_interval, at):
            return None
        self.log[key] = _Entry(firing, resolved, at)
        alerts = [_webhook_alert(fp, alert) for fp, alert in sorted(visible.items())]
        return {
            "version": "4",
            "status": "firing" if firing else "resolved",
            "receiver": group.route.receiver,
            "groupLabels": dict(key[1]),
            "alerts": alerts,
        }


def _needs_update(
    entry: _Entry | None,
    firing: frozenset[Fingerprint],
    resolved: frozenset[Fingerprint],
    repeat: timedelta,
    now: datetime,
) -> bool:
    """Alertmanager's DedupStage.needsUpdate, with send_resolved on."""
    if entry is None:
        return bool(firing)
    if not firing <= entry.firing:
        return True
    if not firing:
        return bool(entry.firing)
    if not resolved <= entry.resolved:
        return True
    return entry.at < now - repeat


def _webhook_alert(fingerprint: Fingerprint, alert: _Alert) -> dict[str, Any]:
    labels = alert.labels
    if "tier" in labels:
        summary = f"{labels.get('service')} {labels.get('slo')}: {labels['tier']} (Alertmanager)"
    else:
        summary = f"{labels.get('alertname')} {labels.get('severity')} (Alertmanager)"
    ends = alert.ends_at.isoformat() if alert.ends_at and not alert.firing else ZERO_TIME
    return {
        "status": "firing" if alert.firing else "resolved",
        "labels": dict(labels),
        "annotations": {"summary": summary},
        "startsAt": alert.starts_at.isoformat(),
        "endsAt": ends,
        "generatorURL": "",
        "fingerprint": hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:16],
    }
